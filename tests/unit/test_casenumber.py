"""Case numbers (案号; docs/domain.md "What a record holds": case number, e.g. （2021）豫0825民初123号)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuhen.domain.casenumber import (
    NOT_YET_FILED,
    PROVINCE_CODES,
    CaseNumber,
    find_case_numbers,
    parse_case_answer,
    parse_case_number,
)


@pytest.mark.parametrize(
    ("text", "normalised", "parts"),
    [
        ("（2021）豫0825民初123号", "（2021）豫0825民初123号", (2021, "豫0825", "民初", 123)),
        ("(2026)豫0825民初1187号", "（2026）豫0825民初1187号", (2026, "豫0825", "民初", 1187)),
        ("（2026）京01刑终45号", "（2026）京01刑终45号", (2026, "京01", "刑终", 45)),
        ("（2025）最高法民申100号", "（2025）最高法民申100号", (2025, "最高法", "民申", 100)),
        ("(2024)苏0623执恢12号", "（2024）苏0623执恢12号", (2024, "苏0623", "执恢", 12)),
        ("（2020）豫民终7号", "（2020）豫民终7号", (2020, "豫", "民终", 7)),
        ("（2020）最高法知民终8号", "（2020）最高法知民终8号", (2020, "最高法", "知民终", 8)),
        ("（2023）豫0825司救1号", "（2023）豫0825司救1号", (2023, "豫0825", "司救", 1)),
        ("（2023）京73民初0042号", "（2023）京73民初42号", (2023, "京73", "民初", 42)),
    ],
)
def test_examples_parse_and_normalise(text: str, normalised: str, parts: tuple[int, str, str, int]) -> None:
    number = parse_case_number(text)
    assert number is not None
    assert (number.year, number.court_code, number.type_word, number.seq) == parts
    assert number.normalised == normalised
    assert str(number) == normalised


@pytest.mark.parametrize(
    "variant",
    [
        "（2021）豫0825民初123号",
        "(2021)豫0825民初123号",
        "(2021)豫0825民初123",
        "〔2021〕豫0825民初123号",
        "[2021]豫0825民初123号",
        "［2021］豫0825民初123号",
        "【2021】豫0825民初123号",
        "﹝2021﹞豫0825民初123号",
        "（２０２１）豫０８２５民初１２３号",
        " ( 2021 ) 豫 0825 民 初 123 号 ",
        "（2021)豫0825民初123号",
        "(2021）豫0825民初0123号",
    ],
)
def test_bracket_width_spaces_and_hao_variants_normalise_equal(variant: str) -> None:
    number = parse_case_number(variant)
    assert number is not None, variant
    assert number == CaseNumber(2021, "豫0825", "民初", 123)
    assert number.normalised == "（2021）豫0825民初123号"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "123",
        "豫0825民初123号",  # no year
        "（21）豫0825民初123号",  # two-digit year
        "（1989）豫0825民初123号",  # before 1990
        "（2101）豫0825民初123号",  # after 2100
        "（2021）X0825民初123号",  # not a province abbreviation
        "（2021）港0825民初123号",  # not a mainland court code
        "（2021）豫08251民初123号",  # five-digit court number
        "（2021）豫0825民初0号",  # sequence 0
        "（2021）豫0825民初12345678号",  # sequence of eight digits
        "（2021）豫0825民事案件初审123号",  # type word of six characters
        "（2021）豫0825123号",  # no type word
        "（2021）豫0825民初号",  # no sequence
        "（2014）温民初字第123号",  # pre-2016 style
        "如检刑诉〔2016〕12号",  # a procuratorate document number
        "（2021）豫0825民初123号 另案",  # trailing text: not a bare number
        "hello world",
    ],
)
def test_garbage_is_rejected(garbage: str) -> None:
    assert parse_case_number(garbage) is None
    assert parse_case_answer(garbage) is None


def test_constructor_validates() -> None:
    with pytest.raises(ValueError):
        CaseNumber(2021, "豫0825", "民初", 0)
    with pytest.raises(ValueError):
        CaseNumber(2021, "Henan", "民初", 1)
    with pytest.raises(ValueError):
        CaseNumber(2021, "豫0825", "民初号", 1)


def test_find_case_numbers_in_ocr_text() -> None:
    text = (
        "微信  14:32\n"
        "张主任：王法官你好，关于（2021）豫0825民初123号那个案子，\n"
        "当事人是我一个老朋友，麻烦关照一下。另外 ( 2026 ) 京01 刑终 45 号\n"
        "也请留意。之前说的（2021)豫0825民初123号你看看。二审案号〔2022〕豫08\n"
        "民终77 2022年3月5日  执行案号：(2024)苏0623执恢12号已恢复执行\n"
        "电话 13800000000  （2019）豫0825民初字第5号（旧案号） 编号(2021)ABC123"
    )
    found = find_case_numbers(text)
    assert [n.normalised for n in found] == [
        "（2021）豫0825民初123号",
        "（2026）京01刑终45号",
        "（2022）豫08民终77号",
        "（2024）苏0623执恢12号",
    ]


def test_find_case_numbers_in_text_without_any() -> None:
    assert find_case_numbers("今天下午三点，某局长来电询问案件进展。") == []


@pytest.mark.parametrize(
    "answer",
    ["尚未立案", "未立案", "还没立案", "还未立案", "还没有立案。", "暂未立案", "无案号", " 尚未立案 "],
)
def test_not_yet_filed_answers(answer: str) -> None:
    assert parse_case_answer(answer) == NOT_YET_FILED == "尚未立案"


def test_case_answer_returns_the_normalised_number() -> None:
    assert parse_case_answer("(2026)豫0825民初1187号") == "（2026）豫0825民初1187号"
    assert parse_case_answer("（2026）豫0825民初1187号。") == "（2026）豫0825民初1187号"
    assert parse_case_answer("不知道") is None
    assert parse_case_answer("已立案") is None


# ---------------------------------------------------------------------------------------------------------
# Round trip: valid parts → any bracket style, width and spacing → parse → the same normalised number.

CJK_TYPE_CHARS = "民刑行执赔司救初终申再恢保异复监督催特破算辖减假知委法更核"
OPENERS = ["（", "(", "〔", "[", "［", "【", "﹝"]
CLOSERS = ["）", ")", "〕", "]", "］", "】", "﹞"]
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")

court_codes = st.one_of(
    st.builds(
        lambda p, d: p + d,
        st.sampled_from(sorted(PROVINCE_CODES)),
        st.sampled_from(["", "01", "13", "0825", "0623", "73"]),
    ),
    st.builds(lambda d: "最高法" + d, st.sampled_from(["", "01"])),
)
case_numbers = st.builds(
    CaseNumber,
    year=st.integers(1990, 2100),
    court_code=court_codes,
    type_word=st.text(alphabet=CJK_TYPE_CHARS, min_size=1, max_size=4),
    seq=st.integers(1, 9_999_999),
)
spaces = st.sampled_from(["", "", " ", "  ", "\u3000"])


@st.composite
def rendered(draw: st.DrawFn, number: CaseNumber) -> str:
    """``number`` as a person or an OCR engine might write it."""
    fullwidth = draw(st.booleans())

    def s() -> str:
        return draw(spaces)

    def digits(text: str) -> str:
        return text.translate(FULLWIDTH_DIGITS) if fullwidth else text

    prefix = number.court_code.rstrip("0123456789")
    court_digits = number.court_code[len(prefix) :]
    seq = str(number.seq).zfill(draw(st.integers(len(str(number.seq)), 7)))  # leading zeros are dropped
    parts = [
        draw(st.sampled_from(OPENERS)),
        digits(str(number.year)),
        draw(st.sampled_from(CLOSERS)),
        prefix,
        digits(court_digits),
        s().join(number.type_word),
        digits(seq),
        draw(st.sampled_from(["号", ""])),
    ]
    return s() + "".join(part + s() for part in parts)


@given(st.data(), case_numbers)
def test_round_trip_through_any_rendering(data: st.DataObject, number: CaseNumber) -> None:
    text = data.draw(rendered(number))
    parsed = parse_case_number(text)
    assert parsed == number, text
    assert parsed.normalised == number.normalised
    assert parse_case_answer(text) == number.normalised
    assert find_case_numbers(f"见{text}一案") == [number]


@given(case_numbers)
def test_normalised_form_parses_to_itself(number: CaseNumber) -> None:
    assert parse_case_number(number.normalised) == number
    assert number.normalised.startswith(f"（{number.year}）")
    assert number.normalised.endswith(f"{number.seq}号")
