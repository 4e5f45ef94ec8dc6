"""Handlers, one module per feature; `register` wires them in one place."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, TypeHandler

from liuhen.bot.handlers import access, enrolment


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(TypeHandler(Update, access.gate), group=-1)
    app.add_handler(CommandHandler("start", enrolment.start))
    app.add_handler(CommandHandler("help", enrolment.help_command))
    app.add_handler(CommandHandler("whoami", enrolment.whoami))
    app.add_error_handler(access.on_error)
