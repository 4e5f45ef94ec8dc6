"""What the WeCom door does with a member's callback: the same use cases as the Telegram door, rendered
as WeCom messages and template cards.

Order of a callback (the receipt is a promise: 全程留痕): the member is looked up; a message of evidence has
its media fetched (``media/get``) and its bytes and the callback's fields stored and fsync'd, then the inbox
claim, the evidence row and the ledger entry are committed together — and only then is the callback
acknowledged and the receipt sent. A retried callback (WeCom retries what is not answered within 5 s) finds
its inbox row and changes nothing; its receipt is not sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import structlog

from liuhen.app import inspection
from liuhen.app.batching import GroupCommit
from liuhen.app.runtime import Arrived, Runtime
from liuhen.app.usecases import (
    accountability,
    desk,
    enrolment,
    followup,
    intake,
    notices,
    questionnaire,
    witnesses,
)
from liuhen.app.usecases import casefile as casefile_usecase
from liuhen.app.usecases import casezero as casezero_usecase
from liuhen.app.usecases.enrolment import Member, WeComAccount
from liuhen.app.usecases.intake import PressOutcome, Receipt, ReceiptAction, StoredContent
from liuhen.app.usecases.questionnaire import AmendRefused, Shown, View
from liuhen.domain.ledger import canonical_json
from liuhen.domain.records import EvidenceKind, EvidenceState, FileRef, IncomingEvidence, Origin
from liuhen.evidence.inspect import real_media_type
from liuhen.texts import common as texts
from liuhen.texts import desk as desk_words
from liuhen.texts import questions as words
from liuhen.texts import wecom as wecom_words
from liuhen.wecom import cards, casefile, casezero, complaints, followups, monthly, office, reads, signing
from liuhen.wecom.api import MediaGone, WeComApi, WeComError
from liuhen.wecom.cards import Json
from liuhen.wecom.parse import MESSAGE_MEDIA_TYPE, Callback

log = structlog.get_logger(__name__)
R = TypeVar("R")

#: each feature's card buttons, by their keys' prefix: (door, userid, member, token, response code)
PRESSED: dict[str, Callable[[WeComDoor, str, Member, str, str], Awaitable[None]]] = {
    cards.SIGNOFF: signing.pressed,
    cards.MONTHLY: monthly.pressed,
    cards.WITNESS: signing.witness_pressed,
    cards.CASEFILE: casefile.pressed,
    cards.FOLLOWUP: followups.pressed,
    cards.COMPLAINT: complaints.pressed,
    cards.CASEZERO: casezero.pressed,
    cards.ACCOUNTABILITY: office.accountability_pressed,
    cards.NOTICE: office.notice_pressed,
}

#: a questionnaire use case taking typed text (an answer, an amendment's reason)
TypedAnswer = Callable[..., Awaitable[View | None]]

#: what each message type is as evidence, and the media type WeCom's media of it has
KINDS = {
    "text": EvidenceKind.TEXT,
    "image": EvidenceKind.PHOTO,
    "voice": EvidenceKind.VOICE,
    "video": EvidenceKind.VIDEO,
    "shortvideo": EvidenceKind.VIDEO,  # 小视频, as older clients send it
    "location": EvidenceKind.TEXT,
    "link": EvidenceKind.TEXT,
}
CLAIMED_TYPES = {"image": "image/jpeg", "voice": "audio/amr", "video": "video/mp4", "shortvideo": "video/mp4"}


def chat_of(staff_pk: int) -> int:
    """WeCom has no chats: a WeCom message's chat is the negative of its sender's staff key (Telegram's
    chat ids of people are positive)."""
    return -staff_pk


@dataclass
class WeComDoor:
    rt: Runtime
    api: WeComApi
    # receipts and cards go out after the callback is answered, in order for each member
    _tails: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _in_flight: set[int] = field(default_factory=set)
    # sign-off cards sent, to close them once their level is decided: (chat, message) → (userid, code);
    # kept in memory (a card of before a restart stays, and answers 已处理 when pressed)
    cards: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    port: int | None = None  # where the callback listens, once it does (any free port when asked for 0)
    # the access lookups of concurrent callbacks, in one read (as the Telegram door's gate)
    accounts: GroupCommit[str, WeComAccount | None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.accounts = GroupCommit(self._accounts)

    async def _accounts(self, userids: list[str]) -> list[WeComAccount | None]:
        rt = self.rt
        found = await enrolment.wecom_accounts(rt.db.uow(read_only=True), set(userids), now=rt.clock.now())
        return [found.get(userid) for userid in userids]

    # ---- the callback ---------------------------------------------------------------------------

    async def handle(self, callback: Callback) -> None:
        """Everything that must be durable before the callback is answered; what is sent is queued."""
        lock = self._locks.setdefault(callback.userid, asyncio.Lock())
        async with lock:  # one member's callbacks one at a time, in the order they came
            await self._handle(callback)

    async def _handle(self, callback: Callback) -> None:
        account = await self.accounts.submit(callback.userid)
        if account is None:  # not on the roster (or deactivated): served nothing, nothing kept
            log.info("wecom_refused", reason="not_on_roster")
            if callback.msg_type != "event" or callback.event == "template_card_event":
                self.send(
                    callback.userid, lambda: self.api.send_text(callback.userid, wecom_words.NOT_ON_ROSTER)
                )
            return
        if not account.confirmed:
            await self._unconfirmed(callback, account)
            return
        member = account.member
        typed, waits = callback.msg_type == "text", member.pending_field or ""
        if callback.event == "template_card_event":
            if await self._claim(callback, "wecom_press"):  # a retried press changes nothing
                await self._pressed(callback, member)
        elif callback.msg_type == "event":
            return  # entering the application, a menu …: nothing to record
        elif typed and callback.get("Content").startswith("/"):
            await self._command(callback, member)
        elif (
            member.writing_complaint
            and callback.msg_type in KINDS
            and await complaints.item(self, callback, member)
        ):
            return  # while a complaint is written, every message is its content (seed 001 实施办法 §9)
        elif typed and waits and await self._waited_for(callback, member, waits):
            return  # an opinion, an amendment's reason, a question's answer
        elif callback.msg_type in KINDS:
            await self._evidence(callback, member)
        else:  # a message type the register cannot keep yet: said, not silently dropped
            self.say(callback.userid, wecom_words.UNSUPPORTED_MESSAGE)

    def send(self, userid: str, send: Callable[[], Awaitable[object]]) -> None:
        """Queue a call to WeCom for ``userid`` after the ones before it."""
        before = self._tails.get(userid)

        async def run() -> None:
            if before is not None:
                with contextlib.suppress(Exception):
                    await before
            try:
                await send()
            except (WeComError, OSError) as exc:
                log.warning("wecom_send_failed", error=str(exc))

        self._tails[userid] = asyncio.get_running_loop().create_task(run())

    async def words(self, callback: Callback, member: Member, take: Callable[..., Awaitable[R]]) -> R:
        """The typed text of ``callback`` handed to ``take`` (a use case taking words a feature asked for:
        a file number, a step's words, a dispute's note); a retried callback is its use case's replay."""
        rt = self.rt
        return await take(
            rt.db.uow(),
            staff=member.staff,
            text=callback.get("Content"),
            update_id=callback.inbox_id,
            now=rt.clock.now(),
        )

    def card(self, userid: str, card: Json) -> None:
        """Queue a card for ``userid``."""
        self.send(userid, lambda: self.api.send_card(userid, card))

    def say(self, userid: str, text: str) -> None:
        self.send(userid, lambda: self.api.send_text(userid, text))

    async def drain(self) -> None:
        """Until everything queued has been sent (tests, shutdown)."""
        while pending := [t for t in self._tails.values() if not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    # ---- confirmation of the account -------------------------------------------------------------

    async def _unconfirmed(self, callback: Callback, account: WeComAccount) -> None:
        key = callback.get("EventKey")
        code = callback.get("ResponseCode")
        if callback.event == "template_card_event" and key == cards.CONFIRM:
            member = await enrolment.confirm_wecom(
                self.rt.db.uow(), userid=callback.userid, clock=self.rt.clock
            )
            if member is not None:
                self.close(callback.userid, code, wecom_words.CONFIRMED_LABEL)
                self.say(callback.userid, wecom_words.welcome(member))
            return
        if callback.event == "template_card_event" and key == cards.NOT_ME:
            log.warning("wecom_not_me")
            self.close(callback.userid, code, wecom_words.NOT_ME_LABEL)
            self.say(callback.userid, wecom_words.NOT_ME)
            return
        if callback.msg_type == "event" and callback.event != "enter_agent":
            return
        card = cards.confirm(wecom_words.confirm(account.member))
        self.card(callback.userid, card)
        if callback.msg_type != "event":
            self.say(callback.userid, wecom_words.RESEND)

    def close(self, userid: str, response_code: str, label: str) -> None:
        if response_code:
            self.send(userid, lambda: self.api.close_card(userid, response_code, label))

    # ---- evidence ------------------------------------------------------------------------------

    def incoming(self, callback: Callback, member: Member) -> IncomingEvidence:
        assert member.staff.id is not None
        kind, msg_type = KINDS[callback.msg_type], callback.msg_type
        text: str | None = None
        file: FileRef | None = None
        if msg_type == "text":
            text = callback.get("Content")
        elif msg_type == "location":
            text = wecom_words.location(
                callback.get("Label"), callback.get("Location_X"), callback.get("Location_Y")
            )
        elif msg_type == "link":
            text = wecom_words.link(callback.get("Title"), callback.get("Description"), callback.get("Url"))
        else:
            media_id = callback.get("MediaId")
            file = FileRef(media_id, f"wecom:{msg_type}", None, CLAIMED_TYPES.get(msg_type))
        return IncomingEvidence(
            kind=kind,
            chat_id=chat_of(member.staff.id),
            message_id=callback.msg_id or 0,
            update_id=callback.inbox_id,
            sent_at=callback.created,
            origin=Origin("direct"),
            text=text,
            file=file,
        )

    async def fetch(self, ref: FileRef) -> StoredContent:
        """``media/get`` into the evidence store; the state says what happened (never raises)."""
        try:
            media = await self.api.media(ref.file_id)
        except MediaGone:
            log.warning("wecom_media_gone")
            return StoredContent(EvidenceState.FAILED, message_sha256="")
        except (WeComError, OSError) as exc:
            log.warning("wecom_media_failed", error=str(exc))
            return StoredContent(EvidenceState.PENDING, message_sha256="")
        blob = await self.rt.store.put_bytes(media.data)
        claimed = media.content_type if "/" in media.content_type else ref.mime_type
        media_type = real_media_type(media.data[:512], claimed, media.filename)
        return StoredContent(
            EvidenceState.STORED, "", sha256=blob.sha256, size=blob.size, media_type=media_type
        )

    async def _evidence(self, callback: Callback, member: Member) -> None:
        rt = self.rt
        incoming = self.incoming(callback, member)
        got = await self.fetch(incoming.file) if incoming.file is not None else None
        receipt = await rt.intake.submit(
            Arrived(member.staff, incoming, canonical_json(callback.as_json()), got, MESSAGE_MEDIA_TYPE)
        )
        if receipt is None or incoming.update_id in self._in_flight:
            return  # a retried callback: receipted already (or its receipt is on its way)
        self._in_flight.add(incoming.update_id)
        self.send(callback.userid, lambda: self._send_receipt(callback.userid, receipt, incoming.update_id))
        newest = receipt.items[-1]
        if newest.id is not None and newest.sha256 and (newest.media_type or "").startswith("image/"):
            asyncio.get_running_loop().create_task(inspection.inspect(rt, newest.id, newest.sha256))

    async def _send_receipt(self, userid: str, receipt: Receipt, update_id: int) -> None:
        try:
            sent = await self.api.send_card(userid, cards.receipt(receipt))
            ids = [e.id for e in receipt.items if e.id is not None and e.receipt_message_id is None]
            await self.rt.receipts.submit((ids, sent.message_id))
        finally:
            self._in_flight.discard(update_id)

    async def retry_media(self) -> None:
        """Media whose download failed at intake (WeCom keeps them 3 days): fetched again; the recorder
        is told."""
        rt = self.rt
        async with rt.db.uow(read_only=True) as uow:
            pending = [e for e in await uow.evidence.unfinished(wecom=True)]
        for evidence in pending:
            assert evidence.id is not None and evidence.telegram_file_id is not None
            ref = FileRef(evidence.telegram_file_id, evidence.telegram_file_unique_id or "", evidence.size)
            got = await self.fetch(ref)
            arrival = await intake.file_outcome(
                rt.db.uow(),
                evidence_id=evidence.id,
                content=got if got.state is EvidenceState.STORED else None,
                clock=rt.clock,
                max_attempts=1 if got.state is EvidenceState.FAILED else rt.settings.download_max_attempts,
            )
            if arrival is None:
                continue
            async with rt.db.uow(read_only=True) as uow:
                recorder = await uow.staff.get(-arrival.chat_id)
            if recorder is not None and recorder.wecom_userid:
                self.say(recorder.wecom_userid, texts.file_arrived(arrival))

    # ---- buttons -------------------------------------------------------------------------------

    async def _pressed(self, callback: Callback, member: Member) -> None:
        key, code = callback.get("EventKey"), callback.get("ResponseCode")
        if key in (cards.CONFIRM, cards.NOT_ME):
            self.close(callback.userid, code, wecom_words.CONFIRMED_LABEL)
            return
        head, colon, token = key.partition(":")  # a feature's prefix, then the core's opaque token
        prefix = head + colon
        if token == cards.CHOICE:  # a one-choice card: the chosen option's id is the token
            chosen = callback.selected.get(cards.CHOICE, ())
            token = chosen[0] if chosen else ""
        if prefix == cards.INTAKE:
            await self._receipt_button(callback, member, token, code)
        elif prefix == cards.QUESTION:
            await self._question_button(callback, member, token, code)
        elif (feature := PRESSED.get(prefix)) is not None:
            await feature(self, callback.userid, member, token, code)
        else:
            self.say(callback.userid, texts.BUTTON_FORBIDDEN)

    async def _receipt_button(self, callback: Callback, member: Member, token: str, code: str) -> None:
        rt, userid = self.rt, callback.userid
        result = await intake.press(rt.db.uow(), staff=member.staff, token=token, clock=rt.clock)
        if result.outcome == PressOutcome.FORBIDDEN:
            log.warning("button_refused", action="intake")
            self.say(userid, texts.BUTTON_FORBIDDEN)
            return
        if result.outcome in (PressOutcome.STALE, PressOutcome.SUBMITTED):
            self.close(userid, code, wecom_words.CLOSED_LABEL)
            self.say(userid, texts.BUTTON_STALE)
            return
        assert result.record is not None
        number = result.record.number
        if result.action == ReceiptAction.LATER:
            self.close(userid, code, wecom_words.LATER_LABEL)
            self.say(userid, texts.LATER)
        elif result.action == ReceiptAction.SPLIT:
            assert result.receipt is not None
            card = cards.receipt(result.receipt)
            self.send(userid, lambda: self.api.update_card(userid, code, card))
            self.say(userid, texts.split_done(number))
        elif result.action == ReceiptAction.DIRECT:
            self.close(userid, code, wecom_words.DIRECT_LABEL)
            self.say(userid, texts.direct_marked(number))
        else:  # FILL: the guided questions
            self.close(userid, code, wecom_words.FILLING_LABEL)
            assert result.record.id is not None
            view = await questionnaire.ask(
                rt.db.uow(),
                staff=member.staff,
                record_id=result.record.id,
                clock=rt.clock,
                settings=self._q(),
            )
            if view is not None:
                self._show(userid, view)

    async def open_questions(self, userid: str, member: Member, record_id: int) -> None:
        """The guided questions of a record (a returned record, corrected by its recorder)."""
        rt = self.rt
        view = await questionnaire.ask(
            rt.db.uow(), staff=member.staff, record_id=record_id, clock=rt.clock, settings=self._q()
        )
        if view is not None:
            self._show(userid, view)

    def _q(self) -> questionnaire.Settings:
        s = self.rt.settings
        return questionnaire.Settings(
            tz=s.tz, deadline_profile=s.deadline_profile.value, special_profile=s.special_items_profile
        )

    def _show(self, userid: str, view: View, *, response_code: str = "", label: str = "") -> None:
        """A question or the review card: in place of the pressed card when there is one. A view without
        buttons (submitted, saved for later) closes the pressed card with ``label`` and is said."""
        card = cards.question(view)
        if card is None:
            self.close(userid, response_code, label or wecom_words.CLOSED_LABEL)
            self.say(userid, words.view(view))
        elif response_code:
            self.send(userid, lambda: self.api.update_card(userid, response_code, card))
        else:
            self.card(userid, card)

    async def _question_button(self, callback: Callback, member: Member, token: str, code: str) -> None:
        rt, userid = self.rt, callback.userid
        result = await questionnaire.press(
            rt.db.uow(), staff=member.staff, token=token, clock=rt.clock, settings=self._q()
        )
        if result.outbox:  # submitted: the first officer's card, on WeCom when they are there
            await signing.deliver(self, result.outbox)
        notice = words.notice(result.notice, result.view)
        if result.view is None:
            self.close(userid, code, notice or wecom_words.CLOSED_LABEL)
        elif cards.question(result.view) is None:  # the card's last press: its label says what happened
            self._show(userid, result.view, response_code=code, label=notice or "")
            return
        else:
            self._show(userid, result.view, response_code=code)
        if notice:  # WeCom has no toasts: a short message
            self.say(userid, notice)

    async def _waited_for(self, callback: Callback, member: Member, waits: str) -> bool:
        """Typed text something waits for; False when it is evidence after all (nothing is discarded)."""
        if waits == signing.PENDING:
            return await signing.typed(self, callback, member)
        if waits.startswith(witnesses.PENDING_DISPUTE):
            return await signing.dispute_note(self, callback, member)
        if casefile_usecase.waiting_for_file_ref(waits):
            return await casefile.typed(self, callback, member)
        if followup.waiting_for_words(waits):
            return await followups.typed(self, callback, member)
        if waits.startswith(casezero_usecase.PENDING_CASE):
            return await casezero.typed(self, callback, member)
        if accountability.waiting(waits):
            return await office.accountability_typed(self, callback, member)
        if notices.waiting(waits):
            return await office.notice_typed(self, callback, member)
        if waits.startswith(questionnaire.PENDING_AMEND):
            return await self._typed(callback, member, questionnaire.amend_reason)
        return await self._answer(callback, member)

    async def _answer(self, callback: Callback, member: Member) -> bool:
        """Typed text answering the pending question; False when it is not an answer (it is evidence)."""
        if not await questionnaire.pending_text_field(self.rt.db.uow(read_only=True), staff=member.staff):
            return False
        return await self._typed(callback, member, questionnaire.answer_text)

    async def _typed(self, callback: Callback, member: Member, answer: TypedAnswer) -> bool:
        """Hand typed text to ``answer`` (a questionnaire use case); False when it is not an answer."""
        rt = self.rt
        view = await answer(
            rt.db.uow(),
            staff=member.staff,
            text=callback.get("Content"),
            update_id=callback.inbox_id,
            clock=rt.clock,
            settings=self._q(),
        )
        if view is None:
            return False
        if view.kind is not Shown.DUPLICATE:
            self._show(callback.userid, view)
        return True

    # ---- commands ------------------------------------------------------------------------------

    async def _command(self, callback: Callback, member: Member) -> None:
        rt, userid = self.rt, callback.userid
        if not await self._claim(callback, "wecom_command"):
            return
        name, _, rest = callback.get("Content")[1:].partition(" ")
        name, args = name.lower(), rest.split()
        staff = member.staff
        if name == "desk":
            if args and args[0].lower() in desk_words.SIGN_OUT_WORDS:
                ended = await desk.sign_out_everywhere(rt.db.uow(), staff=staff, now=rt.clock.now())
                self.say(userid, desk_words.signed_out(ended))
            else:
                token = await desk.issue_link(rt.db.uow(), staff=staff, now=rt.clock.now())
                self.say(userid, desk_words.link(f"{rt.settings.desk_url}/signin/{token}"))
        elif name == "new":
            await intake.start_new_draft(rt.db.uow(), staff=staff)
            self.say(userid, texts.NEW_DRAFT)
        elif name == "drafts":
            summaries = await intake.open_drafts(rt.db.uow(read_only=True), staff=staff)
            self.say(userid, texts.drafts(summaries, rt.settings.tz))
        elif name == "amend":
            if not args:
                self.say(userid, texts.AMEND_USAGE)
                return
            try:
                number = await questionnaire.begin_amend(rt.db.uow(), staff=staff, number=args[0])
            except AmendRefused as exc:
                self.say(userid, words.amend_refused(exc))
                return
            self.say(userid, texts.amend_ask_reason(number))
        elif name == "whoami":
            reads.whoami(self, userid, member)
        elif name == "form":
            await reads.form(self, userid, member, args)
        elif name == "case":
            await reads.case(self, userid, member, args)
        elif name == "monthly":
            await reads.monthly_view(self, userid, member, args)
        elif name == "registers":
            await reads.registers_view(self, userid, member)
        elif name == "quarterly":
            await reads.quarterly_summary(self, userid, member, args)
        elif name == "accountability":
            await office.accountability_command(self, userid, member)
        elif name == "notice":
            await office.notice_command(self, userid, member, args)
        elif name == "casezero":
            await casezero.command(self, userid, member, args)
        elif name == "complaint":
            await complaints.command(self, userid, member)
        elif name == "followup":
            await followups.command(self, userid, member)
        elif name == "casefile":
            await casefile.command(self, userid, member)
        elif name == "pending":
            await signing.pending(self, userid, member)
        elif name in ("help", "start"):
            self.say(userid, wecom_words.HELP)
        else:
            self.say(userid, wecom_words.UNSUPPORTED)

    async def _claim(self, callback: Callback, kind: str) -> bool:
        """A command or a press is carried out once, however often WeCom retries its callback."""
        async with self.rt.db.uow() as uow:
            claimed = await uow.inbox.claim(callback.inbox_id, chat_id=None, kind=kind)
            await uow.commit()
        return claimed
