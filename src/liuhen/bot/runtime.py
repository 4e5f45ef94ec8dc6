"""What the handlers need at run time, built once by the composition root (bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from liuhen.bot.config import Settings
from liuhen.domain.clock import Clock, SystemClock
from liuhen.evidence.keys import load_keyring
from liuhen.evidence.store import FileEvidenceStore
from liuhen.storage.database import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    court_id: int
    court_name: str
    store: FileEvidenceStore

    async def close(self) -> None:
        await self.db.dispose()


async def open_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    """Open the database, bring its schema up to date, make sure the deployment's court exists."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    clock = clock or SystemClock()
    db = Database(settings.db_url, now=clock.now)
    await db.migrate()
    court = await db.ensure_court(settings.court_code, settings.court_name, settings.deadline_profile.value)
    assert court.id is not None
    # evidence encrypted at rest when the deployment has a keyring (`liuhen init` creates it; issue 9)
    keyring = load_keyring(settings.evidence_keyring_path)
    store = FileEvidenceStore(settings.data_dir / "evidence", keyring=keyring)
    await store.cleanup_tmp()
    return Runtime(
        settings=settings, db=db, clock=clock, court_id=court.id, court_name=court.name, store=store
    )
