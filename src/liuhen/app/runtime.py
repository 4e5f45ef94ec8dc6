"""What the handlers need at run time, built once by the composition root (bot/app.py)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog

from liuhen.app.batching import GroupCommit
from liuhen.app.settings import Settings
from liuhen.app.usecases.enrolment import Member, current_members
from liuhen.app.usecases.intake import (
    MESSAGE_MEDIA_TYPE,
    NewEvidence,
    Receipt,
    StoredContent,
    receipts_sent,
    receive_many,
    stored_content,
)
from liuhen.app.usecases.signoff import Config as SignoffConfig
from liuhen.app.usecases.signoff import PressResult
from liuhen.domain.clock import Clock, SystemClock
from liuhen.domain.model import Staff
from liuhen.domain.records import IncomingEvidence
from liuhen.evidence.keys import load_keyring
from liuhen.evidence.store import FileEvidenceStore
from liuhen.storage.database import Database

log = structlog.get_logger(__name__)

if TYPE_CHECKING:  # made when an image is first decoded: a report or a command never imports it
    from liuhen.app.decoder import Decoder


@dataclass(frozen=True)
class Arrived:
    """A message of evidence as its handler has it: the file (if any) downloaded and stored, the message's
    JSON still to store — with the others of its batch, by a few worker threads."""

    staff: Staff
    incoming: IncomingEvidence
    message_json: bytes
    file: StoredContent | None
    media_type: str = MESSAGE_MEDIA_TYPE  # what the message's own bytes are (a door's message format)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    court_id: int
    court_name: str
    store: FileEvidenceStore
    # group commits of concurrent updates (bot/batching.py)
    members: GroupCommit[int, Member | None] = field(init=False, repr=False)
    intake: GroupCommit[Arrived, Receipt | None] = field(init=False, repr=False)
    receipts: GroupCommit[tuple[Sequence[int], int], None] = field(init=False, repr=False)
    # images decoded and read in a worker process, made on first use (app/decoder.py)
    _decoder: Decoder | None = field(default=None, init=False, repr=False)
    # what the chat does after a decision taken elsewhere (the desk console) in this process: set by the
    # Telegram door when it runs here; otherwise its outbox job sends the cards and news
    chat_followup: Callable[[PressResult, int], Awaitable[None]] | None = field(default=None, repr=False)
    # the outbox messages a desk step posted, sent at once by the Telegram door in this process
    chat_deliver: Callable[[Sequence[str]], Awaitable[None]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.members = GroupCommit(self._members)
        self.intake = GroupCommit(self._receive)
        # the receipts' answers come back spread out: gather them for a moment under load
        self.receipts = GroupCommit(lambda sent: receipts_sent(self.db.uow(), sent), linger=0.003)

    async def _members(self, telegram_user_ids: list[int]) -> list[Member | None]:
        """The access gate's lookup of the people behind concurrent updates, in one read."""
        found = await current_members(
            self.db.uow(read_only=True), set(telegram_user_ids), now=self.clock.now()
        )
        return [found.get(user_id) for user_id in telegram_user_ids]

    async def _receive(self, batch: list[Arrived]) -> list[Receipt | None]:
        """Store the messages' JSON (write, fsync, rename, fsync dir), then record them in one transaction."""
        blobs = await self.store.put_many([a.message_json for a in batch])
        items = [
            NewEvidence(a.staff, a.incoming, stored_content(blob.sha256, blob.size, a.file, a.media_type))
            for a, blob in zip(batch, blobs, strict=True)
        ]
        window = timedelta(minutes=self.settings.draft_join_minutes)
        return await receive_many(self.db.uow(), items, clock=self.clock, join_window=window)

    def signoff_config(self) -> SignoffConfig:
        """The sign-off's settings: the zone, the deadline profile, the follow-ups' working days."""
        s = self.settings
        return SignoffConfig(
            s.tz, s.deadline_profile.value, s.investigation_workdays, s.clarification_workdays
        )

    @property
    def decoder(self) -> Decoder:
        if self._decoder is None:
            from liuhen.app.decoder import Decoder

            self._decoder = Decoder()
        return self._decoder

    async def close(self) -> None:
        if self._decoder is not None:
            await self._decoder.close()
        await self.db.dispose()


async def initialised(settings: Settings) -> bool:
    """Whether this deployment was ever initialised — without creating anything: the embedded SQLite file
    must exist, another database must hold the schema."""
    if settings.database_file is not None:
        return settings.database_file.exists()
    db = Database(settings.db_url)
    try:
        return await db.initialised()
    finally:
        await db.engine.dispose()


async def open_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """Open the database, bring its schema up to date, make sure the deployment's court exists."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = clock or SystemClock()
    db = Database(settings.db_url, now=clock.now)
    await db.migrate()
    await keep_statistics(db)
    name = settings.court_name or settings.court_code  # the doors name an unnamed court (cli/tools.py)
    court = await db.ensure_court(settings.court_code, name, settings.deadline_profile.value)
    assert court.id is not None
    # evidence encrypted at rest when the deployment has a keyring (`liuhen init` creates it)
    keyring = load_keyring(settings.evidence_keyring_path)
    store = FileEvidenceStore(settings.data_dir / "evidence", keyring=keyring)
    await store.cleanup_tmp()
    return Runtime(
        settings=settings, db=db, clock=clock, court_id=court.id, court_name=court.name, store=store
    )


async def keep_statistics(db: Database) -> None:
    """The planner's statistics taken again when the register has doubled (``Database.refresh_statistics``):
    at every start and by the bot's hourly upkeep."""
    started = time.perf_counter()
    records = await db.refresh_statistics()
    if records is not None:
        log.info("statistics_taken", records=records, seconds=round(time.perf_counter() - started, 2))


async def wait_for_signal() -> None:
    """Until SIGINT or SIGTERM: how a door's process runs until it is stopped."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
