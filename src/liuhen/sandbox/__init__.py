"""A local sandbox of the Telegram Bot API (``server``) and a client of its simulation API (``client``).

Nothing is imported here at import time: use ``liuhen.sandbox.server`` and ``liuhen.sandbox.client``.
"""
