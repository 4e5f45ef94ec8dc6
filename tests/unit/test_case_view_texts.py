"""The case view's words (seed 003 §18): a long answer is split between records, never inside one; a
procuratorate is not told a court's rule."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from liuhen.app.usecases.caseview import CaseView, RecordLine
from liuhen.texts import caseview as texts
from liuhen.texts.profile import COURT, PROCURATORATE

TZ = ZoneInfo("Asia/Shanghai")
CASE = "（2026）豫0825民初1187号"


def line(n: int) -> RecordLine:
    return RecordLine(
        number=f"LH-2026-{n:04d}",
        record_type="internal",
        status="filed",
        intervener="李书记",
        intervention_time=datetime(2026, 11, 17, 1, 30, tzinfo=UTC),
        gist="请关照" * 40,
        recorder="j001",
        recorder_name="张法官",
    )


def test_a_long_answer_is_split_between_records() -> None:
    view = CaseView(CASE, tuple(line(n) for n in range(1, 121)), ())
    messages = texts.view(view, TZ, COURT)
    assert len(messages) > 1 and all(len(m) <= texts.MESSAGE_LIMIT for m in messages)
    text = "\n".join(messages)
    for n in range(1, 121):
        assert f"{n}. LH-2026-{n:04d}｜内部人员过问｜已归档\n   过问人：李书记" in text
    assert "过问时间：2026年11月17日 09:30" in text
    assert f"摘要：{'请关照' * 19}请关…" in text  # one line, cut to 60 characters
    assert messages[-1].endswith(texts.FORM_HINT)


def test_the_rule_is_cited_to_a_court_only() -> None:
    view = CaseView(CASE, (line(1),), ())
    assert "《中级法院实施办法》第十八条" in texts.view(view, TZ, COURT)[0]
    said = texts.view(view, TZ, PROCURATORATE)[0]
    assert "专业法官会议" not in said and "实施办法" not in said and said.endswith(texts.FORM_HINT)
    assert texts.view(CaseView(CASE, (), ()), TZ, COURT) == [texts.nothing(CASE)]
