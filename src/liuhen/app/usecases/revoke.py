"""`liuhen org revoke STAFF_ID`: unbind a lost or compromised Telegram account at once.

The person's records stay (nothing is deleted); the account behind the binding is served nothing from its
next update on (the access gate looks the binding up for every update), and every enrolment code issued to
the person and not yet used is made to expire, so that only a fresh code from `liuhen org invite` enrols
them again, on their new phone. Seed 003 §12, seed 004 §15: records are need-to-know — a lost phone must
not keep that access.
"""

from __future__ import annotations

from dataclasses import dataclass

from liuhen.app.ports import UnitOfWork
from liuhen.domain.clock import Clock
from liuhen.domain.model import Staff


class RevokeError(Exception):
    """Nothing was revoked: the roster has no one with ``staff_id``."""

    def __init__(self, staff_id: str) -> None:
        super().__init__(staff_id)
        self.staff_id = staff_id


@dataclass(frozen=True)
class Revoked:
    staff: Staff
    was_bound: bool
    codes_expired: int


async def revoke(uow: UnitOfWork, *, court_id: int, staff_id: str, clock: Clock, actor: str) -> Revoked:
    async with uow:
        staff = await uow.staff.by_staff_id(court_id, staff_id)
        if staff is None or staff.id is None:
            raise RevokeError(staff_id)
        now = clock.now()
        previous = staff.telegram_user_id
        staff.telegram_user_id = None
        staff.telegram_chat_id = None
        staff.updated_at = now
        expired = 0
        for code in await uow.codes.unused_for(staff.id):
            if code.expires_at > now:
                code.expires_at = now
                expired += 1
        await uow.ledger.append(
            actor=actor,
            action="enrolment.revoke",
            object_type="staff",
            object_id=staff.staff_id,
            payload={"telegram_user_id": previous, "codes_expired": expired},
        )
        await uow.commit()
        return Revoked(staff, previous is not None, expired)
