"""Enrolment codes: ≥ 64 bits, hashed, forgiving to type."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from liuhen.app.usecases.enrolment import CODE_BYTES, hash_code, new_code, normalise_code


def test_codes_carry_at_least_64_bits_and_differ() -> None:
    assert CODE_BYTES * 8 >= 64
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    assert len(code) * math.log2(32) >= 64
    assert code.isalnum() and code.upper() == code


@given(st.sampled_from([" ", "-", "", "  "]), st.booleans())
def test_typing_variants_hash_alike(separator: str, lower: bool) -> None:
    code = new_code()
    typed = separator.join([code[:4], code[4:8], code[8:12], code[12:]])
    typed = typed.lower() if lower else typed
    assert normalise_code(typed) == code
    assert hash_code(typed) == hash_code(code)


def test_hash_is_not_the_code() -> None:
    code = new_code()
    assert code not in hash_code(code)
    assert len(hash_code(code)) == 64
