"""Catalogues as data with their source article (docs/architecture.md "Layers"; docs/domain.md "What a
record holds")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from liuhen.domain import catalogue as c

# The articles' passages, verbatim from the seeds (seed 001 实施办法 §7, seed 002 §9, seed 004 §11).
SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
NUMERALS = "一二三四五六七八九十"


def chinese_numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    return "十" + NUMERALS[n - 11]


def seed_text(prefix: str) -> str:
    files = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert files, f"seed {prefix} not found at {SEEDS}"
    return files[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(c.CATALOGUES))
def test_keys_and_labels_are_unique_and_every_entry_has_a_source_and_a_button_label(name: str) -> None:
    catalogue = c.CATALOGUES[name]
    assert catalogue, name
    keys = [e.key for e in catalogue]
    assert len(keys) == len(set(keys)), name
    labels = [e.label for e in catalogue]
    assert len(labels) == len(set(labels)), name
    for entry in catalogue:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", entry.key), entry
        assert entry.label.strip(), entry
        assert len(entry.label) <= 20, f"{entry.label!r} is too long for a button"
        assert entry.source.startswith("seed 00"), entry


def test_seed_001_implementing_measures_article_7_has_15_special_items() -> None:
    """seed 001 实施办法 §7 lists (一)…(十五); each item is kept verbatim, numbered in order."""
    items = c.special_items("court")
    assert items is c.SPECIAL_ITEMS_COURT
    assert len(items) == 15
    text = seed_text("001")
    for n, item in enumerate(items, start=1):
        assert item.source == f"seed 001 实施办法 §7({n})"
        assert re.search(rf"（{chinese_numeral(n)}）{re.escape(item.text)}[；。]", text), item
    assert items[12].key == "commutation_parole"
    assert items[-1].text == "其它有必要作为特别报告事项的行为"


def test_seed_002_article_9_has_14_special_items() -> None:
    """seed 002 §9 (温县法院细则) lists 14 items: seed 001's 15 without (十三) 减刑、假释."""
    items = c.special_items("county")
    assert items is c.SPECIAL_ITEMS_COUNTY
    assert len(items) == 14
    text = seed_text("002")
    for n, item in enumerate(items, start=1):
        assert item.source == f"seed 002 §9({n})"
        assert re.search(rf"[（(]{chinese_numeral(n)}[）)]\s*{re.escape(item.text)}[；;。]", text), item
    court_keys = [i.key for i in c.SPECIAL_ITEMS_COURT]
    assert [i.key for i in items] == [k for k in court_keys if k != "commutation_parole"]


def test_seed_004_article_11_items_for_the_procuratorate() -> None:
    """seed 004 has no 特别报告事项; its §11 (behaviours to record) is offered instead, verbatim."""
    items = c.special_items("procuratorate")
    assert len(items) == 10
    text = seed_text("004")
    for n, item in enumerate(items, start=1):
        assert item.source == f"seed 004 §11({n})"
        assert re.search(rf"（{chinese_numeral(n)}）{re.escape(item.text)}[；。]", text), item


def test_unknown_special_item_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="court"):
        c.special_items("supreme")


def test_special_item_hint_is_its_full_text() -> None:
    item = c.SPECIAL_ITEMS_COURT[13]
    assert item.hint == item.text
    assert item.text.startswith("批转案件当事人")


def test_record_types_of_seed_003_article_11_and_record_anyway_of_article_5() -> None:
    types = c.by_key(c.RECORD_TYPES)
    assert [t.label for t in c.RECORD_TYPES[:3]] == ["外部人员过问", "内部人员过问", "接触交往"]
    assert all("seed 003 §11" in types[k].source for k in ("external", "internal", "contact"))
    assert types["uncertain"].source == "seed 003 §5"
    assert all(t.hint for t in c.RECORD_TYPES)


def test_method_keys_and_oral_electronic_groups_seed_001_implementing_measures_article_4() -> None:
    assert [m.key for m in c.METHODS] == [
        "face_to_face",
        "phone",
        "sms",
        "wechat",
        "email",
        "microblog",
        "letter",
        "meeting",
        "materials",
        "other",
    ]
    oral, electronic = c.ORAL_METHODS, c.ELECTRONIC_METHODS
    assert oral == {"face_to_face", "phone", "meeting"}  # a coordination meeting is held orally
    assert electronic == {"sms", "wechat", "email", "microblog"}
    assert not oral & electronic
    assert oral | electronic <= c.keys(c.METHODS)


def test_relations_of_seed_001_article_5() -> None:
    assert [r.key for r in c.RELATIONS] == ["self", "staff", "relative", "organisation"]
    assert c.label(c.RELATIONS, "organisation") == "以组织名义发文发函"


def test_organ_categories_and_stages_are_complete() -> None:
    assert len(c.ORGAN_CATEGORIES) == 14
    assert {"party", "congress", "government", "cppcc", "military", "other"} <= c.keys(c.ORGAN_CATEGORIES)
    assert [s.label for s in c.STAGES] == [
        "线索核查",
        "立案",
        "侦查",
        "审查起诉",
        "审判",
        "执行",
        "申诉",
        "赔偿",
        "司法救助",
        "减刑假释",
    ]


def test_dispositions_cite_their_articles() -> None:
    d = c.by_key(c.DISPOSITIONS)
    assert {"quarterly", "immediate", "transfer", "investigate", "exempt", "false_record"} <= d.keys()
    assert "seed 001 实施办法 §5" in d["exempt"].source
    assert d["false_record"].source == "seed 004 §20"
    assert d["false_record"].label == "不实记录（予以澄清）"
    assert "seed 001 §7" in d["immediate"].source


def test_responses_offer_refusal_and_other() -> None:
    assert c.RESPONSES[0].label == "告知相关规定并拒绝"
    assert c.RESPONSES[-1].key == "other"


def test_label_and_by_key_helpers() -> None:
    assert c.label(c.METHODS, "wechat") == "微信"
    assert c.label(c.SPECIAL_ITEMS_COURT, "commutation_parole") == "减刑假释从严或从宽"
    with pytest.raises(KeyError):
        c.label(c.METHODS, "fax")
    assert c.label(c.METHODS, "fax", default="fax") == "fax"
    index = c.by_key(c.STAGES)
    assert list(index) == [s.key for s in c.STAGES]
    assert index["trial"].label == "审判"


def test_entries_are_immutable() -> None:
    with pytest.raises(AttributeError):
        c.METHODS[0].label = "x"  # type: ignore[misc]
