"""Documents cite the rules by their names and articles, never by the code's seed numbers."""

from __future__ import annotations

from liuhen.texts.citations import cite, numeral


def test_articles_read_as_their_readers_know_them() -> None:
    assert cite("（seed 002 §7，季度结束后五日内）") == "（《法院实施细则》第七条，季度结束后五日内）"
    assert cite("seed 001 实施办法 §6、seed 002 §7") == "《最高法实施办法》第六条、《法院实施细则》第七条"
    assert cite("seed 004 §17(2)") == "《检察机关规定》第十七条第二项"
    assert cite("seed 004 登记表") == "《检察机关规定》附登记表"
    assert [numeral(n) for n in (1, 10, 13, 20, 34)] == ["一", "十", "十三", "二十", "三十四"]
