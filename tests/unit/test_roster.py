"""Roster validation (docs/architecture.md external interface: header and roles)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liuhen.domain.roster import REQUIRED_COLUMNS, parse_roster
from liuhen.texts import roster as texts

HEADER = ",".join(REQUIRED_COLUMNS)


def test_sample_roster_is_valid(roster_csv: str) -> None:
    roster = parse_roster(roster_csv)
    assert roster.ok, roster.errors
    assert len(roster.rows) == 10
    assert roster.overseer_of() == {"民事审判第一庭": "v001", "刑事审判庭": "v001"}
    assert "民事审判第一庭" in roster.departments()


def test_every_bad_row_is_reported_with_its_line() -> None:
    text = "\n".join(
        [
            HEADER,
            "a1,张三,一庭,审判员,staff,13800000000,",
            ",李四,一庭,审判员,staff,,",  # line 3: no staff_id
            "a3,王五,一庭,审判员,judge,,",  # line 4: unknown role
            "a1,赵六,一庭,审判员,staff,,",  # line 5: duplicate id
            "a5,钱七,一庭,审判员,staff,12ab,",  # line 6: bad phone
            "a6,孙八,一庭,审判员,staff,,一庭",  # line 7: oversees on a non-leader
        ]
    )
    roster = parse_roster(text)
    assert not roster.ok
    lines = sorted({e.line for e in roster.errors})
    assert lines == [3, 4, 5, 6, 7]
    reasons = " ".join(texts.error(e) for e in roster.errors)
    assert "第 4 行" in reasons and "judge" in reasons
    assert "与第 2 行重复" in reasons


def test_missing_header_column_is_rejected() -> None:
    roster = parse_roster("staff_id,name,department\na1,张三,一庭\n")
    assert not roster.ok
    assert roster.errors[0].line == 1
    assert "position" in texts.reason(roster.errors[0])


def test_extra_columns_are_kept_and_bom_is_accepted() -> None:
    text = "\ufeff" + HEADER + ",email\na1,张三,一庭,审判员,staff,,,z@example.org\n"
    roster = parse_roster(text)
    assert roster.ok
    assert roster.rows[0].extra == {"email": "z@example.org"}


def test_a_doubly_overseen_department_is_an_error() -> None:
    text = "\n".join(
        [
            HEADER,
            "v1,甲,院领导,副院长,vice_president,,一庭",
            "v2,乙,院领导,副院长,vice_president,,一庭",
            "s1,丙,一庭,审判员,staff,,",
        ]
    )
    roster = parse_roster(text)
    assert [texts.error(e) for e in roster.errors] == ["第 3 行：部门“一庭”已由第 2 行的 甲 分管"]


def test_an_overseen_department_not_staffed_yet_is_a_warning_not_a_refusal() -> None:
    """A vice-president may oversee a department before its people are in the roster: the import goes
    through and says so (the sign-off chain skips a level without its officer, seed 004 §13)."""
    text = "\n".join(
        [
            HEADER,
            "v1,甲,院领导,副院长,vice_president,,一庭;刑一庭",
            "s1,丙,一庭,审判员,staff,,",
        ]
    )
    roster = parse_roster(text)
    assert roster.ok
    assert any("刑一庭" in texts.warning(w) and "还没有人员" in texts.warning(w) for w in roster.warnings)
    assert "刑一庭" in roster.departments()


def test_staff_ids_are_one_person_whatever_their_case_and_control_characters_are_refused() -> None:
    duplicate = "\n".join([HEADER, "J001 ,甲,一庭,审判员,staff,,", "j001,乙,一庭,审判员,staff,,"])
    [error] = parse_roster(duplicate).errors
    assert texts.error(error) == "第 3 行：工号 j001 与第 2 行重复"
    hidden = HEADER + '\ns1,"丙\u200b",一庭,审判员,staff,,\ns2,丁,"一\t庭",审判员,staff,,'
    reasons = [texts.error(e) for e in parse_roster(hidden).errors]
    assert reasons == [
        "第 2 行：姓名（name）含有控制字符（如换行、制表符或不可见字符），请删除",
        "第 3 行：部门（department）含有控制字符（如换行、制表符或不可见字符），请删除",
    ]


def test_full_width_semicolon_separates_oversees() -> None:
    text = (
        HEADER
        + "\nv1,甲,院领导,副院长,vice_president,,一庭；二庭"
        + "\ns1,丙,一庭,审判员,staff,,\ns2,丁,二庭,审判员,staff,,\n"
    )
    roster = parse_roster(text)
    assert roster.ok
    assert roster.rows[0].oversees == ("一庭", "二庭")


def test_warnings_name_a_department_without_head() -> None:
    roster = parse_roster(HEADER + "\nk1,甲,纪检监察室,主任,discipline,,\ns1,丙,一庭,审判员,staff,,\n")
    assert roster.ok
    assert any("一庭" in w and "dept_head" in w for w in map(texts.warning, roster.warnings))


@given(st.text(max_size=400))
def test_any_text_gives_rows_or_errors_never_an_exception(text: str) -> None:
    roster = parse_roster(HEADER + "\n" + text)
    assert roster.ok or roster.errors
    assert all(texts.reason(e) for e in roster.errors)


def test_the_wecom_account_column_is_optional_checked_and_one_account_is_one_person() -> None:
    """A court on WeCom names each person's account (the enterprise's UserID); a file without the column
    still imports, and leaves the accounts as they are (``None``, not ``""``)."""
    without = parse_roster(HEADER + "\na1,张三,一庭,审判员,staff,,\n")
    assert without.ok and without.rows[0].wecom_userid is None
    text = "\n".join(
        [
            HEADER + ",wecom_userid",
            "a1,张三,一庭,审判员,staff,,,zhangsan",
            "a2,李四,一庭,审判员,staff,,,",  # no account: none
            "a3,王五,一庭,审判员,staff,,,ZhangSan",  # line 4: the same account as line 2
            "a4,赵六,一庭,审判员,staff,,,-bad name",  # line 5: not a WeCom UserID
        ]
    )
    roster = parse_roster(text)
    assert sorted(e.line for e in roster.errors) == [4, 5]
    reasons = " ".join(texts.error(e) for e in roster.errors)
    assert "与第 2 行重复" in reasons and "企业微信账号" in reasons and "-bad name" in reasons
    good = parse_roster("\n".join(text.splitlines()[:3]))
    assert good.ok
    assert [(r.staff_id, r.wecom_userid, r.extra) for r in good.rows] == [
        ("a1", "zhangsan", {}),
        ("a2", "", {}),
    ]
