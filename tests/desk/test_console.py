"""The desk console over HTTP: signed in through the bot with no password, sessions that end when they
should, and need-to-know on every route — the same policy as the chat, every view in the ledger (seed 003
§12: the platform serves each office by role and level; seed 004 §15: 全程留痕)."""

from __future__ import annotations

import io
import re
import wave
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import text

from liuhen.app.usecases import courts, desk, notices, signoff
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.access import SEVERE, UPWARD_PATH
from liuhen.domain.accountability import Measure
from liuhen.domain.desk import IDLE_TIMEOUT, LINK_TTL, MAX_AGE
from liuhen.domain.model import Court
from liuhen.domain.records import Record, RecordStatus
from liuhen.domain.roster import parse_roster
from liuhen.storage.migrate import downgrade, upgrade
from liuhen.texts import signoff as signoff_words
from liuhen.texts.profile import COURT
from tests.access_world import EXPECTED, NOW, TZ
from tests.conftest import DEMO_ROSTER
from tests.desk.console_world import World, console, photo, stored

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async with console(db_url, tmp_path) as w:
        yield w


async def ledger(world: World, action: str) -> list[tuple[str, str]]:
    async with world.runtime.db.uow(read_only=True) as uow:
        entries = await uow.ledger.entries()  # type: ignore[attr-defined]
    return [(e.actor, e.object_id) for e in entries if e.action == action]


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, html
    return found.group(1)


async def test_seed003_s12_a_link_from_the_chat_signs_in_once_within_two_minutes(world: World) -> None:
    officer = world.people["k001"]
    async with world.browser() as browser:
        assert (await browser.get("/", allow_redirects=False)).headers["Location"] == "/signin"
        token = await desk.issue_link(world.runtime.db.uow(), staff=officer, now=world.clock.now())
        # opening the link (or a preview fetcher) only shows the button: the link is still good
        for _ in range(2):
            assert "进入工作台" in await (await browser.get(f"/signin/{token}")).text()
        done = await browser.post(f"/signin/{token}", allow_redirects=False)
        assert done.status == 303 and done.headers["Location"] == "/"
        cookie = done.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie  # plain http
        assert token not in cookie
        home = await (await browser.get("/")).text()
        assert "我的待办" in home and officer.name in home
    async with world.browser() as other:  # a second use of the same link, from anywhere: refused
        again = await other.post(f"/signin/{token}", allow_redirects=False)
        assert again.status == 403 and "链接无效" in await again.text()
        late = await desk.issue_link(world.runtime.db.uow(), staff=officer, now=world.clock.now())
        world.clock.set(world.clock.now() + LINK_TTL + timedelta(seconds=1))
        assert (await other.post(f"/signin/{late}", allow_redirects=False)).status == 403
    assert await ledger(world, "desk.sign_in") == [("staff:k001", "k001")]
    assert len(await ledger(world, "desk.sign_in_refused")) == 2
    async with world.runtime.db.engine.connect() as conn:  # the database keeps hashes, never a token
        stored = (await conn.execute(text("SELECT token_hash FROM desk_links"))).scalars().all()
    assert token not in stored and late not in stored and len(stored) == 2


async def test_my_tasks_list_the_oldest_deadlines_and_say_when_more_wait(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The discipline office's tasks once every deadline has passed (逾期督办, seed 004 §13), with room for
    two: the two oldest are listed, and the page says more wait and links to the overdue records."""
    monkeypatch.setattr(desk, "DESK_PENDING_LIMIT", 2)
    world.clock.set(NOW + timedelta(days=30))
    async with world.browser() as browser:
        await world.signed_in(browser, "k001")
        home = await (await browser.get("/")).text()
    assert "待签批（2）" in home and "LH-2026-0001" in home and "LH-2026-0003" in home
    assert "LH-2026-0004" not in home
    assert "另有更多待签批记录未列出" in home and 'href="/records?overdue=1"' in home
    monkeypatch.setattr(desk, "DESK_PENDING_LIMIT", 0)  # none listed: still never "nothing waits"
    async with world.browser() as browser:
        await world.signed_in(browser, "k001")
        empty = await (await browser.get("/")).text()
    assert "另有更多待签批记录未列出" in empty and "目前没有待您签批的记录" not in empty


async def test_a_session_ends_when_idle_too_old_signed_out_everywhere_or_deactivated(world: World) -> None:
    async def home_status(browser: object) -> str:
        response = await browser.get("/", allow_redirects=False)  # type: ignore[attr-defined]
        return "in" if response.status == 200 else response.headers["Location"]

    start = world.clock.now()
    async with world.browser() as b:
        await world.signed_in(b, "k001")
        world.clock.set(start + IDLE_TIMEOUT - timedelta(minutes=1))
        assert await home_status(b) == "in"  # used: the idle time starts again
        world.clock.set(start + 2 * IDLE_TIMEOUT - timedelta(minutes=2))
        assert await home_status(b) == "in"
        world.clock.set(start + 3 * IDLE_TIMEOUT)
        assert await home_status(b) == "/signin"  # left idle
    start = world.clock.now()
    async with world.browser() as b:
        await world.signed_in(b, "k001")
        at = start
        while at < start + MAX_AGE - timedelta(minutes=20):
            at += timedelta(minutes=20)
            world.clock.set(at)
            assert await home_status(b) == "in"
        world.clock.set(start + MAX_AGE)
        assert await home_status(b) == "/signin"  # a working day at most, however busy
    async with world.browser() as b1, world.browser() as b2:
        await world.signed_in(b1, "k001")
        await world.signed_in(b2, "k001")
        assert (
            await desk.sign_out_everywhere(
                world.runtime.db.uow(), staff=world.people["k001"], now=world.clock.now()
            )
            == 2
        )
        assert await home_status(b1) == await home_status(b2) == "/signin"
    async with world.browser() as b:
        await world.signed_in(b, "h001")
        async with world.runtime.db.uow() as uow:
            head = await uow.staff.by_staff_id(world.people["h001"].court_id, "h001")
            assert head is not None
            head.active = False  # taken off the roster
            await uow.commit()
        assert await home_status(b) == "/signin"  # at once
        assert (await b.get("/records/LH-2026-0001", allow_redirects=False)).status == 303


async def test_forms_need_the_session_token_and_sign_ins_are_limited(world: World) -> None:
    async with world.browser() as b:
        await world.signed_in(b, "k001")
        forged = await b.post("/signout", data={"csrf": "0" * 64}, allow_redirects=False)
        assert forged.status == 403 and "表单已过期" in await forged.text()
        assert (await b.get("/", allow_redirects=False)).status == 200  # still signed in
        token = csrf_in(await (await b.get("/")).text())
        out = await b.post("/signout", data={"csrf": token}, allow_redirects=False)
        assert out.status == 303 and out.headers["Location"] == "/signin"
        assert (await b.get("/", allow_redirects=False)).status == 303
    assert await ledger(world, "desk.sign_out") == [("staff:k001", "k001")]
    async with world.browser() as b:
        codes = [(await b.post(f"/signin/guess{n}", allow_redirects=False)).status for n in range(11)]
    # ten attempts a minute from one address, the sign-in above included; then 请稍后再试
    assert codes == [403] * 9 + [429] * 2


async def test_seed003_s12_every_person_reads_over_http_exactly_what_they_need_to_know(world: World) -> None:
    """Every route that shows a record × every person × every record: 0 unauthorised reads; the list shows
    each person exactly their records; every read and every refusal is in the ledger."""
    routes = [
        "/records/{n}",
        "/records/{n}/evidence/1",
        "/records/{n}/evidence/1/preview",
        "/records/{n}/form.pdf",
    ]
    allowed = denied = 0
    for staff_id in world.people:
        async with world.browser() as b:
            await world.signed_in(b, staff_id)
            listed = set(
                re.findall(r'href="/records/(LH-\d{4}-\d{4})"', await (await b.get("/records")).text())
            )
            assert listed == {n for n, who in EXPECTED.items() if staff_id in who}, staff_id
            for number, who in EXPECTED.items():
                for route in routes:
                    response = await b.get(route.format(n=number), allow_redirects=False)
                    body = await response.read()
                    if staff_id in who:
                        assert response.status == 200, (staff_id, route, number, body[:200])
                        allowed += 1
                    else:
                        assert response.status == 403, f"unauthorised read: {staff_id} {route} {number}"
                        assert "无权查看".encode() in body and number.encode() not in body
                        denied += 1
    assert allowed == len(routes) * sum(len(w) for w in EXPECTED.values())
    reads = await ledger(world, "record.read")
    assert {(actor, n) for actor, n in reads} == {
        (f"staff:{p}", n) for n, who in EXPECTED.items() for p in who
    }
    assert len(reads) == allowed and len(await ledger(world, "record.read_denied")) == denied
    assert len(await ledger(world, "desk.list")) == len(world.people)


async def test_the_record_page_shows_the_form_the_evidence_and_serves_it_safely(world: World) -> None:
    async with world.browser() as b:
        await world.signed_in(b, "k001")
        page = await b.get("/records/LH-2026-0001")
        html = await page.text()
        assert "李书记" in html and "请关照" in html and "（2026）豫0825民初1号" in html
        async with world.runtime.db.uow(read_only=True) as uow:
            record = await uow.records.by_number(world.people["k001"].court_id, "LH-2026-0001")
            assert record is not None and record.id is not None
            item, _ = await uow.evidence.for_record(record.id)
        assert item.sha256 is not None and item.sha256 in html  # each item with its full hash
        # a record page is never cached, and runs no script but the app's own
        assert page.headers["Cache-Control"] == "no-store"
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert (
            page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["X-Frame-Options"] == "DENY"
        )
        assert not re.search(r'<script(?![^>]*src="/static/)', html) and "style=" not in html  # none inline
        # the original: byte-exact, as an attachment the browser does not render
        original = await b.get("/records/LH-2026-0001/evidence/1")
        assert await original.read() == await world.runtime.store.read(item.sha256)
        assert original.headers["Content-Disposition"].startswith("attachment;")
        assert original.headers["Content-Type"] == "application/octet-stream"
        # the preview: decoded in the decoding worker and drawn again, never the uploaded bytes
        preview = await b.get("/records/LH-2026-0001/evidence/1/preview")
        data = await preview.read()
        assert preview.headers["Content-Type"] == "image/jpeg" and data != await original.read()
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == (40, 30)
        # the voice note: playable in the browser, decoded in the worker and written again as WAV
        assert 'src="/records/LH-2026-0001/evidence/2/listen"' in html and "<audio controls" in html
        listen = await b.get("/records/LH-2026-0001/evidence/2/listen")
        assert listen.headers["Content-Type"] == "audio/wav"
        with wave.open(io.BytesIO(await listen.read())) as played:
            assert played.getnchannels() == 1 and 0.9 < played.getnframes() / played.getframerate() < 1.2
        not_audio = await b.get("/records/LH-2026-0001/evidence/1/listen")
        assert not_audio.status == 415 and "下载原件" in await not_audio.text()
        missing = await b.get("/records/LH-2026-0001/evidence/9")
        assert missing.status == 404 and "没有这份证据" in await missing.text()


async def test_behind_a_tls_proxy_the_cookie_is_secure(db_url: str, tmp_path: Path) -> None:
    async with console(db_url, tmp_path, trust_proxy=True) as w, w.browser() as b:
        token = await desk.issue_link(w.runtime.db.uow(), staff=w.people["k001"], now=w.clock.now())
        done = await b.post(
            f"/signin/{token}",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "desk.example"},
            allow_redirects=False,
        )
        assert done.status == 303 and "Secure" in done.headers["Set-Cookie"]
        assert done.headers["Strict-Transport-Security"].startswith("max-age=")

        # sign-in attempts are counted per client as the proxy saw it, not for the proxy as a whole
        async def attempt(client: str) -> int:
            response = await b.post(
                "/signin/guess", headers={"X-Forwarded-For": client}, allow_redirects=False
            )
            return response.status

        assert [await attempt("203.0.113.7") for _ in range(11)][-1] == 429
        assert await attempt("203.0.113.8") == 403  # another person behind the same proxy still may
        assert await attempt("198.51.100.1, 203.0.113.7") == 429  # a forged first entry changes nothing


async def test_seed003_s13_the_summaries_open_to_their_readers_only(world: World) -> None:
    """月报告 (seed 003 §13): department heads their department, the summary readers the court; 季度汇总
    (seed 002 §7) with its charts and the same files as the chat; the audit log for the discipline office
    only (seed 004 §15). Everyone else gets the same refusal, and the refusal is logged."""
    async with world.browser() as judge:
        await world.signed_in(judge, "j001")
        home = await (await judge.get("/")).text()
        assert 'href="/monthly"' not in home and 'href="/audit"' not in home  # not offered
        await (await judge.get("/records/LH-2026-0001")).read()  # a read the office will see
        for path in ("/monthly", "/quarterly?q=2026Q4", "/quarterly/2026Q4.pdf", "/audit"):
            refused = await judge.get(path)
            assert refused.status == 403 and "无权查看" in await refused.text(), path
    async with world.browser() as head:
        await world.signed_in(head, "h001")
        page = await (await head.get("/monthly?month=2026-11")).text()
        assert "2026年11月月报告执行情况" in page and "合计" in page
        departments = re.findall(r'<tr><th scope="row">([^<]+)</th>', page)
        assert departments == ["民事审判第一庭", "合计"]  # his own department only
        assert (await head.get("/quarterly?q=2026Q4")).status == 403
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        home = await (await office.get("/")).text()
        assert all(f'href="/{p}"' in home for p in ("monthly", "quarterly", "audit"))
        court = await (await office.get("/monthly?month=2026-11")).text()
        assert len(re.findall(r'<tr><th scope="row">', court)) > 2  # every department
        dash = await (await office.get("/quarterly?q=2026Q4")).text()
        assert "本季度共记录 <strong>3</strong> 件" in dash and "<svg" in dash
        pdf = await office.get("/quarterly/2026Q4.pdf")
        assert (await pdf.read()).startswith(b"%PDF") and pdf.headers["Content-Disposition"].startswith(
            "attachment"
        )
        xlsx = await office.get("/quarterly/2026Q4.xlsx")
        assert (await xlsx.read()).startswith(b"PK")
        bad = await office.get("/quarterly?q=2026Q9")
        assert bad.status == 400 and "季度" in await bad.text()
        audit = await (await office.get("/audit")).text()
        judge_name = world.people["j001"].name
        assert re.search(
            rf"<td>{judge_name}</td><td>查看记录</td>\s*<td><a href=\"/records/LH-2026-0001\">", audit
        )
        assert "查看汇总（被拒绝）" in audit  # the judge's refusals are there too
    assert ("staff:k001", "audit") in await ledger(world, "desk.audit")


async def listed(browser: aiohttp.ClientSession, **query: str) -> list[str]:
    html = await (await browser.get("/records", params=query)).text()
    return re.findall(r'<td><a href="/records/(LH-\d{4}-\d{4})"', html)


async def test_the_list_finds_records_by_text_and_filters_and_only_what_the_reader_may_see(
    world: World,
) -> None:
    async with world.runtime.db.uow() as uow:  # 情节严重 on one record, as [标记情节严重] leaves it
        record = await uow.records.by_number(world.people["k001"].court_id, "LH-2026-0003")
        assert record is not None
        record.answers = {**record.answers, SEVERE: {"by": "j002", "at": NOW.isoformat()}}
        await uow.records.refresh_facts(record)
        # 类型 (seed 003 §11)
        for number, kind in (("LH-2026-0003", "internal"), ("LH-2026-0004", "external")):
            typed = await uow.records.by_number(world.people["k001"].court_id, number)
            assert typed is not None
            typed.answers = {**typed.answers, "record_type": kind}
            await uow.records.refresh_facts(typed)
        await uow.commit()
        departments = {d.name: d.id for d in await uow.departments.list(world.people["k001"].court_id)}
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        assert await listed(office) == ["LH-2026-0004", "LH-2026-0003", "LH-2026-0001"]  # newest first
        assert await listed(office, q="王律师") == ["LH-2026-0003"]
        assert await listed(office, q="豫0825民初1号") == ["LH-2026-0004", "LH-2026-0003", "LH-2026-0001"]
        assert await listed(office, q="0004") == ["LH-2026-0004"]
        assert await listed(office, q="%") == []  # a wildcard is a character, not "everything"
        assert await listed(office, department=str(departments["刑事审判庭"])) == ["LH-2026-0003"]
        assert await listed(office, severe="1") == ["LH-2026-0003"]
        assert (
            len(await listed(office, quarter="2026Q4")) == 3 and await listed(office, quarter="2026Q3") == []
        )
        assert await listed(office, type="internal") == ["LH-2026-0003"]
        assert await listed(office, type="external", quarter="2026Q4") == ["LH-2026-0004"]
        assert await listed(office, type="external", quarter="2026Q3") == []
        assert await listed(office, type="internal", severe="1", quarter="2026Q4") == ["LH-2026-0003"]
        assert await listed(office, status="draft") == []  # another's draft: never
        assert await listed(office, overdue="1") == []
        world.clock.set(NOW + timedelta(days=30))  # every level's three working days have passed
        await world.signed_in(office, "k001")
        assert len(await listed(office, overdue="1")) == 3
        page = await (await office.get("/records", params={"type": "nonsense", "department": "x"})).text()
        assert page.count('<td><a href="/records/') == 0 and "没有符合条件的记录" in page  # no error either
    async with world.browser() as judge:
        await world.signed_in(judge, "j001")
        assert await listed(judge) == ["LH-2026-0004", "LH-2026-0002", "LH-2026-0001"]  # his own, drafts too
        assert await listed(judge, q="王律师") == []  # another's record is not found by its name either


async def test_the_search_index_of_existing_records_is_built_by_the_migration(
    db_url: str, tmp_path: Path
) -> None:
    """A deployment upgraded to the console: the chains' readers and the searchable facts of the records
    already there are filled in by the migration, exactly as the sign-off would have written them."""
    async with console(db_url, tmp_path) as w:
        async with w.runtime.db.engine.connect() as conn:
            before_readers = set(
                (await conn.execute(text("SELECT staff_pk, record_id FROM record_readers"))).all()
            )
            before_facts = set(
                (
                    await conn.execute(
                        text("SELECT record_id, case_number, intervener_name FROM record_facts")
                    )
                ).all()
            )
        assert before_readers and all(n for _, n, _ in before_facts)
        await downgrade(w.runtime.db.engine, "0018")
        await upgrade(w.runtime.db.engine)
        async with w.runtime.db.engine.connect() as conn:
            assert (
                set((await conn.execute(text("SELECT staff_pk, record_id FROM record_readers"))).all())
                == before_readers
            )
            after = set(
                (
                    await conn.execute(
                        text("SELECT record_id, case_number, intervener_name FROM record_facts")
                    )
                ).all()
            )
        assert after == before_facts


async def test_seed003_s12_no_route_serves_anyone_without_a_session(world: World) -> None:
    """Every route the console has, walked without signing in: the open ones (sign-in, static files,
    health) answer; every other GET goes to the sign-in page and every other POST is refused — nothing of
    a record, a summary or the log is served to a stranger."""
    open_paths = ("/signin", "/static/", "/healthz", "/favicon.ico")
    walked = 0
    async with world.browser() as stranger:
        for route in world.server.app.router.routes():
            info = route.resource.get_info() if route.resource is not None else {}
            values = {
                "number": "LH-2026-0001",
                "seq": "1",
                "token": "x" * 43,
                "key": "2026Q4",
                "fmt": "pdf",
                "task": "1",
                "pk": "1",
            }
            path = info.get("path") or info.get("formatter", "").format(**values)
            if info.get("prefix"):
                path = info["prefix"] + "/desk.css"
            if not path or route.method not in ("GET", "POST"):
                continue
            response = await stranger.request(route.method, path, allow_redirects=False)
            body = await response.read()
            walked += 1
            if path.startswith(open_paths):
                assert response.status in (200, 301, 403, 404, 405), (route.method, path, response.status)
                assert b"LH-2026-0001" not in body
            elif route.method == "GET":
                assert response.status == 303 and response.headers["Location"] == "/signin", path
            else:
                assert response.status == 403 and "未登录" in body.decode(), path
    assert walked >= 15


async def test_seed001_the_office_above_finds_what_a_court_below_reported_upward(world: World) -> None:
    """A county court's record marked 情节严重 goes to the intermediate court's discipline office too (seed
    001 §7, 实施办法 §6: 立即报告并层报): at the desk it is in that office's list, marked with the court it
    came from, and opens there with its evidence; the county's other records stay the county's."""
    clock = world.clock
    await courts.add_court(
        world.runtime.db.uow(),
        code="county",
        name="某县人民法院",
        parent_code="t",
        deadline_profile="court",
        clock=clock,
        actor="t",
    )
    async with world.runtime.db.uow(read_only=True) as uow:
        county = await uow.courts.by_code("county")
    assert county is not None and county.id is not None
    roster = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
    await import_roster(world.runtime.db.uow(), court_id=county.id, roster=roster, clock=clock, actor="t")
    async with world.runtime.db.uow() as uow:
        judge = await uow.staff.by_staff_id(county.id, "j001")
        assert judge is not None and judge.id is not None
        numbers = []
        for n, severe in enumerate((True, False), start=1):
            record = Record(
                court_id=county.id,
                number=f"LH-2026-000{n}",  # the same numbers as the court above's: numbered per court
                recorder_id=judge.id,
                status=RecordStatus.DRAFT,
                created_at=NOW,
                updated_at=NOW,
                last_evidence_at=NOW,
                answers={"intervener_name": f"县里过问人{n}", "content": "请关照"},
            )
            await uow.records.add(record)
            await uow.flush()
            record.submitted_at = NOW
            await signoff.submit(uow, record, judge, NOW, signoff.Config(TZ), first=True)
            if severe:
                record.answers = {**record.answers, SEVERE: {"by": "j001", "at": NOW.isoformat()}}
                await uow.records.refresh_facts(record)
            assert record.id is not None
            await uow.evidence.add(
                await stored(world.runtime.store, record.id, 1, "photo", photo(n), "image/jpeg", 70_000 + n)
            )
            numbers.append(record.number)
        await uow.commit()
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        html = await (await office.get("/records", params={"q": "县里过问人"})).text()
        assert re.findall(r'<td><a href="(/records/[^"]+)"', html) == ["/records/LH-2026-0001?court=county"]
        assert "某县人民法院报送" in html
        only = await (await office.get("/records", params={"court": "county"})).text()
        assert only.count('<td><a href="/records/') == 1
        page = await (await office.get("/records/LH-2026-0001", params={"court": "county"})).text()
        assert "县里过问人1" in page and "下级法院报送" in page
        assert 'src="/records/LH-2026-0001/evidence/1/preview?court=county"' in page
        assert (
            await office.get("/records/LH-2026-0001/evidence/1", params={"court": "county"})
        ).status == 200
        own = await (await office.get("/records/LH-2026-0001")).text()
        assert "李书记" in own  # the court's own record of that number, unchanged
        # the county's record that was not reported upward: refused like one that does not exist
        other = await office.get("/records/LH-2026-0002", params={"court": "county"})
        assert other.status == 403
    async with world.browser() as head:  # a department head of the court above: none of the county's
        await world.signed_in(head, "h001")
        assert await listed(head, q="县里过问人") == []


async def test_seed004_s25_s22_the_office_reads_its_measures_and_notices_at_the_desk(world: World) -> None:
    """责任追究 (seed 004 §25–§28) and 通报 (seed 004 §22–§24) at the desk: this year's measures with their
    warnings, the notices issued with their 文号 and distribution — the discipline office's page only."""
    k001 = world.people["k001"]
    async with world.runtime.db.uow() as uow:
        for _ in range(2):  # twice for one person: the rules' warning (seed 004 §27)
            await uow.accountability.add(
                Measure(
                    k001.court_id,
                    "not_recorded",
                    "criticism",
                    "钱法官",
                    NOW,
                    "k001",
                    record_number="LH-2026-0003",
                )
            )
        await uow.commit()
    issued = await notices.issue(
        world.runtime.db.uow(),
        issuer=k001,
        subject="2026Q4",
        ticked=["internal"],
        other_organ=None,
        now=NOW,
        tz=TZ,
    )
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        assert 'href="/office"' in await (await office.get("/")).text()
        page = await (await office.get("/office")).text()
        assert page.count("钱法官：故意不记录 → 批评教育（LH-2026-0003）") == 2
        assert f"纪通〔2026〕{issued.notice.seq}号" in page and "2026年第四季度违规情况通报" in page
        assert "本院内部（院领导、各部门负责人）" in page
    async with world.browser() as judge:
        await world.signed_in(judge, "j001")
        refused = await judge.get("/office")
        assert refused.status == 403 and "仅供纪检监察机构" in await refused.text()
    assert ("staff:j001", "accountability") in await ledger(world, "summary.read_denied")


async def test_a_page_of_another_site_cannot_post_to_the_console(world: World) -> None:
    """Not a sign-out with a stolen form token, not a sign-in with a link it holds (login CSRF)."""
    # a page of another site cannot post: not a sign-out, not even a sign-in with a link it holds
    async with world.browser() as victim:
        await world.signed_in(victim, "k001")
        token = csrf_in(await (await victim.get("/")).text())
        evil = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
        forged = await victim.post("/signout", data={"csrf": token}, headers=evil, allow_redirects=False)
        assert forged.status == 403 and (await victim.get("/", allow_redirects=False)).status == 200
        link = await desk.issue_link(
            world.runtime.db.uow(), staff=world.people["j001"], now=world.clock.now()
        )
        planted = await victim.post(f"/signin/{link}", headers=evil, allow_redirects=False)
        assert planted.status == 403 and world.people["k001"].name in await (await victim.get("/")).text()


async def test_seed004_s27_the_office_registers_a_measure_at_the_desk(world: World) -> None:
    """责任追究 at the desk (seed 004 §25–§29), the same use case as the chat's steps: a measure against own
    staff needs someone on the roster; the second for one person carries the rules' warning (§27); the chat
    is left with nothing waiting; the office only."""
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        csrf = csrf_in(await (await office.get("/office")).text())

        async def register(**form: str) -> str:
            response = await office.post("/office/measures", data={"csrf": csrf, **form})
            return await response.text()

        page = await register(ground="not_recorded", person="无此人", measure="criticism", note="")
        assert "名册中没有这个姓名或工号，未登记" in page and "无此人" not in page.split("责任追究（")[1]
        for _ in range(2):
            page = await register(
                ground="not_recorded", person="j002", measure="criticism", note="LH-2026-0003 未如实记录"
            )
        assert "已登记追究措施" in page
        assert page.count("故意不记录 → 批评教育（LH-2026-0003）") == 2
        assert "该人员已两次以上故意不记录或不如实记录" in page  # the warning of seed 004 §27
        assert "请选择事由和措施" in await register(ground="nonsense", person="j002", measure="criticism")
    async with world.runtime.db.uow(read_only=True) as uow:
        conversation = await uow.conversations.get(world.people["k001"].id or 0)
    assert conversation.pending_field is None  # the chat's next message is not taken for a note
    assert len(await ledger(world, "accountability.record")) == 2
    async with world.browser() as judge:
        await world.signed_in(judge, "j001")
        csrf = csrf_in(await (await judge.get("/")).text())
        refused = await judge.post(
            "/office/measures",
            data={"csrf": csrf, "ground": "intervened", "person": "x", "measure": "criticism"},
        )
        assert refused.status == 403
    assert len(await ledger(world, "accountability.record")) == 2


# Who opens which summary page, written out from the rules (not computed by the policy under test): the
# monthly compliance for department heads (their department), the administrator and the summary readers
# (seed 003 §13); the quarter for the discipline office, the president and trial management (seed 002 §7,
# §8); the audit log and the office's register for the discipline office alone (seed 004 §15, §25).
SUMMARY_READERS = {
    "/monthly?month=2026-11": {"h001", "h002", "a001", "k001", "p001", "m001"},
    "/quarterly?q=2026Q4": {"k001", "p001", "m001"},
    "/quarterly/2026Q4.xlsx": {"k001", "p001", "m001"},
    "/audit": {"k001"},
    "/office": {"k001"},
}


async def test_seed003_s12_every_person_opens_exactly_the_summaries_the_rules_give_them(world: World) -> None:
    """Every summary route × every person of the court: the page for those the rules name, the same refusal
    for everyone else — and the refusal in the ledger."""
    refused = 0
    for staff_id in world.people:
        async with world.browser() as b:
            await world.signed_in(b, staff_id)
            home = await (await b.get("/")).text()
            for path, readers in SUMMARY_READERS.items():
                response = await b.get(path)
                if staff_id in readers:
                    assert response.status == 200, (staff_id, path)
                else:
                    assert response.status == 403 and "无权查看" in await response.text(), (staff_id, path)
                    refused += 1
                page = path.split("?")[0]
                if page in ("/monthly", "/audit", "/office"):  # offered in the menu exactly when it opens
                    assert (f'href="{page}"' in home) == (staff_id in readers), (staff_id, page)
    assert refused == sum(len(world.people) - len(r) for r in SUMMARY_READERS.values())
    assert len(await ledger(world, "summary.read_denied")) == refused


async def test_seed004_s22_the_office_issues_a_notice_at_the_desk(world: World) -> None:
    """通报 issued at the desk (seed 004 §22–§24), the same use case as the chat's card: a distribution is
    required; the PDF is made once and kept, downloadable by the office; each recipient a chat door reaches
    gets it through the outbox; a judge cannot issue one."""
    k001, president = world.people["k001"], world.people["p001"]
    async with world.runtime.db.uow() as uow:
        await uow.accountability.add(
            Measure(
                k001.court_id,
                "not_recorded",
                "criticism",
                "钱法官",
                NOW,
                "k001",
                record_number="LH-2026-0003",
            )
        )
        chief = await uow.staff.get(president.id or 0)
        assert chief is not None
        chief.telegram_user_id = chief.telegram_chat_id = 7_000_005  # the president, enrolled on the chat
        await uow.commit()
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        csrf = csrf_in(await (await office.get("/office")).text())
        none = await office.post("/office/notices", data={"csrf": csrf, "subject": "2026Q4"})
        assert "请至少选择一个发送范围" in await none.text()
        done = await office.post(
            "/office/notices", data={"csrf": csrf, "subject": "2026Q4", "to": "internal"}
        )
        page = await done.text()
        assert "通报已发布" in page and "纪通〔2026〕1号" in page
        link = re.search(r'href="(/office/notices/\d+\.pdf)"', page)
        assert link is not None
        pdf = await office.get(link.group(1))
        assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
    async with world.runtime.db.uow(read_only=True) as uow:
        [notice] = await uow.notices_issued.in_court(k001.court_id)
        keys = [k for k, chat in await uow.notices.unsent("so:notice:") if chat == 7_000_005]
    assert notice.pdf_sha256 is not None and len(keys) == 1  # the president's copy, in the outbox
    delivery = await signoff.prepare(world.runtime.db.uow(), keys[0], NOW, signoff.Config(TZ, "court"))
    assert delivery is not None and delivery.payload["sha256"] == notice.pdf_sha256
    assert "请阅并按要求传达" in signoff_words.delivery(delivery, TZ, COURT)
    assert ("staff:k001", "notice") not in await ledger(world, "summary.read_denied")
    async with world.browser() as judge:
        await world.signed_in(judge, "j001")
        csrf = csrf_in(await (await judge.get("/")).text())
        refused = await judge.post(
            "/office/notices", data={"csrf": csrf, "subject": "2026Q4", "to": "internal"}
        )
        assert refused.status == 403
        assert (await judge.get(link.group(1))).status == 403


async def test_seed003_s13_remind_now_from_the_compliance_table(world: World) -> None:
    """[立即提醒未答复人员] on the compliance table: the office's press is answered with how many are asked
    again (nobody here: nobody was asked this month yet), in the ledger; a judge may not press it."""
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        page = await (await office.get("/monthly?month=2026-11")).text()
        assert "立即提醒未答复人员" in page
        done = await office.post("/monthly/remind", data={"csrf": csrf_in(page), "month": "2026-11"})
        assert done.status == 200 and "没有需要再次提醒的人员" in await done.text()
        bad = await office.post("/monthly/remind", data={"csrf": csrf_in(page), "month": "2026-13"})
        assert bad.status == 400
    assert len(await ledger(world, "monthly.nudge")) == 1
    async with world.browser() as judge:
        await world.signed_in(judge, "j001")
        csrf = csrf_in(await (await judge.get("/")).text())
        refused = await judge.post("/monthly/remind", data={"csrf": csrf, "month": "2026-11"})
        assert refused.status == 403
    assert len(await ledger(world, "monthly.nudge")) == 1


async def test_seed001_s7_a_report_forwarded_on_two_levels_up_is_in_the_top_offices_list(
    world: World,
) -> None:
    """层报 (seed 001 §7: 立即报告并层报): a record of a court two levels below, reported to the court
    directly above it and forwarded on from there, is in the list of the office it was forwarded to, and
    opens there; the court in between's own list is unchanged for this office."""
    added = await courts_below(world, ("mid", "某中级人民法院", "t"), ("low", "某基层人民法院", "mid"))
    low, mid = added["low"], added["mid"]
    async with world.runtime.db.uow(read_only=True) as uow:
        top = await uow.courts.by_code("t")
    assert top is not None and low.id and mid.id and top.id
    async with world.runtime.db.uow() as uow:
        judge = await uow.staff.by_staff_id(low.id, "j001")
        assert judge is not None and judge.id is not None
        record = Record(
            court_id=low.id,
            number="LH-2026-0001",
            recorder_id=judge.id,
            status=RecordStatus.DRAFT,
            created_at=NOW,
            updated_at=NOW,
            last_evidence_at=NOW,
            answers={"intervener_name": "基层过问人", "content": "请关照"},
        )
        await uow.records.add(record)
        await uow.flush()
        record.submitted_at = NOW
        await signoff.submit(uow, record, judge, NOW, signoff.Config(TZ), first=True)
        # severe: reported to the court above (mid), whose office acknowledged it and forwarded it on (top)
        path = [{"court": mid.id, "by": "k001", "name": "赵主任", "at": NOW.isoformat(), "to": top.id}]
        record.answers = {**record.answers, SEVERE: {"by": "j001", "at": NOW.isoformat()}, UPWARD_PATH: path}
        await uow.records.refresh_facts(record)
        await uow.records.refresh_readers(record)
        await uow.commit()
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        html = await (await office.get("/records", params={"q": "基层过问人"})).text()
        assert re.findall(r'<td><a href="(/records/[^"]+)"', html) == ["/records/LH-2026-0001?court=low"]
        page = await office.get("/records/LH-2026-0001", params={"court": "low"})
        assert page.status == 200 and "基层过问人" in await page.text()
    async with world.browser() as head:
        await world.signed_in(head, "h001")
        html = await (await head.get("/records", params={"q": "基层过问人"})).text()
        assert "LH-2026-0001?court=low" not in html  # the office only, and only where it was forwarded
    # a deployment upgraded with such a record already forwarded: the migration finds it the office's way
    async with world.runtime.db.engine.begin() as conn:
        await conn.execute(text("DELETE FROM record_readers"))
    await downgrade(world.runtime.db.engine, "0021")
    await upgrade(world.runtime.db.engine)
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        html = await (await office.get("/records", params={"q": "基层过问人"})).text()
        assert re.findall(r'<td><a href="(/records/[^"]+)"', html) == ["/records/LH-2026-0001?court=low"]


async def courts_below(world: World, *added: tuple[str, str, str]) -> dict[str, Court]:
    """Courts added below the world's court (code, name, the code of the court above), each with the demo
    roster."""
    roster = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
    found: dict[str, Court] = {}
    for code, name, parent in added:
        await courts.add_court(
            world.runtime.db.uow(),
            code=code,
            name=name,
            parent_code=parent,
            deadline_profile="court",
            clock=world.clock,
            actor="t",
        )
        async with world.runtime.db.uow(read_only=True) as uow:
            court = await uow.courts.by_code(code)
        assert court is not None and court.id is not None
        await import_roster(
            world.runtime.db.uow(), court_id=court.id, roster=roster, clock=world.clock, actor="t"
        )
        found[code] = court
    return found


async def recorded_below(
    world: World, court: Court, number: str, intervener: str, *, severe: bool, on_to: Court | None = None
) -> None:
    """A record of a court below, submitted by its judge; 情节严重 (reported to the court above it, seed 001
    §7) when ``severe``; and forwarded on from there to ``on_to`` (层报), as the office's [已收到，报送上一级]
    leaves it."""
    assert court.id is not None
    async with world.runtime.db.uow() as uow:
        judge = await uow.staff.by_staff_id(court.id, "j001")
        above = await uow.courts.get(court.parent_id) if court.parent_id else None
        assert judge is not None and judge.id is not None and above is not None
        record = Record(
            court_id=court.id,
            number=number,
            recorder_id=judge.id,
            status=RecordStatus.DRAFT,
            created_at=NOW,
            updated_at=NOW,
            last_evidence_at=NOW,
            answers={"intervener_name": intervener, "content": "请关照"},
        )
        await uow.records.add(record)
        await uow.flush()
        record.submitted_at = NOW
        await signoff.submit(uow, record, judge, NOW, signoff.Config(TZ), first=True)
        if severe:
            record.answers = {**record.answers, SEVERE: {"by": "j001", "at": NOW.isoformat()}}
        if on_to is not None:
            step = {
                "court": above.id,
                "court_name": above.name,
                "by": "k001",
                "name": "赵主任",
                "at": NOW.isoformat(),
                "to": on_to.id,
            }
            record.answers = {**record.answers, UPWARD_PATH: [step]}
        await uow.records.refresh_facts(record)
        await uow.records.refresh_readers(record)
        await uow.commit()


def court_choices(html: str) -> list[tuple[str, str]]:
    """The list's court filter as offered: (code, name), 全部 left out; none when the filter is not shown."""
    found = re.search(r'<select name="court">(.*?)</select>', html, re.S)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1)) if found else []
    return [(code, name) for code, name in options if code]


async def test_seed001_s7_the_court_filter_offers_the_courts_further_down_whose_reports_came_up(
    world: World,
) -> None:
    """层报 (seed 001 §7: 立即报告并层报; 实施办法 §6): the top office's court filter offers its own court,
    the courts directly below, and a court two levels below whose report was forwarded on to it — by their
    names, own court first, each court followed by those below it — and choosing that court lists exactly
    what the office may read of it. A court two levels below whose reports stopped at the court in between
    is not offered, nor one whose only report forwarded up names this office's own director as the
    intervener (need-to-know: seed 003 §12)."""
    below = await courts_below(
        world,
        ("mid", "某中级人民法院", "t"),
        ("low", "某基层人民法院", "mid"),
        ("side", "另一基层人民法院", "mid"),
        ("near", "又一基层人民法院", "mid"),
        ("east", "东区中级人民法院", "t"),
    )
    async with world.runtime.db.uow(read_only=True) as uow:
        own = await uow.courts.by_code("t")
    assert own is not None
    await recorded_below(world, below["low"], "LH-2026-0001", "基层过问人", severe=True, on_to=own)
    await recorded_below(world, below["low"], "LH-2026-0002", "基层过问人乙", severe=True)  # stopped at mid
    await recorded_below(world, below["low"], "LH-2026-0003", "基层过问人丙", severe=False)
    await recorded_below(world, below["side"], "LH-2026-0001", "旁院过问人", severe=True)  # stopped at mid
    director = world.people["k001"].name  # the top office's own director, named as the intervener
    await recorded_below(world, below["near"], "LH-2026-0001", director, severe=True, on_to=own)
    async with world.browser() as office:
        await world.signed_in(office, "k001")
        html = await (await office.get("/records")).text()
        assert re.findall(r'<td><a href="(/records/[^"]+)"', html) == [
            "/records/LH-2026-0001?court=low",  # the newest: forwarded on from two levels below
            "/records/LH-2026-0004",
            "/records/LH-2026-0003",
            "/records/LH-2026-0001",
        ]
        assert court_choices(html) == [
            ("t", "测试法院"),
            ("mid", "某中级人民法院"),
            ("low", "某基层人民法院"),
            ("east", "东区中级人民法院"),  # added later, directly below: after the courts below the first
        ]
        chosen = await (await office.get("/records", params={"court": "low"})).text()
        assert re.findall(r'<td><a href="(/records/[^"]+)"', chosen) == ["/records/LH-2026-0001?court=low"]
        assert "某基层人民法院报送" in chosen and ("low", "某基层人民法院") in court_choices(chosen)
        assert 'value="low" selected' in chosen
        for hidden in ("side", "near"):  # not offered, and nothing of theirs listed when asked for anyway
            assert await listed(office, court=hidden) == []
        assert await listed(office, court="mid") == []  # the court in between reported nothing itself
        assert len(await listed(office, court="t")) == 3  # the court's own records, unchanged
    async with world.browser() as head:  # not the office: only the own court, so no court filter at all
        await world.signed_in(head, "h001")
        assert court_choices(await (await head.get("/records")).text()) == []
