"""The `liuhen` command as an administrator uses it (docs/architecture.md external interface)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_ROSTER
from tests.integration.conftest import Run, cli_runner


@pytest.fixture
def run_cli(db_url: str, tmp_path: Path) -> Run:
    return cli_runner(db_url, tmp_path, timeout=60, LIUHEN_BOT_USERNAME="court_liuhen_bot")


def test_import_invite_list(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("org", "import", str(SAMPLE_ROSTER))
    assert result.returncode == 0, result.stderr
    assert "新增" in result.stdout and "22" in result.stdout

    invite = run_cli("org", "invite", "s001")
    assert invite.returncode == 0, invite.stderr
    lines = invite.stdout.splitlines()
    assert re.fullmatch(r"[A-Z2-7]{16}", lines[0])
    assert lines[1] == f"https://t.me/court_liuhen_bot?start={lines[0]}"
    assert "韩雪" in invite.stderr

    people = json.loads(run_cli("org", "list", "--json").stdout)
    assert len(people) == 22
    assert {p["staff_id"]: p["enrolled"] for p in people}["s001"] is False
    assert {p["staff_id"]: p["department"] for p in people}["s001"] == "民事审判第一庭"

    again = run_cli("org", "import", str(SAMPLE_ROSTER))
    assert again.returncode == 0
    assert "未变" in again.stdout


def test_bad_roster_names_lines_and_imports_nothing(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "staff_id,name,department,position,role,phone,oversees\n"
        "a1,张三,一庭,审判员,staff,,\n"
        "a2,,一庭,审判员,staff,,\n"
        "a3,王五,一庭,审判员,boss,,\n",
        encoding="utf-8",
    )
    result = run_cli("org", "import", str(bad))
    assert result.returncode == 1
    assert "第 3 行" in result.stderr and "第 4 行" in result.stderr
    assert "未导入任何内容" in result.stderr
    assert json.loads(run_cli("org", "list", "--json").stdout) == []


def test_unknown_staff_and_missing_file_get_clear_errors(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("org", "invite", "nobody")
    assert result.returncode == 1
    assert "没有工号为 nobody 的人员" in result.stderr
    assert result.stdout == ""
    missing = run_cli("org", "import", "no-such-file.csv")
    assert missing.returncode == 1
    assert "无法读取" in missing.stderr


def test_run_without_token_points_to_the_demo(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("run")
    assert result.returncode == 1
    assert "LIUHEN_TELEGRAM_TOKEN" in result.stderr and "liuhen demo" in result.stderr


def test_calendar_overrides_for_a_year_the_library_does_not_know(run_cli) -> None:  # type: ignore[no-untyped-def]
    """beyond the official calendar, weekends plus the administrator's entries count."""
    assert run_cli("calendar", "set", "2031-02-10", "holiday").returncode == 0
    assert run_cli("calendar", "set", "2031-02-08", "workday").returncode == 0  # a Saturday made a workday
    shown = run_cli("calendar", "show", "2031")
    assert shown.returncode == 0
    assert "2031-02-10 放假（本院录入）" in shown.stdout
    assert "2031-02-08 上班（本院录入）" in shown.stdout
    assert "未收录 2031 年" in shown.stderr
    bad = run_cli("calendar", "set", "2031-13-01", "holiday")
    assert bad.returncode == 1 and "格式不对" in bad.stderr


def test_a_roster_cannot_empty_the_court_by_accident(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A one-row file would deactivate everybody else, the discipline office included (then no record can
    finish its sign-off, seed 004 §13): refused with the names, until the number is confirmed."""
    assert run_cli("org", "import", str(SAMPLE_ROSTER)).returncode == 0
    lines = SAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()
    one = tmp_path / "one.csv"
    one.write_text("\n".join([lines[0], lines[1]]) + "\n", encoding="utf-8")
    refused = run_cli("org", "import", str(one))
    assert refused.returncode == 1
    assert "将停用 21 人" in refused.stderr and "最后一名纪检监察人员" in refused.stderr
    assert "--confirm-deactivate 21" in refused.stderr and "未导入任何内容" in refused.stderr
    people = json.loads(run_cli("org", "list", "--json").stdout)
    assert sum(1 for p in people if p["active"]) == 22  # nothing changed
    wrong = run_cli("org", "import", str(one), "--confirm-deactivate", "20")
    assert wrong.returncode == 1 and "将停用 21 人" in wrong.stderr
    confirmed = run_cli("org", "import", str(one), "--confirm-deactivate", "21")
    assert confirmed.returncode == 0, confirmed.stderr
    people = json.loads(run_cli("org", "list", "--json").stdout)
    assert sum(1 for p in people if p["active"]) == 1


def test_a_staff_id_written_in_another_case_is_the_same_person(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("org", "import", str(SAMPLE_ROSTER)).returncode == 0
    text = SAMPLE_ROSTER.read_text(encoding="utf-8").splitlines()
    shouted = [text[0], *(f"{line.split(',', 1)[0].upper()} ,{line.split(',', 1)[1]}" for line in text[1:])]
    again = tmp_path / "upper.csv"
    again.write_text("\n".join(shouted) + "\n", encoding="utf-8")
    result = run_cli("org", "import", str(again))
    assert result.returncode == 0, result.stderr
    people = json.loads(run_cli("org", "list", "--json").stdout)
    assert len(people) == 22 and all(p["active"] for p in people)
