"""`/desk`: a one-time link that signs this staff member in to the desk console in a browser; `/desk 退出`
signs them out of every browser (seed 003 §12: the platform by role and level; seed 004 §15: in the
ledger)."""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update

from liuhen.app.usecases import desk
from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.texts import desk as texts


async def desk_command(update: Update, context: Context) -> None:
    message = update.message
    assert message is not None
    rt = context.runtime
    staff = context.me.staff
    if context.args and context.args[0].lower() in texts.SIGN_OUT_WORDS:
        ended = await desk.sign_out_everywhere(rt.db.uow(), staff=staff, now=rt.clock.now())
        await message.reply_text(texts.signed_out(ended))
        return
    token = await desk.issue_link(rt.db.uow(), staff=staff, now=rt.clock.now())
    # no preview: a preview fetcher must not even see the page (the link is used by a button press anyway)
    await message.reply_text(
        texts.link(f"{rt.settings.desk_url}/signin/{token}"),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


def install(router: Router) -> None:
    router.command("desk", desk_command)
