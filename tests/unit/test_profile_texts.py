"""A court's users never see a procuratorate's article or title, and the other way round (the organisation's
profile: court = seed 002, procuratorate = seed 004)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from liuhen.app.usecases.intake import Button
from liuhen.app.usecases.signoff import Act, Card, Delivery
from liuhen.domain.signoff import Level, Note, SignoffError, Why
from liuhen.texts import common, labels
from liuhen.texts import monthly as monthly_texts
from liuhen.texts import signoff as texts
from liuhen.texts.profile import COURT, PROCURATORATE, Voice

PROCURATORATE_WORDS = ("检察机关规定", "检察长", "检察院")


def everything_said(v: Voice) -> list[str]:
    said = [texts.button_label(Button(act, "t", "x"), v) for act in Act]
    said += [texts.note_text(n, level, v) for n in Note for level in Level]
    said += [
        texts.refusal(SignoffError(why, level=Level.VICE_PRESIDENT, current=Level.DISCIPLINE), v)
        for why in Why
    ]
    d = Delivery(
        "k",
        1,
        "escalated",
        "LH-2026-0001",
        {"level": "vice_president", "count": 3, "due": datetime(2026, 11, 26, tzinfo=UTC).isoformat()},
    )
    said += [texts.escalated(d, v), texts.form_copy(d, UTC, v), texts.direct_reported("LH-2026-0001", v)]
    up = Delivery("k", 1, "upward", "LH-2026-0001", {"court": "某县人民法院", "why": "severe"})
    said += [texts.upward(up, CARD, UTC, v)]
    return said


CARD = Card(
    number="LH-2026-0001",
    level="discipline",
    record_type="外部人员过问",
    intervener="李书记",
    intervener_unit="某县委 书记",
    case=None,
    method="微信",
    gist=("请关照",),
    deadline=None,
    evidence_count=1,
    skips=(),
)


def test_a_court_never_sees_a_procuratorates_article_or_title() -> None:
    leaks = [s for s in everything_said(COURT) for w in PROCURATORATE_WORDS if w in s]
    assert leaks == []
    assert texts.button_label(Button(Act.DEFER_OVERRIDE, "t"), COURT) == "不采纳（经院长批准）"


@pytest.mark.parametrize("v", [PROCURATORATE])
def test_a_procuratorate_is_told_its_own_rules(v: Voice) -> None:
    assert texts.button_label(Button(Act.DEFER_OVERRIDE, "t"), v) == "不采纳（经检察长批准）"
    assert "检察机关规定第十三条" in texts.note_text(Note.LAPSED, Level.DEPARTMENT_HEAD, v)
    assert not any("法院实施细则" in s or "最高法实施办法" in s for s in everything_said(v))
    assert "案件管理办公室" in texts.form_copy(Delivery("k", 1, "copy", "LH-2026-0001", {"count": 1}), UTC, v)


def test_roles_and_help_are_named_as_the_organisation_names_them() -> None:
    """A procuratorate's users read 检察长 and 案件管理, a court's 院长 and 审判管理 (seed 002 §6, §8;
    seed 004)."""
    assert labels.role("president", PROCURATORATE) == "检察长" and labels.role("president") == "院长"
    assert labels.role("trial_management", PROCURATORATE) == "案件管理"
    assert labels.role("trial_management", COURT) == "审判管理"
    assert "审判管理" not in common.help_text(PROCURATORATE) and "案件管理" in common.help_text(PROCURATORATE)
    assert common.help_text(COURT) == common.HELP
    assert (
        "检察长" in monthly_texts.monthly_denied(PROCURATORATE) and "院长" in monthly_texts.monthly_denied()
    )


def test_the_upward_card_names_the_organ_of_the_deployment() -> None:
    """A procuratorate's offices read 下级检察院 on the card of a report from below, a court's 下级法院."""
    d = Delivery("k", 1, "upward", "LH-2026-0001", {"why": "severe", "court": "某县"})
    assert texts.upward(d, None, UTC, PROCURATORATE).startswith("【下级检察院报送")
    assert texts.upward(d, None, UTC, COURT).startswith("【下级法院报送")
