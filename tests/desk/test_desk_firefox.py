"""The desk console in Firefox (Debian's Firefox ESR, driven by puppeteer-core over WebDriver BiDi: the
Firefox Playwright would download is not reachable here, and an office's Firefox is the stock one): the
officer signs in with the link `/desk` gave, finds the record with the search (htmx swaps the table), plays
its voice note, disposes of it, fetches the 登记表, and the quarter's dashboard draws its ECharts charts — on
a 1366×768 screen, with no script error and no Content-Security-Policy violation (seed 003 §12; seed 004
§13–§17)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from liuhen.domain.periods import Quarter
from liuhen.web.server import build_app
from tests.bot.harness import start_harness
from tests.desk.test_desk_browser import ARTIFACTS, the_court_at_the_desk
from tests.timeline import START

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(240)]
FIREFOX = Path(os.environ.get("LIUHEN_FIREFOX", "/usr/bin/firefox-esr"))
WALK = Path(__file__).resolve().parent / "firefox" / "walk.mjs"


def firefox_ready() -> str:
    """Node with puppeteer-core installed beside the walk, and Debian's Firefox ESR; or a failure that says
    what to install. Returns node's path."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is missing: run `bash scripts/ensure-system-deps.sh` as root")
    if not (WALK.parent / "node_modules" / "puppeteer-core").is_dir():
        pytest.fail(
            "puppeteer-core is not installed: `npm ci --ignore-scripts` in tests/desk/firefox (make test)"
        )
    if not FIREFOX.exists():
        pytest.fail(f"Firefox is missing at {FIREFOX}: run `bash scripts/ensure-system-deps.sh` as root")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return node


async def test_seed004_the_desk_works_in_firefox(db_url: str, tmp_path: Path) -> None:
    node = firefox_ready()
    async with start_harness(db_url, tmp_path, settings={"web_url": "http://127.0.0.1:1"}) as h:
        server = TestServer(build_app(h.runtime))
        await server.start_server()
        try:
            base = str(server.make_url("")).rstrip("/")
            judge, number, link = await the_court_at_the_desk(h, base)
            quarter = Quarter.of(START.astimezone(h.runtime.settings.tz).date())
            argv = [node, str(WALK), str(FIREFOX), link, base, number, quarter.key, str(ARTIFACTS)]
            walked = await asyncio.to_thread(
                subprocess.run,
                argv,
                capture_output=True,
                text=True,
                timeout=180,
                env={**os.environ, "HOME": str(tmp_path)},
            )
        finally:
            await server.close()
        told = await h.bot_texts(judge)
    assert walked.returncode == 0, walked.stderr
    seen = json.loads(walked.stdout.strip().splitlines()[-1])
    steps = {s["name"]: s["value"] for s in seen["steps"]}
    assert not seen["problems"], seen["problems"]  # no script error, no CSP violation, every step done
    assert seen["browser"].lower().startswith("firefox")
    assert steps["tasks"]["heading"] == "我的待办" and number in steps["tasks"]["main"]
    assert steps["list"]["rows"] == 4
    assert steps["search"] == {"htmx": True, "rows": 1, "url": steps["search"]["url"]}
    assert "q=" in steps["search"]["url"]  # the address says what is shown
    assert steps["record"]["heading"] == f"记录 {number}" and 1.3 < steps["record"]["duration"] < 1.7
    assert "已签批：同意" in steps["disposed"]["status"] and "已归档" in steps["disposed"]["main"]
    assert steps["form"] == {"status": 200, "head": "%PDF-"}
    assert "本季度共记录 4 件" in steps["dashboard"]["main"]
    charts = steps["dashboard"]["charts"]
    assert len(charts) >= 2 and all(c == {"drawn": True, "canvas": True} for c in charts)
    # 1366×768: no page scrolls sideways
    assert not any(steps[k]["wide"] for k in ("tasks", "list", "record", "dashboard"))
    assert any(number in t and "纳入季度汇总" in t for t in told)  # the chat followed the desk
