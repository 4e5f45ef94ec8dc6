"""留痕 liuhen — record interference in judicial cases over a Telegram bot."""

__version__ = "0.1.0"
