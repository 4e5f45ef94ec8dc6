"""The typed callback context of liuhen's handlers."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from liuhen.app.runtime import Runtime
from liuhen.app.usecases.enrolment import Member
from liuhen.bot.raw import RawUpdates, raw_updates

RUNTIME_KEY = "liuhen.runtime"


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """One per update (PTB creates it once and passes it to every handler group)."""

    member: Member | None = None

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.member = None

    @property
    def runtime(self) -> Runtime:
        runtime = self.application.bot_data[RUNTIME_KEY]
        assert isinstance(runtime, Runtime)
        return runtime

    @property
    def raw(self) -> RawUpdates:
        """The messages as Telegram sent them (bot/raw.py); an empty store where nothing keeps them."""
        return raw_updates(self.application.bot_data)

    @property
    def me(self) -> Member:
        """The enrolled person behind this update (the access gate has checked it)."""
        assert self.member is not None, "handler registered without the access gate"
        return self.member
