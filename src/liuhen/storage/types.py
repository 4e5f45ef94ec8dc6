"""Column types shared by the tables."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from liuhen.domain.signoff import Chain, chain_from_json, chain_to_json

#: An auto-incrementing 64-bit key that SQLite also auto-increments (it needs INTEGER PRIMARY KEY).
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every engine (docs/architecture.md: store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ChainJSON(TypeDecorator[Chain]):
    """The sign-off chain, stored as JSON and read back as the typed ``Chain`` — parsed here, once, at the
    storage boundary. The court's deadline terms are not stored: a use case puts the chain under them
    (``Chain.under``) when it moves it."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Chain | None, dialect: Dialect) -> dict[str, object] | None:
        return chain_to_json(value) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> Chain | None:
        return chain_from_json(value) if value is not None else None


E = TypeVar("E", bound=enum.StrEnum)


class EnumText(TypeDecorator[E], Generic[E]):
    """A status, role or kind: stored as its plain text value (readable by SQL and by older code), read back
    as the domain's enum — an unknown value fails here, at the boundary, not deep in a use case."""

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_type = enum_type

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_type(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_type(value)


class AnswerOf(FunctionElement[str]):
    """One answer of a record's answers as text, read by the database (``json_extract`` on SQLite, ``->>``
    on PostgreSQL) instead of decoding every answer of every row: each subclass names its field (a
    ClassVar, so that the compiled statement cache tells them apart by class)."""

    type = String()
    answer: ClassVar[str]
    inherit_cache = True


class CaseNumberOf(AnswerOf):
    """The case number a record's answers name (stored normalised, ``domain/casenumber.py``), as one SQL
    expression on every engine: the ``records`` index on it (``ix_records_case_number``) is built from this
    construct and every lookup by case uses it, so the two always match character for character, as an
    expression index requires. What is on file about a case (seed 003 §18) and the records a per-case zero
    report is checked against (seed 004 §16) are then found without reading every record's answers."""

    name = "case_number_of"
    answer = "case_number"
    inherit_cache = True


class InterventionTimeOf(AnswerOf):
    """When the intervention happened, as the recorder answered it (ISO text): the month a record counts
    in for the monthly report (seed 003 §13) is read from it without decoding the rest of the answers."""

    name = "intervention_time_of"
    answer = "intervention_time"
    inherit_cache = True


def _answer_sqlite(element: AnswerOf, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_extract({compiler.process(element.clauses, **kw)}, '$.{element.answer}')"


def _answer_postgresql(element: AnswerOf, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} ->> '{element.answer}')"


for _field in (CaseNumberOf, InterventionTimeOf):
    compiles(_field, "sqlite")(_answer_sqlite)
    compiles(_field, "postgresql")(_answer_postgresql)
