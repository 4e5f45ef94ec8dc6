"""What the register tells without asking, and the fields one free answer gives (seed 000: recording must not
be a burden; seed 004 登记表: every field is still filled, and shown)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liuhen.domain import questionnaire as q
from liuhen.domain.inference import (
    EvidenceFacts,
    Person,
    organ_of,
    principal_hint,
    read_case,
    read_person,
    relation_of,
    retired_hint,
    stage_of,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("某县委书记王某某 13800000000", Person("王某某", "某县委 书记", "13800000000")),
        ("王某某，某县招商局局长", Person("王某某", "某县招商局 局长")),
        ("市人大常委会 原副主任", Person(None, "市人大常委会 原副主任")),
        ("县委秘书长刘某", Person("刘某", "县委 秘书长")),  # 秘书长 is a position, not a secretary
        ("李书记的秘书小王 0391-1234567", Person("小王", "李书记的 秘书", "03911234567")),
        ("王副院长", Person("王副院长")),  # how he is called, not a unit
        ("赵某", Person("赵某")),
        ("某镇人民政府", Person("某镇人民政府", "某镇人民政府")),  # a unit in its own name (函)
        ("王县长的儿子", Person(None, "王县长的儿子")),
    ],
)
def test_one_answer_gives_name_unit_position_and_contact(text: str, person: Person) -> None:
    """seed 004 登记表: 过问人姓名、单位及职务、联系方式."""
    assert read_person(text) == person


@pytest.mark.parametrize(
    ("unit", "organ", "relation"),
    [
        ("某县委 书记", "party", "self"),
        ("县委政法委 书记", "party", "self"),
        ("市人大常委会 原副主任", "congress", "self"),
        ("某县纪委监委 副主任", "discipline", "self"),
        ("某县招商局 局长", "government", "self"),
        ("市中级人民法院 审判员", "court", None),
        ("李书记的 秘书", None, "staff"),
        ("王县长的儿子", None, "relative"),
        ("不详", None, None),
    ],
)
def test_unit_tells_organ_category_and_relation(unit: str, organ: str | None, relation: str | None) -> None:
    """seed 001 §12, 实施办法 §10 (organ categories); seed 001 §5, 实施办法 §2 (本人、身边工作人员、亲属)."""
    assert organ_of(unit) == organ
    assert relation_of(unit, None) == relation
    assert relation_of(unit, "letter") == "organisation"  # 以组织名义发文发函


def test_retired_and_principal_leader_are_suggested_not_decided() -> None:
    """seed 001 实施办法 §10 (离退休), §6 (同级党委或政法委主要领导): ticked in advance on the toggles
    card."""
    assert retired_hint("市人大常委会 原副主任") and not principal_hint("市人大常委会 原副主任")
    assert principal_hint("某县委 书记") and not principal_hint("某县委 副书记")
    assert principal_hint("县委政法委 书记") and not retired_hint("某县委 书记")


@pytest.mark.parametrize(
    ("case", "stage"),
    [
        ("（2026）豫0825民初1187号", "trial"),
        ("（2026）豫08民终12号", "trial"),
        ("（2026）豫0825执恢12号", "enforcement"),
        ("（2026）豫0825执123号", "enforcement"),
        ("（2026）豫民申45号", "petition"),
        ("（2026）豫0825刑更3号", "commutation_parole"),
        ("（2026）豫08司救1号", "judicial_aid"),
        ("尚未立案", "filing"),
        ("not a case", None),
    ],
)
def test_the_case_numbers_type_word_names_the_stage(case: str, stage: str | None) -> None:
    """seed 001 §8(1); seed 004 §11(1): 审判、执行、申诉、司法救助、减刑假释."""
    assert stage_of(case) == stage


def test_one_answer_gives_case_number_and_cause() -> None:
    """seed 004 登记表: 案号、案由."""
    assert read_case("（2026）豫0825民初123号 合同纠纷") == ("（2026）豫0825民初123号", "合同纠纷")
    assert read_case("合同纠纷，(2026)豫0825民初123") == ("（2026）豫0825民初123号", "合同纠纷")
    assert read_case("尚未立案 某公司执行案") == ("尚未立案", "某公司执行案")
    assert read_case("（2026）豫0825民初123号") == ("（2026）豫0825民初123号", "")
    assert read_case("下周开庭那个") == (None, "下周开庭那个")


def facts(**kw: Any) -> EvidenceFacts:
    return EvidenceFacts(recorder_name="张法官", recorder_handles_cases=True, **kw)


FORWARD = facts(
    origin_names=["李 书记"],
    origin_dates=[NOW - timedelta(hours=1)],
    kinds=["text"],
    texts=["（2026）豫0825民初1187号那个借款案……"],
    case_numbers=["（2026）豫0825民初1187号"],
    methods=["wechat"],
)


def settle(answers: dict[str, Any], f: EvidenceFacts = FORWARD) -> dict[str, Any]:
    return q.settle(answers, f, q.Context(), now=NOW, tz=UTC)


def test_what_the_evidence_tells_is_filled_and_marked() -> None:
    answers = settle({"record_type": "external"})
    assert answers["method"] == "wechat" and answers["storage_medium"] == "本人手机微信"
    assert answers["intervener_name"] == "李 书记" and answers["stage"] == "trial"
    assert answers["case_officer"] == "张法官" and answers["response"] == "refused"
    assert set(q.marks(answers)) >= {"method", "storage_medium", "intervener_name", "case_number", "stage"}
    assert "record_type" not in q.marks(answers)  # the recorder's own answer is never marked


def test_a_changed_source_changes_what_was_inferred_from_it_and_never_the_recorders_answers() -> None:
    answers = settle({"record_type": "external", "intervener_unit": "某县委 书记"})
    assert answers["organ_category"] == "party"
    answers["intervener_unit"] = "不详"  # the recorder says he does not know: the organ is asked again
    answers = settle(answers)
    assert "organ_category" not in answers
    answers = settle(
        {**answers, "method": "sms", q.INFERRED: [k for k in answers[q.INFERRED] if k != "method"]}
    )
    assert answers["storage_medium"] == "本人手机短信"  # follows the method the recorder chose
    own = settle({"record_type": "external", "stage": "enforcement", "case_officer": "钱法官"})
    assert own["stage"] == "enforcement" and own["case_officer"] == "钱法官"
    editing = settle({"record_type": "external", "_editing": ["method"]})
    assert "method" not in editing  # the field being edited is asked, not refilled


def test_a_free_answer_fills_only_what_the_recorder_has_not_answered() -> None:
    f = q.BY_KEY["intervener_name"]
    main, extra = q.read_answer(f, "某县委书记王某某 13800000000", {})
    assert main == "王某某" and extra == {
        "intervener_unit": "某县委 书记",
        "intervener_contact": "13800000000",
    }
    _, extra = q.read_answer(f, "某县委书记王某某 13800000000", {"intervener_contact": "010-1"})
    assert "intervener_contact" not in extra  # his own answer stays
    main, extra = q.read_answer(q.BY_KEY["case_number"], "（2026）豫0825民初123号 合同纠纷", {})
    assert main == "（2026）豫0825民初123号" and extra == {"case_cause": "合同纠纷"}


def test_every_field_of_the_form_is_asked_or_offered() -> None:
    """seed 004 登记表: no field is dropped; an optional one not asked is an "add" button on the review
    card."""
    for f in q.FIELDS:
        assert f.asked or not f.required, f.key
    offered = {f.key for f in q.addable({"record_type": "external", "method": "phone"}, q.Context())}
    assert offered == {f.key for f in q.FIELDS if not f.asked}


UNITS = ["某县委书记 13800000000", "不详", "市人大常委会 原副主任", "某公司 经理", "王副院长"]
CASES = ["（2026）豫0825民初123号 合同纠纷", "尚未立案", "（2026）豫0825执12号"]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_count_only_goes_down(data: st.DataObject) -> None:
    """还差 N 项 never rises as answers come in, whatever they are; at 0 every required field is there."""
    evidence = data.draw(st.sampled_from([FORWARD, facts(), facts(methods=["phone"])]))
    late = data.draw(st.booleans())
    ctx = q.Context(late=late)
    answers = settle({}, evidence)
    counts = [q.left(answers, ctx)]
    for _ in range(40):
        f = q.next_field(answers, ctx)
        if f is None:
            break
        members = q.group_of(f, answers, ctx)
        values: dict[str, Any] = {}
        for m in members:
            options = [o.value for o in m.options(ctx)]
            if m.kind is q.Kind.MULTI:
                values[m.key] = data.draw(st.lists(st.sampled_from(options), unique=True, max_size=3))
            elif options:
                values[m.key] = data.draw(st.sampled_from(options))
            elif m.kind is q.Kind.DATETIME:
                values[m.key] = (NOW - timedelta(hours=data.draw(st.integers(1, 500)))).isoformat()
            elif m.key in ("intervener_name", "intervener_unit", "case_number"):
                text = data.draw(st.sampled_from(UNITS if m.key != "case_number" else CASES))
                main, extra = q.read_answer(m, text, answers)
                values[m.key] = q.validate(m, main, ctx, now=NOW, tz=UTC)
                values.update({k: v for k, v in extra.items() if k not in answers})
            else:
                values[m.key] = data.draw(st.sampled_from(["某某", "本人办公室", "钱法官"]))
        answers = settle({**answers, **values}, evidence)
        counts.append(q.left(answers, ctx))
    assert counts == sorted(counts, reverse=True), counts
    assert counts[-1] == 0 and q.missing(answers, ctx) == []
