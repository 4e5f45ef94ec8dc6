"""Documents cite the rules by their names and articles, never by the code's seed numbers."""

from __future__ import annotations

from liuhen.texts.citations import cite, numeral
from liuhen.texts.profile import COURT, PROCURATORATE


def test_articles_read_as_their_readers_know_them() -> None:
    assert cite("（seed 002 §7，季度结束后五日内）") == "（《法院实施细则》第七条，季度结束后五日内）"
    assert cite("seed 001 实施办法 §6、seed 002 §7") == "《最高法实施办法》第六条、《法院实施细则》第七条"
    assert cite("seed 004 §17(2)", PROCURATORATE) == "《检察机关规定》第十七条第二项"
    assert cite("seed 004 登记表", PROCURATORATE) == "《检察机关规定》附登记表"
    assert [numeral(n) for n in (1, 10, 13, 20, 34)] == ["一", "十", "十三", "二十", "三十四"]


def test_a_reference_to_the_other_organisations_rules_is_left_out_with_its_punctuation() -> None:
    """A court's reader never sees a procuratorate's article and the other way round (seed 002 for courts,
    seed 004 for procuratorates; the central rules, seed 001, bind both)."""
    both = "（一）补记（超过记录时限，seed 002 §6、seed 004 §7）"
    assert cite(both) == "（一）补记（超过记录时限，《法院实施细则》第六条）"
    assert cite(both, PROCURATORATE) == "（一）补记（超过记录时限，《检察机关规定》第七条）"
    assert cite("报送期限（seed 002 §7，季度结束后五日内）", PROCURATORATE) == "报送期限（季度结束后五日内）"
    assert cite("月报告（seed 003 §13）", PROCURATORATE) == "月报告"
    assert cite("（seed 001 §7；seed 004 §17(1)）", COURT) == "（《三个规定》第七条）"
    assert (
        cite("（seed 001 §7；seed 004 §17(1)）", PROCURATORATE)
        == "（《三个规定》第七条；《检察机关规定》第十七条第一项）"
    )
