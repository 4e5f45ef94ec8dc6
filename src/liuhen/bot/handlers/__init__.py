"""The Telegram door's features, one module each; each declares its commands, buttons, typed answers and
jobs in ``install(router)`` (``bot/router.py``), and `register` wires whatever is here."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from liuhen.app.settings import Settings
from liuhen.bot.router import discover


def register(app: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> None:
    router = discover()
    router.install(app)
    router.schedule(app, settings)
