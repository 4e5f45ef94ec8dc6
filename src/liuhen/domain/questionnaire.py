"""The questions that complete a record, as data (DESIGN.md; issue 5 asks them one at a time).

Each field names the registration-form row (seed 004 登记表) or article it comes from. ``missing`` gives
the fields still to answer, in asking order; the receipt shows their count ("还差 N 项").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from liuhen.domain.catalogue import ELECTRONIC_METHODS, ORAL_METHODS

Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    source: str
    required: bool = True
    applies: Callable[[Answers], bool] = lambda _a: True


FIELDS: tuple[Field, ...] = (
    Field("record_type", "记录类型", "seed 003 §11"),
    Field("intervention_time", "过问时间", "seed 004 登记表"),
    Field("method", "过问方式", "seed 004 登记表; seed 001 实施办法 §4"),
    Field("intervener_name", "过问人姓名", "seed 004 登记表"),
    Field("intervener_unit", "过问人所在单位及职务", "seed 004 登记表"),
    Field("case", "被过问案件（案号、案由、诉讼阶段、承办人）", "seed 004 登记表"),
    Field("content", "主要内容", "seed 004 登记表"),
    Field(
        "storage_medium",
        "信息存储介质",
        "seed 001 实施办法 §4",
        applies=lambda a: a.get("method") in ELECTRONIC_METHODS,
    ),
    Field(
        "place_and_present",
        "发生场所及在场人员",
        "seed 001 实施办法 §4",
        applies=lambda a: a.get("method") in ORAL_METHODS,
    ),
    Field("response", "记录人答复的形式及内容", "seed 004 登记表"),
    Field("special_items", "特别报告事项", "seed 001 实施办法 §7", required=False),
    Field("special_notes", "需要特别说明的事项", "seed 004 登记表, §18", required=False),
)


def missing(answers: Answers) -> list[Field]:
    """Required fields that apply and have no answer yet, in asking order."""
    return [f for f in FIELDS if f.required and f.applies(answers) and f.key not in answers]
