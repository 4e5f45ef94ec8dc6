"""The questionnaire as data: conditional fields by article, validation, termination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liuhen.domain import questionnaire as q

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CTX = q.Context()


def keys(fields: list[q.Field]) -> list[str]:
    return [f.key for f in fields]


def test_oral_methods_need_place_and_persons_present_seed_001_implementing_measures_art4() -> None:
    answers = {"record_type": "external", "method": "phone"}
    pending = keys(q.pending(answers, CTX))
    assert "place" in pending and "persons_present" in pending and "storage_medium" not in pending


def test_a_coordination_meeting_is_oral_place_and_persons_present_seed_001_implementing_measures_art4() -> (
    None
):
    pending = keys(q.pending({"record_type": "external", "method": "meeting"}, CTX))
    assert "place" in pending and "persons_present" in pending


def test_a_letter_asks_its_number_and_date_and_passed_materials_who_passed_what() -> None:
    """The 登记表's method row in full: a letter (函文, seed 001 实施办法 §2, §4) and materials passed on
    (批转材料, seed 001 实施办法 §7(14)) each ask what identifies them; other methods do not."""
    letter = keys(q.pending({"record_type": "external", "method": "letter"}, CTX))
    passed = keys(q.pending({"record_type": "external", "method": "materials"}, CTX))
    assert "letter_reference" in letter and "materials_passed" not in letter
    assert "materials_passed" in passed and "letter_reference" not in passed
    assert not {"letter_reference", "materials_passed"} & set(keys(q.pending({"method": "wechat"}, CTX)))


def test_electronic_methods_need_the_storage_medium_seed_001_implementing_measures_art4() -> None:
    pending = keys(q.pending({"method": "wechat"}, CTX))
    assert "storage_medium" in pending and "place" not in pending


def test_principal_leader_question_only_for_external_records_seed_001_implementing_measures_art6() -> None:
    assert "principal_leader" in keys(q.pending({"record_type": "external"}, CTX))
    assert "principal_leader" not in keys(q.pending({"record_type": "contact"}, CTX))


def test_late_entry_needs_a_reason_seed_004_art7() -> None:
    assert "late_reason" not in keys(q.missing({}, q.Context(late=False)))
    assert "late_reason" in keys(q.missing({}, q.Context(late=True)))


def test_special_items_offer_the_whole_catalogue_seed_001_implementing_measures_art7() -> None:
    f = q.BY_KEY["special_items"]
    assert len(f.options(q.Context(special_profile="court"))) == 15
    assert len(f.options(q.Context(special_profile="county"))) == 14  # seed 002 §9
    assert not f.required


@pytest.mark.parametrize(
    ("typed", "expected_local"),
    [
        ("11-23 09:30", "2026-11-23 09:30"),
        ("2026-11-20 8:05", "2026-11-20 08:05"),
        ("2026年11月20日 8点", "2026-11-20 08:00"),
        ("昨天 15:00", "2026-11-22 15:00"),
        ("今天下午3点", None),  # 15:00 today is still to come at 10:00: refused, not moved a year back
        ("今天上午9点", "2026-11-23 09:00"),
        ("12-30 10:00", "2025-12-30 10:00"),  # typed in a later month: last year's date
    ],
)
def test_datetime_parsing(typed: str, expected_local: str | None) -> None:
    if expected_local is None:
        with pytest.raises(q.Invalid, match="不能晚于现在"):
            q.parse_datetime(typed, NOW, TZ)
        return
    value = q.parse_datetime(typed, NOW, TZ)
    assert value.astimezone(TZ).strftime("%Y-%m-%d %H:%M") == expected_local


@pytest.mark.parametrize("typed", ["明天 10:00", "2026-02-30 10:00", "上周", "", "99-99 99:99"])
def test_bad_datetimes_are_explained(typed: str) -> None:
    with pytest.raises(q.Invalid) as info:
        q.parse_datetime(typed, NOW, TZ)
    assert str(info.value)


def valid_value(f: q.Field, ctx: q.Context, draw: st.DrawFn) -> Any:
    options = f.options(ctx)
    if f.kind in (q.Kind.CHOICE, q.Kind.YESNO):
        return draw(st.sampled_from([o.value for o in options]))
    if f.kind is q.Kind.MULTI:
        return draw(st.lists(st.sampled_from([o.value for o in options]), unique=True))
    if f.kind is q.Kind.DATETIME:
        return (NOW - timedelta(hours=draw(st.integers(1, 2000)))).isoformat()
    if f.kind is q.Kind.CASE:
        return draw(st.sampled_from(["（2026）豫0825民初1187号", "(2025)京01刑终45号", "尚未立案"]))
    if not f.required and draw(st.booleans()):
        return None
    return draw(st.text(alphabet="过问人单位张三李四办公室", min_size=1, max_size=30))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_order_of_valid_answers_completes_and_invalid_answers_are_never_stored(
    data: st.DataObject,
) -> None:
    answers: dict[str, Any] = {}
    ctx = q.Context(late=data.draw(st.booleans()))
    for _ in range(len(q.FIELDS) + 1):
        f = q.next_field(answers, ctx)
        if f is None:
            break
        if data.draw(st.booleans()):  # a wrong answer first: explained, nothing stored
            bad: Any = {
                q.Kind.CHOICE: "nonsense",
                q.Kind.YESNO: "maybe",
                q.Kind.MULTI: ["nope"],
                q.Kind.DATETIME: "下周三",
                q.Kind.CASE: "第123号",
                q.Kind.TEXT: "   ",
            }[f.kind]
            before = dict(answers)
            with pytest.raises(q.Invalid):
                q.validate(f, bad, ctx, now=NOW, tz=TZ)
            assert answers == before
        answers[f.key] = q.validate(f, valid_value(f, ctx, data.draw), ctx, now=NOW, tz=TZ)
    assert q.next_field(answers, ctx) is None
    assert q.missing(answers, ctx) == []
    for key, value in answers.items():  # every stored answer is valid for its field
        f = q.BY_KEY[key]
        assert f.applies(answers, ctx) or key in ("storage_medium", "place", "persons_present")
        if f.kind in (q.Kind.CHOICE, q.Kind.YESNO):
            assert value in {o.value for o in f.options(ctx)}
