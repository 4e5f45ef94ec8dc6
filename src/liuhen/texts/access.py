"""Refusals of need-to-know in words (seed 003 §12 严格保密): the same answer whether the record exists or
not."""

from __future__ import annotations

from liuhen.app.usecases.access import AccessDenied, Denial

_DENIALS: dict[Denial, str] = {
    Denial.RECORD: "未找到该记录，或您无权查看。",
    Denial.CASEZERO: "未找到该逐案零报告，或您无权查看。",
    Denial.SUMMARY: "您无权查看该汇总。",
    Denial.NO_COURT: "没有法院 {court}。",
    Denial.OTHER_COURT: "只能查看本院及下级法院的汇总。",
}


def denied(exc: AccessDenied) -> str:
    return _DENIALS[exc.denial].format(court=exc.court)
