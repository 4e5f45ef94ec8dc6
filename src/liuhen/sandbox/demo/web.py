"""The browser chat page of `liuhen demo` and the few JSON routes it needs besides the sandbox's
simulation API.

The sandbox server stays generic: :class:`DemoServer` is a :class:`SandboxServer` whose application also
serves

- ``GET /`` and ``GET /static/{name}``: the page (plain HTML/JS/CSS from ``sandbox/demo/static``);
- ``GET /demo/api/config``: the demo's phones, the bot token (a sandbox-only token), the newcomer's
  enrolment code, the prepared messages and sample files, the WeCom phone's page (on the WeCom sandbox's
  server), and which later features exist yet;
- ``GET /demo/api/events?after=SEQ&timeout=S``: one long poll for the chats of every phone on the page
  (a browser allows only ~6 connections per host, too few for one ``/sim/…/events`` poll per phone);
- ``GET /demo/api/records``: the records list (``list_records``, as `liuhen records list --json`) with
  status labels, for the side panel;
- ``GET /demo/samples/{name}``: a sample file (WeChat-style screenshot, voice note) generated at start.

Everything else the page does (send text, forward, send files, press buttons, download what the bot sent)
goes through ``/sim/{token}/...``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import quote

from aiohttp import web

from liuhen.app.integrity import run_verify
from liuhen.app.runtime import Runtime
from liuhen.app.usecases import desk
from liuhen.app.usecases.access import AccessDenied
from liuhen.app.usecases.records import list_records
from liuhen.domain.catalogue import RECORD_TYPES, label
from liuhen.domain.roster import Roster
from liuhen.reports.bundle import evidence_bundle
from liuhen.reports.registration import registration_pdf
from liuhen.sandbox.server import SandboxServer
from liuhen.texts.access import denied
from liuhen.texts.integrity import report_lines
from liuhen.texts.labels import EVIDENCE_KIND, RECORD_STATUS, human_size

from .samples import FORWARD_KINDS, PREPARED_MESSAGES, SampleFile

Json = dict[str, Any]

#: The page's files: a fixed allowlist, so no path is ever built from a request.
STATIC_FILES: dict[str, str] = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "style.css": "text/css",
}
MAX_POLL_SECONDS = 30.0
_STATUS_LABELS = {status.value: text for status, text in RECORD_STATUS.items()}
_KIND_LABELS = {kind.value: text for kind, text in EVIDENCE_KIND.items()}

#: Features of later issues; the page shows each as a disabled “即将提供” button until it is True.
#: The documents of the side panel are produced as the demo court's discipline officer (赵主任) gets them.
DEMO_READER = "k001"

FEATURES: dict[str, bool] = {
    "answer_questions": True,
    "approve": True,
    "registration_pdf": True,
    "evidence_bundle": True,
    "verify": True,
}


@dataclass(frozen=True)
class Phone:
    """A phone on the page: a sandbox user enrolled (or to be enrolled) as a person of the roster."""

    staff_id: str
    user_id: int
    name: str
    title: str
    role: str
    newcomer: bool = False

    def as_json(self, desk: bool = False) -> Json:
        return {
            "staff_id": self.staff_id,
            "user_id": self.user_id,
            "name": self.name,
            "title": self.title,
            "role": self.role,
            "newcomer": self.newcomer,
            # the desk console in this person's name: what `/desk` in the chat gives, in one click
            "desk": f"/demo/desk/{self.staff_id}" if desk and not self.newcomer else None,
        }


def phones_from_roster(
    roster: Roster, people: dict[str, int], on_page: tuple[str, ...], newcomer: tuple[str, int]
) -> list[Phone]:
    """The phones of ``on_page`` (staff ids, in order) and the newcomer's, with names from the roster."""
    rows = {row.staff_id: row for row in roster.rows}
    users = {**people, newcomer[0]: newcomer[1]}
    phones = []
    for staff_id in (*on_page, newcomer[0]):
        row = rows[staff_id]
        phones.append(
            Phone(
                staff_id=staff_id,
                user_id=users[staff_id],
                name=row.name,
                title=f"{row.department} · {row.position}",
                role=row.role,
                newcomer=staff_id == newcomer[0],
            )
        )
    return phones


@dataclass
class DemoState:
    """What the page's routes show; ``runtime`` and ``newcomer_code`` are set once the demo has started."""

    token: str
    court_name: str
    phones: list[Phone]
    samples: list[SampleFile] = field(default_factory=list)
    runtime: Runtime | None = None
    newcomer_code: str | None = None
    desk_url: str | None = None  # the desk console beside the demo (`liuhen demo` serves it on port + 1)
    #: The WeCom phone beside the Telegram ones: {"url": its page on the WeCom sandbox, "name": whose}.
    wecom_phone: dict[str, str | None] | None = None
    features: dict[str, bool] = field(default_factory=lambda: dict(FEATURES))
    #: Changes at every start: a page still open from an earlier run reloads (its event cursor is stale).
    instance: str = field(default_factory=lambda: secrets.token_hex(6))

    @property
    def ready(self) -> bool:
        return self.runtime is not None

    def sample(self, name: str) -> SampleFile | None:
        return next((s for s in self.samples if s.name == name), None)


def _json(body: Any, status: int = 200) -> web.Response:
    response = web.json_response(body, status=status, dumps=functools.partial(json.dumps, ensure_ascii=False))
    response.headers["Cache-Control"] = "no-store"
    return response


class DemoServer(SandboxServer):
    """The sandbox plus the demo page and its JSON routes."""

    def __init__(self, state: DemoState) -> None:
        super().__init__()
        self.state = state

    def make_app(self) -> web.Application:
        app = super().make_app()
        add_routes(app, self, self.state)
        return app


def add_routes(app: web.Application, server: SandboxServer, state: DemoState) -> None:
    """Mounts the page and the demo's JSON routes on the application of a sandbox server."""
    routes = DemoRoutes(server, state)
    app.router.add_get("/", routes.index)
    app.router.add_get("/static/{name}", routes.static)
    app.router.add_get("/demo/api/config", routes.config)
    app.router.add_get("/demo/api/events", routes.events)
    app.router.add_get("/demo/api/records", routes.records)
    app.router.add_get("/demo/samples/{name}", routes.sample)
    app.router.add_get("/demo/api/records/{id}/registration.pdf", routes.registration)
    app.router.add_get("/demo/api/records/{id}/evidence.zip", routes.evidence_zip)
    app.router.add_post("/demo/api/verify", routes.verify)
    app.router.add_get("/demo/desk/{staff_id}", routes.desk)


class DemoRoutes:
    def __init__(self, server: SandboxServer, state: DemoState) -> None:
        self.server = server
        self.state = state

    def _read_static(self, name: str) -> bytes:
        return resources.files(__package__).joinpath("static", name).read_bytes()

    async def index(self, request: web.Request) -> web.StreamResponse:
        return await self._static_file("index.html")

    async def static(self, request: web.Request) -> web.StreamResponse:
        return await self._static_file(request.match_info["name"])

    async def _static_file(self, name: str) -> web.StreamResponse:
        content_type = STATIC_FILES.get(name)
        if content_type is None:
            raise web.HTTPNotFound()
        body = await asyncio.to_thread(self._read_static, name)
        response = web.Response(body=body, content_type=content_type, charset="utf-8")
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def config(self, request: web.Request) -> web.StreamResponse:
        state = self.state
        bot = self.server.bot(state.token)
        return _json(
            {
                "ready": state.ready,
                "court": state.court_name,
                "token": state.token,
                "sim": bot.sim_path,
                "bot": {"name": bot.bot_user["first_name"], "username": bot.bot_user["username"]},
                "phones": [phone.as_json(desk=state.desk_url is not None) for phone in state.phones],
                "desk": state.desk_url,
                "wecom_phone": state.wecom_phone,
                "newcomer_code": state.newcomer_code,
                "samples": [s.as_json(f"/demo/samples/{s.name}") for s in state.samples],
                "prepared": [m.as_json() for m in PREPARED_MESSAGES],
                "forward_kinds": [{"key": key, "label": text} for key, text in FORWARD_KINDS],
                "features": state.features,
                "seq": bot.events.last_seq,
                "instance": state.instance,
            }
        )

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Events of every phone's chat after ``after`` (one sequence for the whole bot), waiting up to
        ``timeout`` seconds for the first one."""
        try:
            after = int(request.query.get("after", "0"))
            timeout = min(max(float(request.query.get("timeout", "25")), 0.0), MAX_POLL_SECONDS)
        except ValueError:
            return _json({"error": "after and timeout must be numbers"}, status=400)
        bot = self.server.bot(self.state.token)
        users = [phone.user_id for phone in self.state.phones if phone.user_id in bot.chats]

        def collect() -> list[Json]:
            found = [event for user_id in users for event in bot.events.since(user_id, after)]
            return sorted(found, key=lambda event: int(event["seq"]))

        found = collect()
        if not found and users and timeout > 0:
            waits = [asyncio.ensure_future(bot.sim.events(user_id, after, timeout)) for user_id in users]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in waits:
                    task.cancel()
                for task in waits:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            found = collect()
        seq = max([after, *(int(e["seq"]) for e in found)])
        return _json({"events": found, "seq": seq, "instance": self.state.instance})

    async def records(self, request: web.Request) -> web.StreamResponse:
        runtime = self.state.runtime
        if runtime is None:
            return _json({"ready": False, "records": []})
        rows = await list_records(runtime.db.uow(read_only=True), court_id=runtime.court_id)
        for row in rows:
            row["status_label"] = _STATUS_LABELS.get(str(row.get("status")), row.get("status"))
            kind = row.get("type")
            row["type_label"] = label(RECORD_TYPES, kind, default=kind) if kind else None
            for item in row.get("evidence", []):
                item["kind_label"] = _KIND_LABELS.get(str(item.get("kind")), item.get("kind"))
                size = item.get("size")
                item["size_label"] = human_size(size) if size is not None else ""
        rows.sort(key=lambda row: str(row.get("created_at") or ""), reverse=True)
        return _json({"ready": True, "records": rows, "at": datetime.now(UTC).isoformat()})

    async def _document(self, request: web.Request, make: Any, suffix: str, mime: str) -> web.StreamResponse:
        """A document of one record, produced as the demo court's discipline officer would get it (the read is
        authorised and logged like any other)."""
        runtime = self.state.runtime
        if runtime is None:
            raise web.HTTPServiceUnavailable()
        async with runtime.db.uow(read_only=True) as uow:
            reader = await uow.staff.by_staff_id(runtime.court_id, DEMO_READER)
            record = (
                await uow.records.get(int(request.match_info["id"]))
                if request.match_info["id"].isdigit()
                else None
            )
        if reader is None or record is None:
            raise web.HTTPNotFound()
        try:
            number, data = await make(
                runtime.db,
                runtime.store,
                reader=reader,
                ref=record.number,
                now=runtime.clock.now(),
                tz=runtime.settings.tz,
                court_name=runtime.court_name,
            )
        except AccessDenied as exc:
            return _json({"error": denied(exc)}, status=403)
        response = web.Response(body=data, content_type=mime)
        response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(number + suffix)}"
        return response

    async def registration(self, request: web.Request) -> web.StreamResponse:
        return await self._document(request, registration_pdf, "-登记表.pdf", "application/pdf")

    async def evidence_zip(self, request: web.Request) -> web.StreamResponse:
        return await self._document(request, evidence_bundle, "-证据包.zip", "application/zip")

    async def verify(self, request: web.Request) -> web.Response:
        """`liuhen verify` on the demo court: the ledger, its signed checkpoints, every file."""
        runtime = self.state.runtime
        if runtime is None:
            raise web.HTTPServiceUnavailable()
        report = await run_verify(runtime, actor="demo")
        return _json({"ok": report.ok, "output": "\n".join(report_lines(report, limit=10))})

    async def sample(self, request: web.Request) -> web.StreamResponse:
        sample = self.state.sample(request.match_info["name"])
        if sample is None or not sample.path.is_file():
            raise web.HTTPNotFound()
        body = await asyncio.to_thread(sample.path.read_bytes)
        response = web.Response(body=body, content_type=sample.mime_type)
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def desk(self, request: web.Request) -> web.StreamResponse:
        """One click from a phone to the desk console in that person's name: a one-time link issued exactly
        as `/desk` issues it in the chat, then the console's own sign-in page (one press)."""
        runtime, base = self.state.runtime, self.state.desk_url
        if runtime is None or base is None:
            return _json({"error": "演示尚未就绪"}, status=503)
        async with runtime.db.uow(read_only=True) as uow:
            staff = await uow.staff.by_staff_id(runtime.court_id, request.match_info["staff_id"])
        if staff is None or not staff.enrolled or staff.id is None:
            return _json({"error": "该人员尚未登记"}, status=404)
        token = await desk.issue_link(runtime.db.uow(), staff=staff, now=runtime.clock.now())
        raise web.HTTPSeeOther(f"{base}/signin/{token}")
