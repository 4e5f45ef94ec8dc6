"""The documents as their readers get them: the registration form (seed 004 登记表), the quarterly
summary (seed 002 §7) and the evidence bundle, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from liuhen.domain.periods import Quarter
from liuhen.evidence.store import FileEvidenceStore
from liuhen.reports import bundle, quarterly, registration
from liuhen.reports.common import AccessDenied
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from liuhen.texts import access as texts_access
from liuhen.texts.profile import voice
from tests.report_seed import (
    APPROVE_TEXT,
    CASE_NUMBER,
    DEPUTY_TEXT,
    DISPOSE_TEXT,
    INTERVENER,
    NUMBER,
    SEEDED_AT,
    Seeded,
    add_submitted,
    seed_signed_record,
)

TZ = ZoneInfo("Asia/Shanghai")
COURT = "测试县人民法院"


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def sh(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload, no-any-return]


def pngs(folder: Path) -> list[Path]:
    return sorted(folder.glob("p-*.png"))


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
async def seeded(db: Database, tmp_path: Path) -> Seeded:
    return await seed_signed_record(db, FileEvidenceStore(tmp_path / "evidence"))


async def ledger_actions(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    async with db.uow() as uow:
        rows = await uow.session.execute(select(t.ledger.c.actor, t.ledger.c.action, t.ledger.c.payload))
        return [(r.actor, r.action, r.payload) for r in rows]


async def test_registration_form_has_every_row_both_copies_and_is_logged(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    store = FileEvidenceStore(tmp_path / "evidence")
    number, data = await registration.registration_pdf(
        db, store, reader=seeded.people["j001"], ref=NUMBER, now=SEEDED_AT, tz=TZ, court_name=COURT
    )
    assert number == NUMBER and data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    squeezed = flat(text)
    for expected in (
        "干预、插手、过问案件登记表",
        INTERVENER,
        "某县委副书记",  # unit and position
        CASE_NUMBER,
        "民间借贷纠纷",
        "张法官",  # recorder
        "民事审判第一庭",
        "电话",
        "本人办公室",
        "审判执行环节请托说情",  # special-report items by name
        "出差在外，返院后补记",  # late-entry reason (seed 004 §7)
        "钱法官：确认属实",  # witness confirmation (seed 001 实施办法 §4)
        APPROVE_TEXT,
        "签署人：李庭长",
        DEPUTY_TEXT,
        "孙庭长（代王副院长）",  # a deputy signs 代 for the officer
        "逾期未签署",  # the lapse of the vice-president's level
        DISPOSE_TEXT,
        "纳入季度汇总",  # the disposition
        "此表一式两份，由记录人和纪检监察机构分别留存",
    ):
        assert flat(expected) in squeezed, expected
    # the evidence list: every hash, the provenance, the OCR text, the item that must be handed in
    for e in seeded.evidence:
        if e.sha256:
            assert e.sha256 in text
    assert "转发自用户“刘某某”" in squeezed and "关照一下民初1187号" in squeezed
    assert "须提交原始介质" in squeezed
    # two copies, each with its own page count
    assert (
        text.count("干预、插手、过问案件登记表\n") >= 2 or squeezed.count("干预、插手、过问案件登记表") >= 4
    )
    assert "记录人留存" in text and "纪检监察机构留存" in text
    assert "第1页/共" in squeezed
    reads = [a for a in await ledger_actions(db) if a[1] == "record.read"]
    assert reads == [("staff:j001", "record.read", {"what": "form"})]


async def test_registration_form_renders_chinese_and_the_thumbnail(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    _, data = await registration.registration_pdf(
        db,
        FileEvidenceStore(tmp_path / "evidence"),
        reader=seeded.people["k001"],
        ref=NUMBER,
        now=SEEDED_AT,
        tz=TZ,
        court_name=COURT,
    )
    (tmp_path / "form.pdf").write_bytes(data)
    fonts = sh(["pdffonts", str(tmp_path / "form.pdf")]).stdout
    assert "STSong-Light" in fonts
    images = sh(["pdfimages", "-list", str(tmp_path / "form.pdf")])
    assert len(images.stdout.strip().splitlines()) - 2 == 2  # the screenshot's thumbnail, once per copy
    sh(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "form.pdf"),
            str(tmp_path / "p"),
        ]
    )
    assert pngs(tmp_path)


async def test_registration_form_is_denied_to_others_without_saying_whether_it_exists(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    store = FileEvidenceStore(tmp_path / "evidence")
    stranger = seeded.people["j002"]  # a judge of another department, not in the chain
    messages = []
    for ref in (NUMBER, "LH-2026-9999"):
        with pytest.raises(AccessDenied) as denied:
            await registration.registration_pdf(
                db, store, reader=stranger, ref=ref, now=SEEDED_AT, tz=TZ, court_name=COURT
            )
        messages.append(texts_access.denied(denied.value))
    assert messages[0] == messages[1] and "无权" in messages[0]
    denials = [a for a in await ledger_actions(db) if a[1] == "record.read_denied"]
    assert len(denials) == 2 and all(a[0] == "staff:j002" for a in denials)
    # the people of the chain may: the deputy who signed, the department head
    for staff_id in ("h002", "h001", "v001"):
        number, _ = await registration.registration_pdf(
            db, store, reader=seeded.people[staff_id], ref=NUMBER, now=SEEDED_AT, tz=TZ, court_name=COURT
        )
        assert number == NUMBER


async def seed_quarters(db: Database, seeded: Seeded) -> None:
    """2026Q4 (beside the signed record): 2 internal, 2 contact; 2026Q3: 1 external; 2025Q4: 2 external.
    One record sits on the local quarter boundary: 2026-10-01 00:30 in Beijing is still 2026-09-30 in UTC."""
    j = seeded.people["j002"]
    court = seeded.court_id
    rows = [
        (
            "LH-2026-0101",
            datetime(2026, 9, 30, 16, 30, tzinfo=UTC),
            "internal",
            "wechat",
            ["seizure"],
            "submitted",
        ),
        (
            "LH-2026-0102",
            datetime(2026, 10, 8, 2, tzinfo=UTC),
            "internal",
            "wechat",
            [],
            "awaiting_department_head",
        ),
        (
            "LH-2026-0103",
            datetime(2026, 12, 31, 15, 59, tzinfo=UTC),
            "contact",
            "face_to_face",
            [],
            "submitted",
        ),
        ("LH-2026-0104", datetime(2026, 11, 3, 2, tzinfo=UTC), "contact", "phone", [], "submitted"),
        (
            "LH-2026-0105",
            datetime(2026, 12, 31, 16, 0, tzinfo=UTC),
            "contact",
            "phone",
            [],
            "submitted",
        ),  # 2027Q1
        ("LH-2026-0090", datetime(2026, 8, 1, 2, tzinfo=UTC), "external", "sms", ["plead"], "filed"),
        ("LH-2025-0090", datetime(2025, 11, 1, 2, tzinfo=UTC), "external", "sms", [], "filed"),
        ("LH-2025-0091", datetime(2025, 12, 1, 2, tzinfo=UTC), "external", "letter", [], "filed"),
    ]
    for number, at, kind, method, items, status in rows:
        await add_submitted(
            db,
            court_id=court,
            recorder=j,
            number=number,
            submitted_at=at,
            answers={"record_type": kind, "method": method, "special_items": items, "stage": "trial"},
            status=status,
        )
    # a draft again (being amended) is not counted
    await add_submitted(
        db,
        court_id=court,
        recorder=j,
        number="LH-2026-0106",
        submitted_at=datetime(2026, 11, 5, 2, tzinfo=UTC),
        answers={"record_type": "internal"},
        status="draft",
    )


def sheet_counts(ws: object) -> dict[str, list[object]]:
    rows = list(ws.iter_rows(values_only=True))  # type: ignore[attr-defined]
    return {str(r[0]): list(r[1:4]) for r in rows[2:] if r and r[0] is not None}


async def test_quarterly_counts_comparisons_and_charts(db: Database, seeded: Seeded, tmp_path: Path) -> None:
    await seed_quarters(db, seeded)
    docs = await quarterly.quarterly_documents(
        db, reader=seeded.people["k001"], quarter=Quarter(2026, 4), now=SEEDED_AT, tz=TZ, court_name=COURT
    )
    wb = load_workbook(io.BytesIO(docs["xlsx"]))
    summary = sheet_counts(wb["概况"])
    assert summary["记录总数"] == [5, 1, 2]  # this quarter, previous, same quarter last year
    assert summary["其中：外部人员过问"] == [1, 1, 2]
    assert summary["其中：内部人员过问"] == [2, 0, 0]
    assert summary["其中：接触交往"] == [2, 0, 0]
    assert summary["涉及特别报告事项的记录"] == [2, 1, 0]
    assert summary["须报送上一级的记录"] == [1, 0, 0]  # the principal leader of the seeded record
    assert summary["补记（超过记录时限）"] == [1, 0, 0]
    assert summary["签批逾期（次）"] == [1, 0, 0]
    assert isinstance(wb["概况"]["B3"].value, int)  # real number cells
    assert wb["概况"].freeze_panes == "A3"
    head, number, text = wb["概况"]["B2"], wb["概况"]["B3"], wb["特别报告事项明细"]["B3"]
    assert head.font.b and head.fill.fgColor.rgb.endswith("DCE6F1") and head.alignment.wrap_text
    assert number.number_format == "0" and number.border.left.style == "thin" and not number.font.b
    assert text.alignment.wrap_text and text.border.bottom.style == "thin"
    methods = sheet_counts(wb["过问方式"])
    assert methods["电话"] == [2, 0, 0] and methods["微信"] == [2, 0, 0] and methods["当面"] == [1, 0, 0]
    assert methods["短信"] == [0, 1, 1] and methods["函文"] == [0, 0, 1]
    specials = sheet_counts(wb["特别报告事项"])
    assert specials["干预查封扣押冻结措施"] == [1, 0, 0] and specials["审判执行环节请托说情"] == [1, 1, 0]
    departments = sheet_counts(wb["部门"])
    assert departments["刑事审判庭"] == [4, 1, 2] and departments["民事审判第一庭"] == [1, 0, 0]
    assert len(wb["记录类型"]._charts) == 2 and len(wb["概况"]._charts) == 1  # bar + pie, bar
    listed = [row[1] for row in wb["特别报告事项明细"].iter_rows(min_row=3, values_only=True)]
    assert sorted(listed) == [NUMBER, NUMBER, "LH-2026-0101"]
    text = flat(pdf_text(docs["pdf"], tmp_path))
    assert "2026年第四季度干预、插手、过问案件记录情况汇总分析" in text
    assert "共记录干预、插手、过问案件5件，上季度1件（环比+4），去年同期2件（同比+3）" in text
    assert "过问人系同级党委或政法委主要领导" in text and NUMBER in text
    assert "暂无数据" in text  # no monthly reports in this deployment yet
    actions = await ledger_actions(db)
    assert ("staff:k001", "summary.read", {}) in actions


@pytest.mark.parametrize("profile", ["court", "procuratorate"])
async def test_quarterly_cites_only_the_organisations_own_articles(
    db: Database, seeded: Seeded, tmp_path: Path, profile: str
) -> None:
    """A court's readers never see a procuratorate's article, and the other way round; a procuratorate's
    summary speaks of 检察院, not 法院 (seed 002 for a court, seed 004 for a procuratorate)."""
    await seed_quarters(db, seeded)
    docs = await quarterly.quarterly_documents(
        db,
        reader=seeded.people["k001"],
        quarter=Quarter(2026, 4),
        now=SEEDED_AT,
        tz=TZ,
        court_name=COURT,
        voice=voice(profile),
    )
    wb = load_workbook(io.BytesIO(docs["xlsx"]))
    cells = "".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )
    text = flat(pdf_text(docs["pdf"], tmp_path)) + flat(cells)
    own, foreign = ("《法院实施细则》", "《检察机关规定》")[:: 1 if profile == "court" else -1]
    assert own in text and foreign not in text
    if profile == "procuratorate":
        assert "《最高法实施办法》" not in text and "《中级法院实施办法》" not in text
        assert "上级检察院" in text and "上级法院" not in text
        assert (
            "（）" not in text and "（，" not in text and "，）" not in text
        )  # no husk of a dropped reference


async def test_quarterly_for_trial_management_holds_counts_only(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    docs = await quarterly.quarterly_documents(
        db, reader=seeded.people["m001"], quarter=Quarter(2026, 4), now=SEEDED_AT, tz=TZ, court_name=COURT
    )
    text = flat(pdf_text(docs["pdf"], tmp_path))
    assert NUMBER not in text and INTERVENER not in text and "逐件明细仅纪检监察机构可见" in text
    wb = load_workbook(io.BytesIO(docs["xlsx"]))
    assert sheet_counts(wb["概况"])["记录总数"] == [1, 0, 0]
    assert all(
        NUMBER not in str(c) for row in wb["特别报告事项明细"].iter_rows(values_only=True) for c in row
    )
    with pytest.raises(AccessDenied):
        await quarterly.quarterly_documents(
            db, reader=seeded.people["j001"], quarter=Quarter(2026, 4), now=SEEDED_AT, tz=TZ, court_name=COURT
        )
    assert ("staff:j001", "summary.read_denied", {}) in await ledger_actions(db)


async def test_an_empty_quarter_gives_a_valid_zero_report(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    docs = await quarterly.quarterly_documents(
        db, reader=seeded.people["k001"], quarter=Quarter(2024, 1), now=SEEDED_AT, tz=TZ, court_name=COURT
    )
    text = flat(pdf_text(docs["pdf"], tmp_path))
    assert "零报告：2024年第一季度未记录干预、插手、过问案件的情况" in text
    wb = load_workbook(io.BytesIO(docs["xlsx"]))
    assert "零报告" in str(wb["概况"]["A1"].value)
    assert sheet_counts(wb["概况"])["记录总数"] == [0, 0, 0]


async def test_evidence_bundle_verifies_with_plain_python_and_catches_tampering(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    number, data = await bundle.evidence_bundle(
        db,
        FileEvidenceStore(tmp_path / "evidence"),
        reader=seeded.people["k001"],
        ref=NUMBER,
        now=SEEDED_AT,
        tz=TZ,
        court_name=COURT,
    )
    assert number == NUMBER
    out = tmp_path / "bundle"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    by_seq = {item["seq"]: item for item in manifest["evidence"]}
    image = seeded.evidence[1]
    assert (out / "evidence" / str(image.sha256)).read_bytes() == seeded.image
    assert by_seq[2]["sha256"] == image.sha256 and by_seq[2]["media_type"] == "image/png"
    assert by_seq[2]["ledger"]["action"] == "evidence.add" and by_seq[2]["ledger"]["seq"] > 0
    assert by_seq[1]["provenance"]["origin"]["name"] == INTERVENER
    assert by_seq[3]["file"] is None and by_seq[3]["state"] == "too_big"
    assert (out / "messages" / f"{image.message_sha256}.json").is_file()
    text = flat(pdf_text((out / "manifest.pdf").read_bytes(), tmp_path))
    assert str(image.sha256) in text and "审计日志第" in text
    # a recipient without liuhen: plain python3, no PYTHONPATH, outside the project
    clean_env = {"PATH": "/usr/bin:/bin"}
    ok = sh(["python3", "verify.py"], cwd=out, env=clean_env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"ALL {len(manifest['files'])} FILES INTACT" in ok.stdout
    (out / "evidence" / str(image.sha256)).write_bytes(seeded.image + b"x")
    bad = sh(["python3", "verify.py"], cwd=out, env=clean_env)
    assert bad.returncode == 1 and f"CHANGED  evidence/{image.sha256}" in bad.stdout
    assert ("staff:k001", "record.read", {"what": "evidence_bundle"}) in await ledger_actions(db)
