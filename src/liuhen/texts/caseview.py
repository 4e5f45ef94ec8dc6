"""The case view in words (seed 003 §18): `/case 案号` and `liuhen records case 案号`. Only what the reader
may see is ever given to these functions (need-to-know, seed 003 §12): the answer for a case with nothing the
reader may see is the same whether or not anything is on file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo

from liuhen.app.usecases.caseview import CaseView, NotACase, Problem, RecordLine, ZeroLine
from liuhen.domain import catalogue as cat
from liuhen.domain.casezero import CaseZeroStatus
from liuhen.texts import labels
from liuhen.texts.citations import cite
from liuhen.texts.profile import COURT, Voice

MESSAGE_LIMIT = 3900  # below Telegram's 4096 characters
GIST_MAX = 60
EXAMPLE = "（2026）豫0825民初1187号"

USAGE = (
    f"用法：/case 案号，如 /case {EXAMPLE}\n"
    "列出本案中您有权查看的干预过问记录和逐案零报告（案件提交讨论前报告用）。"
)
_PROBLEMS: Mapping[Problem, str] = {
    Problem.MISSING: "请在 /case 后写上案号。",
    Problem.UNREADABLE: "没有认出案号“{text}”。",
    Problem.NOT_FILED: "尚未立案的案件没有案号，无法按案号查询。",
}

#: The command line's table headings.
RECORD_COLUMNS = ("编号", "类型", "状态", "过问人", "过问时间", "记录人", "摘要")
ZERO_COLUMNS = ("编号", "报告人", "状态", "确认情况")


def problem(exc: NotACase) -> str:
    """Why the input names no case (the bot adds the usage)."""
    return _PROBLEMS[exc.problem].format(text=exc.text[:40])


def usage(exc: NotACase) -> str:
    return f"{problem(exc)}\n{USAGE}"


def nothing(case: str) -> str:
    return f"{case}：该案暂无可供您查看的干预过问记录或逐案零报告。"


def title(case: str) -> str:
    return f"【本案干预过问情况】{case}"


def records_count(n: int) -> str:
    return f"您可查看的记录 {n} 件："


def zero_count(n: int) -> str:
    return f"逐案零报告 {n} 份："


def record_type(key: str | None) -> str:
    return cat.label(cat.RECORD_TYPES, key, key) if key else "类型未填"


def gist(line: RecordLine) -> str:
    text = line.gist or "（无文字内容，见证据）"
    return text if len(text) <= GIST_MAX else text[: GIST_MAX - 1] + "…"


def confirmation(z: ZeroLine, tz: tzinfo) -> str:
    """Who confirmed the report and when, or whom it waits for (seed 004 §16: 由部门主要负责人确认)."""
    who = z.reviewer_name or "部门负责人"
    if z.status == CaseZeroStatus.CONFIRMED.value:
        return f"{who} 于 {labels.when(z.reviewed_at, tz)} 确认"
    if z.status == CaseZeroStatus.DISPUTED.value:
        return f"{who} 于 {labels.when(z.reviewed_at, tz)} 提出异议"
    return f"待{who}确认"


def record_block(n: int, r: RecordLine, tz: tzinfo) -> str:
    return "\n".join(
        [
            f"{n}. {r.number}｜{record_type(r.record_type)}｜{labels.record_status(r.status)}",
            f"   过问人：{r.intervener or '未填'}",
            f"   过问时间：{labels.when(r.intervention_time, tz)}",
            f"   记录人：{r.recorder_name or '—'}",
            f"   摘要：{gist(r)}",
        ]
    )


def zero_block(n: int, z: ZeroLine, tz: tzinfo) -> str:
    made = labels.when(z.created_at, tz)
    return f"{n}. {z.number}｜报告人 {z.officer_name or '—'}（{made}）｜{confirmation(z, tz)}"


FORM_HINT = "登记表：/form 编号。"


def footer(v: Voice = COURT) -> str | None:
    """The rule the view serves, for an organisation that follows it (seed 003 is a court's)."""
    if "003" not in v.documents:
        return None
    rule = "案件提交专业法官会议或审判委员会讨论前，承办法官应当先行报告本案记录的干预过问情况"
    return cite(f"{rule}（seed 003 §18）。", v)


def view(case: CaseView, tz: tzinfo, v: Voice = COURT) -> list[str]:
    """The bot's answer, in as many messages as it takes (a record's lines are never split)."""
    if case.empty:
        return [nothing(case.case_number)]
    blocks = [title(case.case_number)]
    if case.records:
        blocks.append(records_count(len(case.records)))
        blocks += [record_block(n, r, tz) for n, r in enumerate(case.records, 1)]
    if case.zero_reports:
        blocks.append(zero_count(len(case.zero_reports)))
        blocks += [zero_block(n, z, tz) for n, z in enumerate(case.zero_reports, 1)]
    end = [line for line in (footer(v), FORM_HINT if case.records else None) if line]
    if end:
        blocks.append("".join(end))
    return _messages(blocks)


def _messages(blocks: list[str]) -> list[str]:
    messages: list[str] = []
    current = ""
    for block in blocks:
        block = block if len(block) <= MESSAGE_LIMIT else block[: MESSAGE_LIMIT - 1] + "…"
        if current and len(current) + 1 + len(block) > MESSAGE_LIMIT:
            messages.append(current)
            current = block
        else:
            current = f"{current}\n{block}" if current else block
    if current:
        messages.append(current)
    return messages
