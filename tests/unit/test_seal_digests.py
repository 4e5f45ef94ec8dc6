"""A field's digest is the SHA-256 of the canonical JSON of ``[kind, name, value]`` (seed 003 §12, seed 004
§15: 全程留痕、有据可查): the seals written since the register began are compared with digests made now, so
the fast path for plain values must give the very bytes ``canonical_json`` gives, for every value."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from liuhen.domain.ledger import canonical_json
from liuhen.domain.seals import DIGEST_HEX, SEALED, Kind, field_digest, plain

MADE = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)


def reference(kind: Kind, name: str, value: Any) -> str:
    return hashlib.sha256(canonical_json([kind.value, name, plain(value)])).hexdigest()[:DIGEST_HEX]


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(),
    st.text(st.sampled_from('"\\/\n\t\x00\x1f\x7f\u2028王（号）😀 aZ9')),  # what JSON escapes, CJK, emoji
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(timezones=st.just(UTC)),
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
)
fields = st.sampled_from([(kind, name) for kind, sealed in SEALED.items() for name in sealed.fields])


@settings(max_examples=300)
@given(fields, values)
def test_a_fields_digest_is_the_digest_of_its_canonical_json(field: tuple[Kind, str], value: Any) -> None:
    kind, name = field
    assert field_digest(kind, name, value) == reference(kind, name, value)


def test_the_usual_values_digest_as_they_always_did() -> None:
    """Digests of values as a register holds them, taken before the fast path existed: the seals already in
    the ledgers still verify."""
    cases = [
        (Kind.EVIDENCE, "media_type", "application/json", "005e67c5ab7540d2dd62fdb54104bdf8"),
        (Kind.RECORD, "status", "submitted", "39aedcb3574452fccc6184897297b069"),
        (Kind.RECORD, "number", "LH-2026-0001", "4d084fee6cd7b48e3232cd4cfc6ebfb0"),
        (Kind.EVIDENCE, "size", 12345, "0269438f6ae8544f78677c337ccab534"),
        (Kind.EVIDENCE, "file_name", '王某 "截图"\n.png', "fad83eb88dd7f99604e3f289a8fbc953"),
        (
            Kind.RECORD,
            "answers",
            {"case_number": "（2026）豫0825民初1187号", "severe": None},
            "10fe5b8156e3a0a2eae2c6ec44bf6d7e",
        ),
        (
            Kind.RECORD,
            "created_at",
            datetime(2026, 11, 23, 1, 30, tzinfo=UTC),
            "a9656a5f8bf81bbb5215eaa3105cebdd",
        ),
        (Kind.EVIDENCE, "seq", True, "d2fce18fc0983e1eb5c9dfff6f70bc19"),
        (Kind.EVIDENCE, "media_type", None, "22b7e2ca6c47502ce78f7aaa5a4030c4"),
    ]
    for kind, name, value, digest in cases:
        assert field_digest(kind, name, value) == digest, (kind, name, value)
