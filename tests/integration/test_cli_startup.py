"""`liuhen --help` and every command's help load no framework of the core: the command tree is built from
typer, rich's console and the standard library, and each command imports what it runs when it runs.

Checked by the modules a fresh interpreter has loaded (no timing): bench/cli.py prints the times."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# what a command imports when it runs, never to build the tree or print a help
HEAVY = (
    "telegram",
    "sqlalchemy",
    "alembic",
    "reportlab",
    "openpyxl",
    "PIL",
    "aiohttp",
    "httpx",
    "pydantic_settings",
    "cryptography",
    "structlog",
    "numpy",
    "liuhen.app",
    "liuhen.bot",
    "liuhen.storage",
    "liuhen.evidence",
    "liuhen.reports",
    "liuhen.sandbox",
    "liuhen.web",
    "jinja2",
)

# in a fresh interpreter: the help of every group and command, through typer, then the loaded modules
EVERY_HELP = """
import json, sys
from typer.main import get_command
from typer.testing import CliRunner
from liuhen.launch import app

def paths(command, prefix):
    yield prefix
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from paths(sub, [*prefix, name])

helped = []
for path in paths(get_command(app), []):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0 and "--help" in result.output, (path, result.output)
    helped.append(" ".join(path))
print(json.dumps({"helped": helped, "modules": sorted(sys.modules)}))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    return {**env, "LIUHEN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}


def _heavy(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_every_help_loads_none_of_the_core(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", EVERY_HELP],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert {"", "org invite", "verify", "report quarterly", "report monthly", "webhook set", "demo"} <= set(
        found["helped"]
    )
    assert _heavy(found["modules"]) == []
    assert not (tmp_path / "data").exists()  # a help touches no data directory


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ((), "干预过问案件记录系统"),
        (("--help",), "干预过问案件记录系统"),
        (("org", "--help"), "人员名册与登记"),
        (("report", "--help"), "季度汇总分析"),
        (("verify", "--help"), "--public-key"),
        (("run", "--help"), "--webhook"),
    ],
)
def test_python_m_liuhen_help_imports_no_core(tmp_path: Path, args: tuple[str, ...], shown: str) -> None:
    """`python -m liuhen … --help` as an operator types it; `-X importtime` lists every module imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "liuhen", *args],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # no arguments: typer's no_args_is_help prints the help and exits 2, as it always has
    assert done.returncode == (2 if not args else 0), done.stderr[-2000:]
    assert shown in done.stdout + done.stderr
    imported = [
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]
    assert "liuhen.launch" in imported
    assert _heavy(imported) == []


def test_commands_still_import_what_they_run(tmp_path: Path) -> None:
    """The lazy imports are all there: init, verify and a report's refusal go through the whole path."""
    env = _env(tmp_path)

    def liuhen(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "liuhen", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    init = liuhen("init")
    assert init.returncode == 0, init.stderr
    assert "已初始化" in init.stdout and "BEGIN PUBLIC KEY" in init.stdout
    verify = liuhen("verify", "--json")
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout)["ok"] is True
    report = liuhen("report", "quarterly", "2026Q4", "-o", str(tmp_path / "q.pdf"), "--as", "nobody")
    assert report.returncode == 1 and "错误" in report.stderr and "Traceback" not in report.stderr
    month = liuhen("report", "monthly", "2026-13", "-o", str(tmp_path / "m.pdf"))
    assert month.returncode == 2 and "月份格式不对" in month.stderr


def test_a_summary_loads_only_its_own_format_and_no_migration_scripts(tmp_path: Path) -> None:
    """On an initialised database a report command reads the version row and goes on: alembic is not
    imported, and a PDF summary does not import the spreadsheet library (nor an XLSX one reportlab's
    typesetting), nor either of them the image decoder."""
    env = _env(tmp_path)

    def imported(*args: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "liuhen", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return [x.split("|")[-1].strip() for x in done.stderr.splitlines() if x.startswith("import time:")]

    assert "alembic" in imported("init")  # a new database is migrated by alembic
    as_pdf = imported("report", "quarterly", "2026Q4", "-o", str(tmp_path / "q.pdf"))
    assert (tmp_path / "q.pdf").read_bytes().startswith(b"%PDF")
    assert "reportlab.platypus" in as_pdf
    assert "alembic" not in as_pdf and "openpyxl" not in as_pdf
    as_xlsx = imported("report", "quarterly", "2026Q4", "-o", str(tmp_path / "q.xlsx"))
    assert (tmp_path / "q.xlsx").read_bytes().startswith(b"PK")
    assert "openpyxl" in as_xlsx
    assert "alembic" not in as_xlsx and "reportlab.platypus" not in as_xlsx
    # the image decoder's worker pool is made when an image is first decoded, never for a report
    assert "liuhen.app.decoder" not in as_pdf and "liuhen.app.decoder" not in as_xlsx


def test_verify_where_nothing_was_initialised_says_so_and_creates_nothing(tmp_path: Path) -> None:
    """A data directory that was never initialised is not "intact": verify says so, exits non-zero and
    creates neither the directory nor a database — and it imports no database to find that out."""
    env = _env(tmp_path)
    data = tmp_path / "never-initialised"
    env["LIUHEN_DATA_DIR"] = str(data)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "liuhen", "verify"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "从未初始化" in done.stderr and "liuhen init" in done.stderr and "核验通过" not in done.stdout
    assert not data.exists()
    imported = [x.split("|")[-1].strip() for x in done.stderr.splitlines() if x.startswith("import time:")]
    assert "sqlalchemy" not in imported


def test_verify_writes_nothing_unless_asked_to_record_the_run(tmp_path: Path) -> None:
    env = _env(tmp_path)

    def liuhen(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "liuhen", *args], env=env, cwd=tmp_path, capture_output=True, text=True
        )

    assert liuhen("init").returncode == 0
    first = liuhen("verify", "--json")
    assert first.returncode == 0 and json.loads(first.stdout)["ok"] is True
    entries = json.loads(first.stdout)["ledger"]["entries"]
    again = liuhen("verify", "--json")
    assert json.loads(again.stdout)["ledger"]["entries"] == entries  # nothing was appended by verifying
    recorded = liuhen("verify", "--record")
    assert recorded.returncode == 0 and "已记入账本" in recorded.stdout
    assert json.loads(liuhen("verify", "--json").stdout)["ledger"]["entries"] == entries + 1


def test_a_setting_that_cannot_work_is_named_in_chinese_and_nothing_is_created(tmp_path: Path) -> None:
    env = _env(tmp_path) | {
        "LIUHEN_WEBHOOK_DRAIN_SECONDS": "-1",
        "LIUHEN_WEBHOOK_MAX_CONNECTIONS": "101",
        "LIUHEN_RATE_LIMIT": "secret-looking-value-42",
    }
    done = subprocess.run(
        [sys.executable, "-m", "liuhen", "init"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2 and "Traceback" not in said
    assert "设置有误" in said
    assert "LIUHEN_WEBHOOK_DRAIN_SECONDS：应大于 0" in said
    assert "LIUHEN_WEBHOOK_MAX_CONNECTIONS：应不大于 100" in said
    assert "LIUHEN_RATE_LIMIT：应为 true 或 false" in said
    assert "secret-looking-value-42" not in said  # a value is never repeated: it may be a token
    assert not (tmp_path / "data").exists()
