"""The record's answers as one typed value (the 登记表's fields, seed 004 §7 and its form)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liuhen.domain.answers import Answers
from liuhen.domain.questionnaire import FIELDS


def test_every_question_of_the_questionnaire_is_a_typed_answer() -> None:
    assert {f.key for f in FIELDS} == set(Answers.__dataclass_fields__)


def test_values_come_back_typed_and_working_state_is_not_an_answer() -> None:
    a = Answers.of(
        {
            "intervention_time": "2026-11-30T10:00:00+00:00",
            "principal_leader": "yes",
            "retired": "no",
            "defer_suggestion": True,
            "special_items": ["1", "3"],
            "persons_present": "钱法官、外单位司机, 赵某",
            "intervener_name": " 王某某 ",
            "case_number": "",
            "_selecting": ["x"],
        }
    )
    assert a.intervention_time == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert a.principal_leader is True and a.retired is False and a.defer_suggestion is True
    assert a.special_items == ("1", "3")
    assert a.people_present == ["钱法官", "外单位司机", "赵某"]
    assert a.intervener_name == "王某某" and a.case_number is None
    assert a.involved == ["王某某", "钱法官", "外单位司机", "赵某"]
    assert Answers.of({}) == Answers()


def test_an_unreadable_time_is_no_time_rather_than_an_error() -> None:
    assert Answers.of({"intervention_time": "昨天"}).intervention_time is None


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])  # two shared cores
@given(
    st.dictionaries(st.sampled_from([f.key for f in FIELDS] + ["_editing"]), st.text(max_size=20) | st.none())
)
def test_any_stored_answers_can_be_read(raw: dict[str, str | None]) -> None:
    a = Answers.of(raw)  # never raises, whatever an older version or an operator left in the column
    assert all(v is None or isinstance(v, str | bool | tuple | datetime) for v in vars(a).values())
