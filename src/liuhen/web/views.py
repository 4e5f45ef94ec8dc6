"""The desk console's pages: each asks a use case and renders what it returns (seed 003 §12: each office
sees by its role; every view is in the ledger through the same policy as the chat)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp_jinja2
from aiohttp import web

from liuhen.app.settings import policy_of
from liuhen.app.usecases import accountability, casefile, desk, followup, monthly, notices, signoff
from liuhen.app.usecases.access import AccessDenied
from liuhen.app.usecases.accountability import Outcome as AccountabilityOutcome
from liuhen.app.usecases.followup import Outcome as FollowOutcome
from liuhen.domain import catalogue as cat
from liuhen.domain.access import may_read_summary
from liuhen.domain.desk import csrf_of
from liuhen.domain.followup import Finding, Step
from liuhen.domain.followup import Kind as FollowKind
from liuhen.domain.model import Role, Staff
from liuhen.domain.monthly import Month
from liuhen.domain.monthly import Status as MonthlyStatus
from liuhen.domain.notices import Kind as NoticeKind
from liuhen.domain.notices import Problem as NoticeProblem
from liuhen.domain.notices import Refused
from liuhen.domain.notices import To as NoticeTo
from liuhen.domain.periods import BadPeriod, Quarter, last_completed
from liuhen.domain.records import EvidenceKind, EvidenceState, RecordStatus
from liuhen.evidence import worker
from liuhen.reports import followup as documents
from liuhen.reports import notices as notice_documents
from liuhen.reports import quarterly
from liuhen.reports.registration import origin_text, registration_pdf
from liuhen.texts import accountability as accountability_texts
from liuhen.texts import desk as texts
from liuhen.texts import followup as followup_texts
from liuhen.texts import labels
from liuhen.texts import notices as notice_texts
from liuhen.texts import signoff as signoff_texts
from liuhen.texts.profile import voice
from liuhen.web.security import clear_cookie, set_cookie
from liuhen.web.state import STAFF, STATE, TOKEN, Desk

routes = web.RouteTableDef()


def _state(request: web.Request) -> Desk:
    return request.app[STATE]


def _me(request: web.Request) -> Staff:
    staff = request[STAFF]
    assert isinstance(staff, Staff)
    return staff


def _today(request: web.Request) -> Any:
    rt = _state(request).runtime
    return rt.clock.now().astimezone(rt.settings.tz).date()


def _page(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    rt = _state(request).runtime
    me = request.get(STAFF)
    base = {
        "me": me,
        "role": labels.role(me.role, voice(rt.settings.deadline_profile)) if isinstance(me, Staff) else "",
        "court": rt.court_name,
        "csrf": csrf_of(request[TOKEN]) if request.get(TOKEN) else "",
        "tz": rt.settings.tz,
        "path": request.path,
        "nav": _nav(me) if isinstance(me, Staff) else {},
        "now": rt.clock.now(),
    }
    return aiohttp_jinja2.render_template(template, request, base | context, status=status)


async def _court(request: web.Request) -> int:
    """The court a record address names (``?court=CODE``: a court below whose record was reported upward);
    the reader's own court otherwise. Whether the reader may read the record is decided by the policy."""
    me = _me(request)
    code = request.query.get("court", "")
    if not code:
        return me.court_id
    async with _state(request).runtime.db.uow(read_only=True) as uow:
        court = await uow.courts.by_code(code)
    return court.id if court is not None and court.id is not None else -1


def _nav(me: Staff) -> dict[str, bool]:
    """The pages this person's role opens (the use cases decide again on each request)."""
    return {
        "monthly": monthly.may_view(me),
        "quarterly": may_read_summary(me),
        "audit": me.role == Role.DISCIPLINE.value,
        "office": me.role == Role.DISCIPLINE.value,
    }


def _say(request: web.Request, message: tuple[str, str], status: int) -> web.Response:
    """A page that only says something (a title and a sentence): a refusal, a problem, what to do next."""
    title, text = message
    return _page(request, "message.html", {"title": title, "text": text}, status)


def _denied(request: web.Request) -> web.Response:
    """The same answer whether the record exists or not (seed 003 §12)."""
    return _say(request, texts.DENIED, 403)


# ---------------------------------------------------------------------------------------------- sign-in


@routes.get("/signin")
async def signin_help(request: web.Request) -> web.Response:
    return _page(request, "signin.html", {"token": None})


@routes.get("/signin/{token}")
async def signin_link(request: web.Request) -> web.Response:
    """The link from the chat shows a button; only pressing it signs in (a preview fetcher uses nothing)."""
    return _page(request, "signin.html", {"token": request.match_info["token"]})


@routes.post("/signin/{token}")
async def signin_use(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    client = request.remote or "?"
    if not state.limit.allow(client):
        return _say(request, texts.TOO_MANY, 429)
    try:
        signed = await desk.sign_in(
            state.runtime.db.uow(),
            token=request.match_info["token"],
            now=state.runtime.clock.now(),
            client=client,
        )
    except desk.SignInRefused:
        return _say(request, texts.BAD_LINK, 403)
    response = web.Response(status=303, headers={"Location": "/"})
    set_cookie(request, response, signed.token)
    return response


@routes.post("/signout")
async def signout(request: web.Request) -> web.StreamResponse:
    state = _state(request)
    await desk.sign_out(
        state.runtime.db.uow(), token=request[TOKEN], staff=_me(request), now=state.runtime.clock.now()
    )
    response = web.Response(status=303, headers={"Location": "/signin"})
    clear_cookie(response)
    return response


@routes.get("/favicon.ico")
async def favicon(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently("/static/favicon.svg")


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


# ---------------------------------------------------------------------------------------------- pages


@routes.get("/")
async def my_tasks(request: web.Request) -> web.Response:
    rt = _state(request).runtime
    found = await desk.tasks(rt.db.uow(), reader=_me(request), clock=rt.clock, config=rt.signoff_config())
    return _page(
        request,
        "tasks.html",
        {
            "signoffs": found.signoffs,
            "more_signoffs": found.more_signoffs,
            "followups": found.followups,
            "case_files": found.case_files,
            "said": texts.SAID.get(request.query.get("said", ""), ""),
            "level": signoff_texts.level_label,
            "followup_kind": followup_texts.kind,
            "now": rt.clock.now(),
        },
    )


@routes.post("/casefile/{task}")
async def case_file_done(request: web.Request) -> web.StreamResponse:
    """入卷存查 at the desk (seed 004 §16): the file number or place, as the chat asks it."""
    rt = _state(request).runtime
    form = await request.post()
    task = request.match_info["task"]
    result = await casefile.filed_at_desk(
        rt.db.uow(),
        staff=_me(request),
        task_id=int(task) if task.isdigit() else 0,
        text=str(form.get("file_ref", ""))[:200],
        now=rt.clock.now(),
    )
    said = {
        casefile.Outcome.DONE: "casefile_done",
        casefile.Outcome.EMPTY: "casefile_empty",
    }.get(result.outcome, "casefile_stale")
    raise web.HTTPSeeOther("/?" + urlencode({"said": said}))


@routes.get("/records")
async def record_list(request: web.Request) -> web.Response:
    rt = _state(request).runtime
    q = request.query

    def number(name: str) -> int | None:
        value = q.get(name, "")
        return int(value) if value.isdigit() else None

    filters = desk.Filters(
        status=q.get("status") or None,
        text=q.get("q", "")[:100],
        record_type=q.get("type") or None,
        department_id=number("department"),
        quarter=q.get("quarter") or None,
        special_item=q.get("item") or None,
        severe=q.get("severe") == "1",
        overdue=q.get("overdue") == "1",
        court=q.get("court") or None,
        page=number("page") or 1,
    )
    me = _me(request)
    page = await desk.record_list(
        rt.db.uow(), reader=me, filters=filters, today=_today(request), now=rt.clock.now(), tz=rt.settings.tz
    )
    async with rt.db.uow(read_only=True) as uow:
        departments = [(d.id, d.name) for d in await uow.departments.list(me.court_id)]
    today = _today(request)
    quarter = Quarter.of(today)
    quarters = [quarter]
    for _ in range(7):
        quarters.append(quarters[-1].previous())
    kept = {
        "status": filters.status or "",
        "q": filters.text,
        "type": filters.record_type or "",
        "department": filters.department_id or "",
        "quarter": filters.quarter or "",
        "item": filters.special_item or "",
        "severe": "1" if filters.severe else "",
        "overdue": "1" if filters.overdue else "",
        "court": filters.court or "",
    }

    def link(n: int) -> str:
        return "/records?" + urlencode({k: v for k, v in {**kept, "page": n}.items() if v})

    return _page(
        request,
        "records.html",
        {
            "page": page,
            "filters": filters,
            "statuses": [(s.value, labels.record_status(s.value)) for s in RecordStatus],
            "types": [(t.key, t.label) for t in cat.RECORD_TYPES],
            "departments": departments,
            "courts": [(c.code, c.name) for c in page.courts],
            "quarters": [(x.key, labels.quarter(x)) for x in quarters],
            "items": [(i.key, i.label) for i in cat.special_items(rt.settings.special_items_profile)],
            "status_label": labels.record_status,
            "type_label": signoff_texts.record_type_label,
            "link": link,
        },
    )


@routes.get("/records/{number}")
async def record_page(request: web.Request) -> web.Response:
    rt = _state(request).runtime
    try:
        view = await desk.record_page(
            rt.db.uow(),
            reader=_me(request),
            number=request.match_info["number"],
            court_id=await _court(request),
            today=_today(request),
            now=rt.clock.now(),
            config=rt.signoff_config(),
        )
    except AccessDenied:
        return _denied(request)
    tz = rt.settings.tz
    sign = view.sign
    return _page(
        request,
        "record.html",
        {
            "r": view.record,
            "cq": f"?court={quote(request.query['court'])}" if request.query.get("court") else "",
            "sign": sign,
            "sign_level": signoff_texts.level_label(sign.level.value) if sign else "",
            "obo_name": view.names.get(sign.obo, "") if sign and sign.obo else "",
            "dispositions": [(d.key, d.label) for d in cat.DISPOSITIONS],
            "said": texts.SAID.get(request.query.get("said", ""), ""),
            "f": view.followup,
            "f_steps": [step.value for step in view.steps],
            "f_kind": followup_texts.kind(view.followup) if view.followup else "",
            "f_state": followup_texts.state(view.followup) if view.followup else "",
            "f_history": followup_texts.history(view.followup, tz) if view.followup else [],
            "f_next": followup_texts.next_hint(view.followup) if view.followup and view.followup.open else "",
            "f_document": view.followup is not None
            and (view.followup.sent_at is not None or view.followup.intentional is not None),
            "findings": [(x.value, followup_texts.FINDINGS[x]) for x in Finding],
            "status": labels.record_status(view.record.status),
            "fields": signoff_texts.field_pairs(view.record, tz),
            "chain": signoff_texts.chain_lines(view.chain, view.names, tz),
            "versions": [
                (v, [signoff_texts.change_line(k, old, new) for k, old, new in v.changes])
                for v in view.versions
            ],
            "evidence": [
                {
                    "e": e,
                    "kind": labels.evidence_kind(e.kind),
                    "size": labels.human_size(e.size),
                    "origin": origin_text(e.origin or {}, tz),
                    "stored": e.state == EvidenceState.STORED.value and e.sha256 is not None,
                    "image": e.kind == EvidenceKind.PHOTO.value or (e.media_type or "").startswith("image/"),
                    "textual": e.kind in (EvidenceKind.TEXT.value, EvidenceKind.NOTE.value),
                    "audio": e.kind in (EvidenceKind.VOICE.value, EvidenceKind.AUDIO.value)
                    or (e.media_type or "").startswith("audio/"),
                }
                for e in view.evidence
            ],
        },
    )


@routes.post("/records/{number}/decide")
async def decide(request: web.Request) -> web.StreamResponse:
    """同意 / 退回补正 / 处理 from the record page: the same decision as the chat's buttons (seed 004 §13,
    §14, §17, §18, §20); the chat's cards and notices follow through the outbox."""
    rt = _state(request).runtime
    form = await request.post()
    number = request.match_info["number"]
    try:
        choice = signoff.DeskChoice(str(form.get("choice", "")))
    except ValueError:
        return _say(request, texts.NO_CHOICE, 400)
    result = await signoff.decide_at_desk(
        rt.db.uow(),
        staff=_me(request),
        number=number,
        court_id=_me(request).court_id,
        choice=choice,
        opinion=str(form.get("opinion", ""))[:2000],
        disposition=str(form.get("disposition", "")) or None,
        defer=str(form.get("defer", "")) or None,
        clock=rt.clock,
        config=rt.signoff_config(),
    )
    if result.notice is signoff.Say.SUBMITTED and rt.chat_followup is not None:
        await rt.chat_followup(result, _me(request).court_id)  # the bot in this process tells the chat now
    said = result.notice.value if result.notice is not None else ""
    if result.notice is signoff.Say.SUBMITTED:
        said = choice.value
    raise web.HTTPSeeOther(f"/records/{quote(number)}?" + urlencode({"said": said}))


@routes.post("/records/{number}/followup")
async def followup_step(request: web.Request) -> web.StreamResponse:
    """A follow-through step at the desk (seed 004 §17–§20): the same use case as the chat's buttons."""
    rt = _state(request).runtime
    form = await request.post()
    number = request.match_info["number"]
    try:
        step = Step(str(form.get("step", "")))
    except ValueError:
        return _say(request, texts.NO_STEP, 400)
    result = await followup.act(
        rt.db.uow(),
        staff=_me(request),
        number=number,
        step=step,
        text=str(form.get("text", ""))[:2000],
        arg=str(form.get("arg", "")),
        now=rt.clock.now(),
        court_id=await _court(request),
    )
    if result.keys and rt.chat_deliver is not None:
        await rt.chat_deliver(result.keys)  # those told hear it now (else the bot's outbox job sends it)
    said = {
        FollowOutcome.DONE: "followup_done",
        FollowOutcome.EMPTY: "followup_empty",
    }.get(result.outcome, "followup_stale")
    query = {"said": said, **({"court": request.query["court"]} if request.query.get("court") else {})}
    raise web.HTTPSeeOther(f"/records/{quote(number)}?" + urlencode(query))


@routes.get("/records/{number}/followup.pdf")
async def followup_document(request: web.Request) -> web.StreamResponse:
    """The 移送函 (with the 登记表) or the clarification (澄清说明), as the chat sends it to the owner."""
    rt = _state(request).runtime
    me = _me(request)
    async with rt.db.uow(read_only=True) as uow:
        record = await uow.records.by_number(me.court_id, request.match_info["number"])
    f = await followup.for_record(rt.db.uow(), record_id=record.id) if record and record.id else None
    if f is None or f.owner_pk != me.id:
        return _denied(request)
    try:
        pdf = await documents.document(
            rt.db,
            rt.store,
            reader=me,
            followup=f,
            now=rt.clock.now(),
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
        )
        name = f"{'clarification' if f.kind == FollowKind.FALSE_RECORD.value else 'transfer'}-{f.number}.pdf"
    except AccessDenied:
        return _denied(request)
    return web.Response(
        body=pdf, content_type="application/pdf", headers={"Content-Disposition": _attachment(name)}
    )


async def _item(request: web.Request, what: str) -> tuple[Desk, Any] | web.Response:
    state = _state(request)
    try:
        seq = int(request.match_info["seq"])
        item = await desk.evidence_item(
            state.runtime.db.uow(),
            reader=_me(request),
            number=request.match_info["number"],
            seq=seq,
            court_id=await _court(request),
            today=_today(request),
            what=what,
        )
    except (AccessDenied, ValueError):
        return _denied(request)
    except LookupError:
        return _say(request, texts.NO_ITEM, 404)
    return state, item


@routes.get("/records/{number}/evidence/{seq}")
async def evidence_download(request: web.Request) -> web.StreamResponse:
    """The original bytes, byte-exact, as an attachment (never rendered by the browser)."""
    got = await _item(request, "download")
    if isinstance(got, web.Response):
        return got
    state, item = got
    number = request.match_info["number"]
    if item.sha256 is None or item.state != EvidenceState.STORED.value:
        if item.text:
            data, name = item.text.encode("utf-8"), f"{number}-{item.seq}.txt"
        else:
            return _say(request, texts.NOT_STORED, 404)
    else:
        data = await state.runtime.store.read(item.sha256)
        name = item.file_name or f"{number}-{item.seq}-{item.sha256[:12]}"
    return web.Response(
        body=data,
        content_type="application/octet-stream",
        headers={"Content-Disposition": _attachment(name), "X-Content-Type-Options": "nosniff"},
    )


@routes.get("/records/{number}/evidence/{seq}/preview")
async def evidence_preview(request: web.Request) -> web.StreamResponse:
    """An image decoded in the decoding worker under its limits and drawn again as JPEG: what reaches the
    browser is our own encoding, never the uploaded bytes."""
    return await _redrawn(request, "preview", worker.preview_job, "image/jpeg", texts.NO_PREVIEW)


@routes.get("/records/{number}/evidence/{seq}/listen")
async def evidence_listen(request: web.Request) -> web.StreamResponse:
    """A voice note or audio file decoded in the worker and written again as WAV, for the browser's player."""
    return await _redrawn(request, "listen", worker.listen_job, "audio/wav", texts.NO_LISTEN)


async def _redrawn(
    request: web.Request,
    what: str,
    job: Callable[[bytes], worker.Done[bytes | None]],
    media_type: str,
    refusal: tuple[str, str],
) -> web.StreamResponse:
    got = await _item(request, what)
    if isinstance(got, web.Response):
        return got
    state, item = got
    if item.sha256 is None or item.state != EvidenceState.STORED.value:
        return _say(request, texts.NOT_STORED, 404)
    data = await state.runtime.store.read(item.sha256)
    try:
        out = (await state.runtime.decoder.run(job, data)).result
    except BrokenProcessPool:
        out = None
    if out is None:
        return _say(request, refusal, 415)
    return web.Response(body=out, content_type=media_type, headers={"Content-Disposition": "inline"})


@routes.get("/records/{number}/form.pdf")
async def form_pdf(request: web.Request) -> web.StreamResponse:
    rt = _state(request).runtime
    try:
        number, data = await registration_pdf(
            rt.db,
            rt.store,
            reader=_me(request),
            ref=request.match_info["number"],
            now=rt.clock.now(),
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
        )
    except AccessDenied:
        return _denied(request)
    return web.Response(
        body=data,
        content_type="application/pdf",
        headers={"Content-Disposition": _attachment(f"registration-{number}.pdf")},
    )


def _attachment(name: str) -> str:
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


# ---------------------------------------------------------------------------------------------- summaries


@routes.get("/monthly")
async def monthly_page(request: web.Request) -> web.Response:
    """月报告执行情况 (seed 003 §13, §20): department heads see their department, the summary readers the
    whole court."""
    rt = _state(request).runtime
    now, tz = rt.clock.now(), rt.settings.tz
    try:
        month = (
            Month.parse(request.query["month"])
            if request.query.get("month")
            else await monthly.latest_month(
                rt.db.uow(read_only=True), court_id=_me(request).court_id, now=now, tz=tz
            )
        )
    except ValueError:
        return _say(request, texts.BAD_MONTH, 400)
    try:
        status = await monthly.view(
            rt.db.uow(),
            staff=_me(request),
            month=month,
            now=now,
            tz=tz,
            policy=policy_of(rt.settings),
            court_name=rt.court_name,
        )
    except AccessDenied:
        return _say(request, texts.MONTHLY_DENIED, 403)
    order = list(MonthlyStatus)
    return _page(
        request,
        "monthly.html",
        {
            "c": status,
            "month_label": labels.long_month(status.month),
            "previous": str(status.month.previous()),
            "next": str(status.month.next()),
            "statuses": [(s, labels.MONTHLY_STATUS[s]) for s in order],
            "totals": status.totals(),
            "said": texts.reminded(request.query["n"]) if request.query.get("n", "").isdigit() else "",
        },
    )


@routes.post("/monthly/remind")
async def remind_now(request: web.Request) -> web.StreamResponse:
    """[立即提醒未答复人员] (seed 003 §13): the people of the table who have neither answered nor recorded are
    asked again now, once a month each; the chat doors send it."""
    rt = _state(request).runtime
    form = await request.post()
    try:
        month = Month.parse(str(form.get("month", "")))
    except ValueError:
        return _say(request, texts.BAD_MONTH, 400)
    added = await monthly.remind_now(
        rt.db.uow(), staff=_me(request), month=month, now=rt.clock.now(), tz=rt.settings.tz
    )
    if added is None:
        return _say(request, texts.MONTHLY_DENIED, 403)
    raise web.HTTPSeeOther("/monthly?" + urlencode({"month": str(month), "n": str(added)}))


@routes.get("/quarterly")
async def quarterly_page(request: web.Request) -> web.Response:
    """The quarter's dashboard (seed 002 §7; seed 003 §13): the summary's figures and breakdowns, charted,
    against the previous quarter and the same quarter last year; the same PDF and XLSX as the chat."""
    rt = _state(request).runtime
    now, tz = rt.clock.now(), rt.settings.tz
    try:
        quarter = (
            Quarter.parse(request.query["q"])
            if request.query.get("q")
            else last_completed(now.astimezone(tz).date())
        )
    except BadPeriod as exc:
        return _say(request, (texts.BAD_QUARTER, labels.bad_period(exc)), 400)
    try:
        data = await quarterly.load(
            rt.db,
            reader=_me(request),
            quarter=quarter,
            now=now,
            tz=tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
            voice=voice(rt.settings.deadline_profile),
            lists=False,
        )
    except AccessDenied:
        return _say(request, texts.QUARTERLY_DENIED, 403)
    return _page(
        request,
        "quarterly.html",
        {
            "d": data,
            "q": quarter,
            "quarter_label": labels.quarter(quarter),
            "previous": quarter.previous().key,
            "next": quarter.next().key,
            "bars": bars,
            "chart_data": chart_data,
        },
    )


def chart_data(rows: Sequence[Any]) -> str:
    """A table's figures for its ECharts chart (web/static/charts.js): the rows' labels and the three
    periods' counts, as JSON in a data attribute (escaped by the template)."""
    names = texts.CHART_PERIODS
    series = [{"name": name, "data": [row.counts[i] for row in rows]} for i, name in enumerate(names)]
    return json.dumps({"labels": [row.label for row in rows], "series": series}, ensure_ascii=False)


@routes.get("/quarterly/{key}.{fmt:(pdf|xlsx)}")
async def quarterly_file(request: web.Request) -> web.StreamResponse:
    rt = _state(request).runtime
    try:
        quarter = Quarter.parse(request.match_info["key"])
    except BadPeriod as exc:
        return _say(request, (texts.BAD_QUARTER, labels.bad_period(exc)), 400)
    fmt = request.match_info["fmt"]
    try:
        documents = await quarterly.quarterly_documents(
            rt.db,
            reader=_me(request),
            quarter=quarter,
            now=rt.clock.now(),
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
            formats=(fmt,),
            voice=voice(rt.settings.deadline_profile),
        )
    except AccessDenied:
        return _say(request, texts.QUARTERLY_DENIED, 403)
    mime = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return web.Response(
        body=documents[fmt],
        content_type=mime,
        headers={"Content-Disposition": _attachment(f"quarterly-{quarter.key}.{fmt}")},
    )


def bars(counts: tuple[int, ...], width: int = 240) -> list[tuple[int, int]]:
    """Bar lengths (px) of a row's three counts against the row's largest, with the count: an SVG chart
    drawn by the server (no script, prints like the page)."""
    top = max(max(counts), 1)
    return [(round(width * n / top), n) for n in counts]


@routes.get("/office")
async def office_page(request: web.Request) -> web.Response:
    """责任追究 and 通报 at the desk (seed 001 §8–§10; seed 004 §22–§30): what the office has decided and
    issued, and the possible cases it is offered; registering and issuing stay in the chat (/accountability,
    /notice), which sends the notices to their recipients."""
    rt = _state(request).runtime
    try:
        book = await desk.office_book(
            rt.db.uow(),
            reader=_me(request),
            now=rt.clock.now(),
            tz=rt.settings.tz,
            policy=policy_of(rt.settings),
        )
    except AccessDenied:
        return _say(request, texts.OFFICE_DENIED, 403)
    tz = rt.settings.tz
    return _page(
        request,
        "office.html",
        {
            "o": book.overview,
            "measures": [
                accountability_texts.line_text(line, tz).lstrip("· ") for line in book.overview.lines
            ],
            "month_label": labels.long_month(book.overview.month) if book.overview.month else "",
            "notices": [
                (notice_texts.number(n), notice_texts.what(NoticeKind(n.kind), n.subject), n)
                for n in book.notices
            ],
            "to": notice_texts.TO,
            "to_key": NoticeTo,
            "to_choices": [(t.value, notice_texts.TO[t]) for t in NoticeTo],
            "grounds": [(g.key, g.label) for g in cat.ACCOUNTABILITY_GROUNDS],
            "measures_choice": [(m.key, m.label) for m in cat.ACCOUNTABILITY_MEASURES],
            "said": texts.SAID.get(request.query.get("said", ""), ""),
            "notice_problem": _notice_problem(request.query.get("notice_problem", "")),
        },
    )


def _notice_problem(key: str) -> str:
    """Why a notice was not issued (fixed words by key, never text from the address)."""
    try:
        return notice_texts.PROBLEMS[NoticeProblem(key)]
    except ValueError:
        return ""


@routes.post("/office/measures")
async def register_measure(request: web.Request) -> web.StreamResponse:
    """责任追究 registered at the desk (seed 004 §25–§29): the same use case as the chat's steps."""
    rt = _state(request).runtime
    form = await request.post()
    result = await accountability.register(
        rt.db.uow(),
        staff=_me(request),
        ground=str(form.get("ground", "")),
        person=str(form.get("person", ""))[:100],
        measure=str(form.get("measure", "")),
        note=str(form.get("note", ""))[:1000],
        now=rt.clock.now(),
    )
    if result.outcome is AccountabilityOutcome.FORBIDDEN:
        return _say(request, texts.OFFICE_DENIED, 403)
    said = {
        AccountabilityOutcome.RECORDED: "measure_done",
        AccountabilityOutcome.UNKNOWN_STAFF: "measure_unknown",
    }.get(result.outcome, "measure_empty")
    raise web.HTTPSeeOther("/office?" + urlencode({"said": said}))


@routes.post("/office/notices")
async def issue_notice(request: web.Request) -> web.StreamResponse:
    """通报 issued at the desk (seed 001 §8; seed 004 §22–§24): the same use case as the chat's card; the PDF
    is made once, kept, and sent to the distribution through the outbox (by the door that reaches each)."""
    rt = _state(request).runtime
    form = await request.post()
    try:
        issued = await notices.issue(
            rt.db.uow(),
            issuer=_me(request),
            subject=str(form.get("subject", ""))[:40],
            ticked=[str(v) for v in form.getall("to", [])],
            other_organ=str(form.get("other", ""))[:200] or None,
            now=rt.clock.now(),
            tz=rt.settings.tz,
        )
    except AccessDenied:
        return _say(request, texts.OFFICE_DENIED, 403)
    except Refused as exc:
        raise web.HTTPSeeOther("/office?" + urlencode({"notice_problem": exc.problem.value})) from None
    _, keys = await notice_documents.publish(rt, issued)
    if keys and rt.chat_deliver is not None:
        await rt.chat_deliver(keys)  # received now (else the chat doors' outbox rounds send them)
    raise web.HTTPSeeOther("/office?" + urlencode({"said": "notice_done"}))


@routes.get("/office/notices/{pk:[0-9]+}.pdf")
async def notice_pdf(request: web.Request) -> web.StreamResponse:
    """A notice's PDF as issued (the office only; the download in the ledger)."""
    rt = _state(request).runtime
    try:
        notice = await desk.notice_file(
            rt.db.uow(), reader=_me(request), notice_id=int(request.match_info["pk"])
        )
    except AccessDenied:
        return _say(request, texts.OFFICE_DENIED, 403)
    if notice is None or notice.pdf_sha256 is None:
        return _say(request, texts.NO_NOTICE, 404)
    data = await rt.store.read(notice.pdf_sha256)
    name = f"notice-{notice.year}-{notice.seq}.pdf"
    return web.Response(
        body=data, content_type="application/pdf", headers={"Content-Disposition": _attachment(name)}
    )


@routes.get("/audit")
async def audit_page(request: web.Request) -> web.Response:
    """Who viewed what, and the ledger's state (the discipline office only; seed 004 §15: 全程留痕)."""
    rt = _state(request).runtime
    try:
        before = int(request.query["before"]) if request.query.get("before") else None
    except ValueError:
        before = None
    try:
        found = await desk.audit(rt.db.uow(), reader=_me(request), before=before)
    except AccessDenied:
        return _say(request, texts.AUDIT_DENIED, 403)
    return _page(request, "audit.html", {"a": found, "action": texts.AUDIT_WORDS})
