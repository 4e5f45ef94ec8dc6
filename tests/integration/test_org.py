"""Roster import and enrolment against the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liuhen.app.usecases import enrolment
from liuhen.app.usecases.enrolment import EnrolOutcome
from liuhen.app.usecases.roster import RosterRejected, import_roster
from liuhen.domain.clock import FixedClock
from liuhen.domain.roster import REQUIRED_COLUMNS, parse_roster
from liuhen.storage.database import Database
from liuhen.texts import org as texts
from liuhen.texts import roster as texts_roster

HEADER = ",".join(REQUIRED_COLUMNS)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
async def court_id(db: Database) -> int:
    court = await db.ensure_court("c1", "测试法院", "court")
    assert court.id is not None
    return court.id


async def load(db: Database, court_id: int, text: str, clock: FixedClock | None = None) -> object:
    return await import_roster(
        db.uow(), court_id=court_id, roster=parse_roster(text), clock=clock or FixedClock(NOW), actor="test"
    )


async def test_import_creates_people_departments_and_oversight(
    db: Database, court_id: int, roster_csv: str
) -> None:
    summary = await load(db, court_id, roster_csv)
    assert len(summary.added) == 10  # type: ignore[attr-defined]
    async with db.uow() as uow:
        depts = {d.name: d for d in await uow.departments.list(court_id)}
        vp = await uow.staff.by_staff_id(court_id, "v001")
        assert vp is not None
        assert depts["民事审判第一庭"].vice_president_id == vp.id
        assert depts["纪检监察室"].vice_president_id is None
        assert len(await uow.staff.list(court_id)) == 10


async def test_bad_file_imports_nothing(db: Database, court_id: int) -> None:
    text = HEADER + "\na1,张三,一庭,审判员,staff,,\na2,李四,一庭,审判员,nobody,,\n"
    with pytest.raises(RosterRejected):
        await load(db, court_id, text)
    async with db.uow() as uow:
        assert await uow.staff.list(court_id) == []


async def test_reimport_updates_deactivates_and_reactivates(db: Database, court_id: int) -> None:
    first = HEADER + "\na1,张三,一庭,审判员,staff,,\na2,李四,一庭,书记员,staff,,\n"
    await load(db, court_id, first)
    invite = await enrolment.issue_invite(
        db.uow(), court_id=court_id, staff_id="a2", clock=FixedClock(NOW), actor="t"
    )
    res = await enrolment.redeem(
        db.uow(), code_text=invite.code, telegram_user_id=900, chat_id=900, update_id=1, clock=FixedClock(NOW)
    )
    assert res.outcome is EnrolOutcome.ENROLLED

    second = HEADER + "\na1,张三,一庭,副庭长,staff,,\n"  # a1 promoted, a2 gone
    summary = await load(db, court_id, second)
    assert summary.updated == ["a1"] and summary.deactivated == ["a2"]  # type: ignore[attr-defined]
    async with db.uow() as uow:
        a2 = await uow.staff.by_staff_id(court_id, "a2")
        assert a2 is not None and not a2.active and a2.telegram_user_id is None
    assert await enrolment.current_member(db.uow(), 900, now=NOW) is None  # access ends at once

    summary = await load(db, court_id, first)
    assert summary.reactivated == ["a2"]  # type: ignore[attr-defined]
    async with db.uow() as uow:
        assert len(await uow.staff.list(court_id)) == 2  # never deleted, never duplicated


async def test_enrolment_outcomes(db: Database, court_id: int, roster_csv: str) -> None:
    await load(db, court_id, roster_csv)
    clock = FixedClock(NOW)
    invite = await enrolment.issue_invite(
        db.uow(), court_id=court_id, staff_id="j001", clock=clock, ttl=timedelta(days=7), actor="t"
    )

    async def redeem(code: str, user: int, update_id: int) -> EnrolOutcome:
        result = await enrolment.redeem(
            db.uow(), code_text=code, telegram_user_id=user, chat_id=user, update_id=update_id, clock=clock
        )
        return result.outcome

    assert await redeem("AAAA-BBBB-CCCC-DDDD", 1, 1) is EnrolOutcome.INVALID
    assert await redeem(invite.code.lower(), 1, 2) is EnrolOutcome.ENROLLED
    assert await redeem(invite.code, 1, 2) is EnrolOutcome.DUPLICATE  # replayed update
    assert await redeem(invite.code, 2, 3) is EnrolOutcome.USED
    member = await enrolment.current_member(db.uow(), 1, now=NOW)
    assert member is not None and member.staff.name == "张法官" and member.department == "民事审判第一庭"

    late = await enrolment.issue_invite(db.uow(), court_id=court_id, staff_id="h001", clock=clock, actor="t")
    clock.set(NOW + timedelta(days=7, seconds=1))
    assert await redeem(late.code, 3, 4) is EnrolOutcome.EXPIRED


async def test_failures_are_throttled_per_account(db: Database, court_id: int, roster_csv: str) -> None:
    await load(db, court_id, roster_csv)
    clock = FixedClock(NOW)
    invite = await enrolment.issue_invite(
        db.uow(), court_id=court_id, staff_id="j001", clock=clock, actor="t"
    )
    for i in range(enrolment.THROTTLE_MAX_FAILURES):
        r = await enrolment.redeem(
            db.uow(),
            code_text="WRONGWRONGWRONG2",
            telegram_user_id=5,
            chat_id=5,
            update_id=10 + i,
            clock=clock,
        )
        assert r.outcome is EnrolOutcome.INVALID
    right = await enrolment.redeem(
        db.uow(), code_text=invite.code, telegram_user_id=5, chat_id=5, update_id=20, clock=clock
    )
    assert right.outcome is EnrolOutcome.THROTTLED  # even the right code waits
    other = await enrolment.redeem(
        db.uow(), code_text=invite.code, telegram_user_id=6, chat_id=6, update_id=21, clock=clock
    )
    assert other.outcome is EnrolOutcome.ENROLLED  # another account is not affected
    clock.set(NOW + enrolment.THROTTLE_WINDOW + timedelta(seconds=1))
    again = await enrolment.issue_invite(db.uow(), court_id=court_id, staff_id="h001", clock=clock, actor="t")
    later = await enrolment.redeem(
        db.uow(), code_text=again.code, telegram_user_id=5, chat_id=5, update_id=22, clock=clock
    )
    assert later.outcome is EnrolOutcome.ENROLLED


async def test_deactivated_person_cannot_get_or_use_a_code(db: Database, court_id: int) -> None:
    await load(db, court_id, HEADER + "\na1,张三,一庭,审判员,staff,,\na2,李四,一庭,书记员,staff,,\n")
    clock = FixedClock(NOW)
    old = await enrolment.issue_invite(db.uow(), court_id=court_id, staff_id="a2", clock=clock, actor="t")
    await load(db, court_id, HEADER + "\na1,张三,一庭,审判员,staff,,\n")
    with pytest.raises(enrolment.InviteError) as deactivated:
        await enrolment.issue_invite(db.uow(), court_id=court_id, staff_id="a2", clock=clock, actor="t")
    assert "已停用" in texts.invite_error(deactivated.value)
    with pytest.raises(enrolment.InviteError) as unknown:
        await enrolment.issue_invite(db.uow(), court_id=court_id, staff_id="zz", clock=clock, actor="t")
    assert "没有工号" in texts.invite_error(unknown.value)
    result = await enrolment.redeem(
        db.uow(), code_text=old.code, telegram_user_id=8, chat_id=8, update_id=1, clock=clock
    )
    assert result.outcome is EnrolOutcome.INACTIVE


async def test_new_phone_moves_the_binding(db: Database, court_id: int, roster_csv: str) -> None:
    await load(db, court_id, roster_csv)
    clock = FixedClock(NOW)
    for update_id, user in ((1, 100), (2, 200)):
        inv = await enrolment.issue_invite(
            db.uow(), court_id=court_id, staff_id="j001", clock=clock, actor="t"
        )
        res = await enrolment.redeem(
            db.uow(),
            code_text=inv.code,
            telegram_user_id=user,
            chat_id=user,
            update_id=update_id,
            clock=clock,
        )
        assert res.outcome is EnrolOutcome.ENROLLED
    assert res.rebound_from == 100
    assert await enrolment.current_member(db.uow(), 100, now=NOW) is None
    assert await enrolment.current_member(db.uow(), 200, now=NOW) is not None


async def _guess(db: Database, clock: FixedClock, user: int, update_id: int) -> EnrolOutcome:
    result = await enrolment.redeem(
        db.uow(),
        code_text="WRONGWRONGWRONG2",
        telegram_user_id=user,
        chat_id=user,
        update_id=update_id,
        clock=clock,
    )
    return result.outcome


async def test_a_network_of_fresh_accounts_is_throttled_and_a_real_newcomer_still_gets_in(
    db: Database, court_id: int, roster_csv: str
) -> None:
    """Five fresh accounts made together (neighbouring ids) × five wrong codes: the network is slowed down
    after a few, not answered 登记码无效 twenty-five times; a newcomer of the same network with a real code
    enrols at the first try."""
    await load(db, court_id, roster_csv)
    clock = FixedClock(NOW)
    base = 7_000_000_000
    outcomes = [
        await _guess(db, clock, base + account, 100 + 10 * account + attempt)
        for account in range(5)
        for attempt in range(5)
    ]
    assert outcomes.count(EnrolOutcome.INVALID) < 15
    assert EnrolOutcome.THROTTLED in outcomes[: 3 * 5]  # the third account is slowed already
    invite = await enrolment.issue_invite(
        db.uow(), court_id=court_id, staff_id="j001", clock=clock, actor="t"
    )
    newcomer = await enrolment.redeem(
        db.uow(), code_text=invite.code, telegram_user_id=base + 99, chat_id=1, update_id=999, clock=clock
    )
    assert newcomer.outcome is EnrolOutcome.ENROLLED


async def test_a_burst_everywhere_limits_every_account_and_tells_the_administrators(
    db: Database, court_id: int, roster_csv: str
) -> None:
    await load(db, court_id, roster_csv)
    clock = FixedClock(NOW)
    async with db.uow() as uow:  # an enrolled administrator to tell
        admin = next(s for s in await uow.staff.list(court_id) if s.role == "admin")
        admin.telegram_user_id, admin.telegram_chat_id = 42, 42
        await uow.commit()
    spread = [(n + 1) * enrolment.NEIGHBOURHOOD for n in range(enrolment.GLOBAL_MAX_FAILURES)]
    for n, user in enumerate(spread):  # one wrong code each, from everywhere
        assert await _guess(db, clock, user, 1000 + n) is EnrolOutcome.INVALID
    assert await _guess(db, clock, spread[0], 2000) is EnrolOutcome.THROTTLED  # a second try waits
    async with db.uow(read_only=True) as uow:
        ever = datetime(2100, 1, 1, tzinfo=UTC)
        told = await uow.notices.outbox("so:enrol-burst", ever, ever)
        entries = [e for e in await uow.ledger.entries() if e.action == "enrolment.burst"]
    assert len(told) == 1 and len(entries) == 1
    invite = await enrolment.issue_invite(
        db.uow(), court_id=court_id, staff_id="j001", clock=clock, actor="t"
    )
    newcomer = await enrolment.redeem(
        db.uow(), code_text=invite.code, telegram_user_id=3, chat_id=3, update_id=3000, clock=clock
    )
    assert newcomer.outcome is EnrolOutcome.ENROLLED


async def test_a_wecom_account_from_the_roster_is_confirmed_once_and_kept_by_a_file_without_the_column(
    db: Database, court_id: int
) -> None:
    """The roster's ``wecom_userid`` names the account; its holder confirms it (WeCom vouches for the account,
    the person for the entry), and only then is served. Another account is confirmed anew; a roster without
    the column changes nothing; leaving the roster ends the service at once."""
    clock = FixedClock(NOW)
    await load(db, court_id, HEADER + ",wecom_userid\na1,张三,一庭,审判员,staff,,,zhangsan\n")
    found = await enrolment.wecom_accounts(db.uow(read_only=True), ["zhangsan", "nobody"], now=NOW)
    assert list(found) == ["zhangsan"] and not found["zhangsan"].confirmed
    member = await enrolment.confirm_wecom(db.uow(), userid="zhangsan", clock=clock)
    assert member is not None and member.staff.name == "张三" and member.department == "一庭"
    assert await enrolment.confirm_wecom(db.uow(), userid="nobody", clock=clock) is None
    found = await enrolment.wecom_accounts(db.uow(read_only=True), ["zhangsan"], now=NOW)
    assert found["zhangsan"].confirmed and found["zhangsan"].member.staff.on_wecom
    async with db.uow(read_only=True) as uow:
        confirmations = [e for e in await uow.ledger.entries() if e.action == "staff.wecom_confirm"]
    assert [e.object_id for e in confirmations] == ["a1"]

    await load(db, court_id, HEADER + "\na1,张三,一庭,审判员,staff,,\n")  # no column: the account stays
    found = await enrolment.wecom_accounts(db.uow(read_only=True), ["zhangsan"], now=NOW)
    assert found["zhangsan"].confirmed

    await load(db, court_id, HEADER + ",wecom_userid\na1,张三,一庭,审判员,staff,,,zs2\n")  # another account
    found = await enrolment.wecom_accounts(db.uow(read_only=True), ["zhangsan", "zs2"], now=NOW)
    assert list(found) == ["zs2"] and not found["zs2"].confirmed
    await enrolment.confirm_wecom(db.uow(), userid="zs2", clock=clock)

    await load(db, court_id, HEADER + "\na2,李四,一庭,审判员,staff,,\n", clock)  # 张三 leaves the roster
    assert await enrolment.wecom_accounts(db.uow(read_only=True), ["zs2"], now=NOW) == {}


async def test_wecom_accounts_swapped_or_moved_in_one_file_import_and_another_courts_is_refused(
    db: Database, court_id: int
) -> None:
    """One account is one person (the unique index), also while a file moves accounts: two people swap
    theirs, an account passes from someone leaving the roster to a newcomer — each confirmed anew; an account
    another court's person holds is refused with its line, and nothing is imported."""
    head = HEADER + ",wecom_userid\n"
    await load(
        db,
        court_id,
        head
        + "a1,张三,一庭,审判员,staff,,,zs\na2,李四,一庭,审判员,staff,,,ls\na3,王五,一庭,审判员,staff,,,ww\n",
    )
    clock = FixedClock(NOW)
    for userid in ("zs", "ls"):
        await enrolment.confirm_wecom(db.uow(), userid=userid, clock=clock)
    # a1 and a2 swap; a3 leaves and a4 takes over a3's account
    await load(
        db,
        court_id,
        head
        + "a1,张三,一庭,审判员,staff,,,ls\na2,李四,一庭,审判员,staff,,,zs\na4,赵六,一庭,审判员,staff,,,ww\n",
    )
    found = await enrolment.wecom_accounts(db.uow(read_only=True), ["zs", "ls", "ww"], now=NOW)
    assert {u: a.member.staff.staff_id for u, a in found.items()} == {"zs": "a2", "ls": "a1", "ww": "a4"}
    assert not any(a.confirmed for a in found.values())  # each holder confirms the entry anew
    other = await db.ensure_court("c2", "另一法院", "court")
    assert other.id is not None
    with pytest.raises(RosterRejected) as refused:
        await load(db, other.id, head + "b1,孙七,一庭,审判员,staff,,,zs\n")
    [error] = refused.value.roster.errors
    assert error.line == 2 and "其他法院" in texts_roster.error(error)
    async with db.uow(read_only=True) as uow:
        assert await uow.staff.list(other.id) == []  # nothing imported


async def test_the_rosters_names_are_read_by_primary_key_for_one_court_only(
    db: Database, court_id: int, roster_csv: str
) -> None:
    other = await db.ensure_court("c2", "第二法院", "court")
    assert other.id is not None and other.id != court_id
    await load(db, court_id, roster_csv)
    await load(db, other.id, roster_csv)  # the same people's names in another court
    async with db.uow(read_only=True) as uow:
        mine = await uow.staff.names(court_id)
        people = await uow.staff.list(court_id)
        theirs = await uow.staff.names(other.id)
    assert mine == {s.id: s.name for s in people} and len(mine) == len(people) > 5
    assert not set(mine) & set(theirs)
