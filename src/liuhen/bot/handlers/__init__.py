"""Handlers, one module per feature; `register` wires them in one place."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from liuhen.bot import keyboards
from liuhen.bot.handlers import (
    access,
    casezero,
    complaint,
    enrolment,
    intake,
    monthly,
    questions,
    reports,
    signoff,
    witnesses,
)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(TypeHandler(Update, access.gate), group=-1)
    app.add_handler(CommandHandler("start", enrolment.start))
    app.add_handler(CommandHandler("help", enrolment.help_command))
    app.add_handler(CommandHandler("whoami", enrolment.whoami))
    app.add_handler(CommandHandler("new", intake.new_command))
    app.add_handler(CommandHandler("drafts", intake.drafts_command))
    app.add_handler(CommandHandler("amend", questions.amend_command))
    app.add_handler(CommandHandler("form", reports.form_command))
    app.add_handler(CommandHandler("quarterly", reports.quarterly_command))
    app.add_handler(CallbackQueryHandler(intake.on_button, pattern=f"^{keyboards.INTAKE_PREFIX}"))
    app.add_handler(CallbackQueryHandler(questions.on_button, pattern=f"^{questions.PREFIX}"))
    app.add_handler(CallbackQueryHandler(witnesses.on_button, pattern=f"^{witnesses.PREFIX}"))
    app.add_handler(CommandHandler("pending", signoff.pending_command))
    app.add_handler(CallbackQueryHandler(signoff.on_button, pattern=f"^{signoff.PREFIX}"))
    app.add_handler(CommandHandler("complaint", complaint.complaint_command))
    app.add_handler(CallbackQueryHandler(complaint.on_button, pattern=f"^{complaint.PREFIX}"))
    app.add_handler(CommandHandler("monthly", monthly.monthly_command))
    app.add_handler(CallbackQueryHandler(monthly.on_button, pattern=f"^{monthly.PREFIX}"))
    app.add_handler(CommandHandler("casezero", casezero.casezero_command))
    app.add_handler(CallbackQueryHandler(casezero.on_button, pattern=f"^{casezero.PREFIX}"))
    # Everything else a person sends is evidence (nothing is discarded); unknown commands included.
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, intake.on_message))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, enrolment.unknown_command))
    app.add_error_handler(access.on_error)
