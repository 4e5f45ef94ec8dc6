"""Chinese texts of the monthly reports and the per-case zero reports, beside texts/common.py."""

from __future__ import annotations

from datetime import datetime, tzinfo

from liuhen.app.usecases.casezero import Draft, Outcome, ReviewCard
from liuhen.app.usecases.monthly import Choice, Compliance, DepartmentLines, Outgoing, PressResult
from liuhen.domain import catalogue as cat
from liuhen.domain.casezero_form import TITLE_LINES
from liuhen.domain.monthly import Kind, Month, Status
from liuhen.texts import labels
from liuhen.texts.profile import COURT, Voice

MESSAGE_LIMIT = 3900  # below Telegram's 4096 characters
_WEEKDAYS = "一二三四五六日"


def _day(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日（周{_WEEKDAYS[local.weekday()]}）"


def _time(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%m月%d日 %H:%M")


# ---- the prompt (seed 003 §13) ----------------------------------------------------------------------


def question(month: Month) -> str:
    """The monthly question, word for word (seed 003 §13)."""
    return f"{labels.month(month)}是否遇到需要记录的过问、干预或接触交往？"


def button_label(choice: str, records: int) -> str:
    if choice == Choice.ZERO:
        return "没有，零报告"
    if choice == Choice.RECORDS:
        return f"确认，共{records}件"
    return "还有，去记录" if records else "有，去记录"


def prompt(o: Outgoing, tz: tzinfo) -> str:
    month = labels.month(o.month)
    head = {
        Kind.PROMPT: "【月报告】",
        Kind.REMIND: f"【月报告提醒】您{month}的月报告尚未答复，截止{_day(o.deadline, tz)}。\n",
        Kind.FINAL: f"【月报告提醒】明天（{_day(o.deadline, tz)}）截止，您{month}的月报告尚未答复。\n",
        Kind.NUDGE: f"【月报告提醒】您{month}的月报告尚未答复，截止{_day(o.deadline, tz)}，请及时答复。\n",
    }.get(o.kind, "")
    lines = [head + question(o.month)]
    if o.records:
        lines.append(f"您{month}已记录 {len(o.records)} 件：")
        for r in o.records:
            kind = f"，{cat.label(cat.RECORD_TYPES, r.record_type, r.record_type)}" if r.record_type else ""
            status = labels.record_status(r.status)
            lines.append(f"• {r.number}（{r.day.month}月{r.day.day}日{kind}，{status}）")
        lines.append(f"如无其他情况，请点“确认，共{len(o.records)}件”；还有未记录的，请点“还有，去记录”。")
    else:
        lines.append("没有请点“没有，零报告”；有请点“有，去记录”。按规定，没有相关情况的也要进行“零报告”。")
    if o.kind is Kind.PROMPT:
        lines.append(f"请于{_day(o.deadline, tz)}前答复。")
    return "\n".join(lines)


def answered_stamp(r: PressResult, tz: tzinfo) -> str:
    """Appended to the prompt when its button is pressed (the buttons go)."""
    assert r.answer is not None
    what = {
        Choice.ZERO: "零报告",
        Choice.RECORDS: f"确认共{r.answer.record_count}件",
        Choice.HAS: "有，去记录",
    }.get(r.answer.answer, r.answer.answer)
    return f"✅ 已答复：{what}（{_time(r.answer.answered_at, tz)}）"


GO_RECORD = (
    "好的。请直接把相关消息转发给我，或发送截图、语音、照片、文件，也可以直接打字说明——"
    "我会先留存证据并开启一条新记录，再问还缺的几项。"
)


def answered(r: PressResult, tz: tzinfo) -> str:
    assert r.answer is not None and r.month is not None
    late = "（已过截止时间，按逾期答复记录）" if r.late else ""
    if r.answer.answer == Choice.ZERO:
        return f"已记录您{labels.month(r.month)}的零报告{late}。感谢！"
    if r.answer.answer == Choice.RECORDS:
        return f"已确认您{labels.month(r.month)}的月报告：共{r.answer.record_count}件记录{late}。"
    return GO_RECORD


def already(r: PressResult, tz: tzinfo) -> str:
    assert r.answer is not None and r.month is not None
    text = f"您已于{_time(r.answer.answered_at, tz)}答复过{labels.month(r.month)}的月报告，以首次答复为准。"
    if r.choice == Choice.HAS:
        text += "\n" + GO_RECORD
    return text


BUTTON_FORBIDDEN = "该按钮无效或已过期。"


# ---- status and the compliance notice (seed 003 §13, §20) -------------------------------------------


def monthly_denied(v: Voice = COURT) -> str:
    return (
        f"月报告执行情况仅部门负责人（本部门）、纪检监察部门、{v.chief}、{v.management}（仅数字）"
        "和系统管理员可以查看。"
    )


MONTHLY_USAGE = "用法：/monthly 或 /monthly 2026-11（查看某月的月报告执行情况）。"

_ORDER = (Status.RECORDS, Status.ZERO, Status.DECLARED, Status.MISSED, Status.UNREACHABLE)


def _counts(counts: dict[Status, int]) -> str:
    return "，".join(
        f"{labels.MONTHLY_STATUS[s]} {counts[s]}" for s in _ORDER if counts[s] or s is not Status.DECLARED
    )


def department_name(d: DepartmentLines) -> str:
    return d.name or "（未知部门）"


def _department(d: DepartmentLines, *, names: bool) -> list[str]:
    lines = [f"■ {department_name(d)}：应报 {len(d.people)} 人；{_counts(d.counts())}"]
    if not names:
        return lines
    for status in _ORDER:
        people = d.with_status(status)
        if not people:
            continue
        shown = []
        for p in people:
            extra = []
            if status is Status.RECORDS:
                extra.append(f"{p.records}件")
            if p.delivery:
                extra.append(labels.delivery(p.delivery))
            if p.late:
                extra.append("逾期")
            shown.append(p.name + (f"（{'，'.join(extra)}）" if extra else ""))
        lines.append(f"  {labels.MONTHLY_STATUS[status]}：{'、'.join(shown)}")
    return lines


def compliance(c: Compliance, tz: tzinfo, *, notice: bool = False) -> list[str]:
    """The status (`/monthly`) or the notice after the deadline (月报告执行情况通报), split into messages."""
    if notice:
        head = (
            f"【月报告执行情况通报】{c.court_name} {labels.long_month(c.month)}（截止{_day(c.deadline, tz)}）"
        )
    else:
        state = "（已截止）" if c.final else f"（截至{_time(c.as_of, tz)}，{_day(c.deadline, tz)}截止）"
        head = f"【{labels.long_month(c.month)}月报告执行情况】{state}"
    lines = [head, f"应报 {c.people} 人：{_counts(c.totals())}"]
    if not c.departments:
        lines.append("本月尚无应报人员。")
    for d in c.departments:
        lines += _department(d, names=not c.counts_only)
    if c.flags:
        n = c.policy.suspicious_months
        lines.append(f"⚠️ 连续 {n} 个月均为零报告、且办案较多（“零记录”“零报告”问题，需重点关注）：")
        for f in c.flags:
            who = f.name if f.kind == "department" else f"{f.name}（{f.department}）"
            lines.append(f"  {'部门' if f.kind == 'department' else '个人'}：{who}，{f.cases} 件案件")
    if notice:
        lines.append("明细：liuhen report monthly " + str(c.month) + " -o 通报.pdf / .xlsx")
    return _chunks(lines)


def _chunks(lines: list[str]) -> list[str]:
    messages: list[str] = []
    current = ""
    for line in lines:
        line = line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 1] + "…"
        if current and len(current) + 1 + len(line) > MESSAGE_LIMIT:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        messages.append(current)
    return messages


# ---- per-case zero reports (seed 004 §16) ---------------------------------------------------------

CASEZERO_ASK = (
    "【逐案零报告】请发送您承办案件的案号（如：（2026）豫0825民初1187号）。发送“取消”放弃。\n"
    "可在案号后写明各方代理律师及律师事务所（如：…1187号 代理律师张某 某某律师事务所），"
    "系统将与回避台帐核对。\n"
    "办理案件中没有遇到干预、插手、过问案件情况的，应当作出零报告，由部门负责人确认后随案入卷。"
)
CASEZERO_INVALID = "没有认出案号。请重新发送（如：（2026）豫0825民初1187号），或发送“取消”。"
CASEZERO_NOT_FILED = "逐案零报告针对已立案的案件，请发送案号，或发送“取消”。"
CASEZERO_CANCELLED = "已取消逐案零报告。"
BUTTON_SUBMIT = "确认提交"
BUTTON_ACK = "我已知悉，仍提交"
BUTTON_CANCEL = "取消"
BUTTON_CONFIRM = "确认"
BUTTON_DISPUTE = "有异议"
CASEZERO_STALE = "该案现在有您的记录，请重新发送 /casezero 核对后再提交。"


def statement_block(case_statement: str, officer: str, reviewer: str = "（待确认）") -> str:
    return "\n".join([*TITLE_LINES, case_statement, f"报告人：{officer}", f"部门负责人：{reviewer}"])


def casezero_draft(d: Draft) -> str:
    if d.kind == "exists":
        return f"您已就{d.case_number}提交过逐案零报告 {d.existing}，无需重复提交。"
    body = statement_block(d.statement, d.officer_name)
    if d.counsel:
        body += f"\n本案代理律师：{d.counsel}"
    if d.kind == "acknowledge":
        return (
            f"⚠️ 您在本案有 {len(d.own_records)} 件记录：{'、'.join(d.own_records)}。\n"
            "零报告声明“没有出现干预、插手和过问”与这些记录不一致。只有确认这些记录不属于对本案的干预、过问"
            "（例如已认定为正常履职）时，才可点“我已知悉，仍提交”；提交时将注明您已知悉上述记录。\n\n"
            f"{body}"
        )
    return f"请核对逐案零报告：\n\n{body}\n\n确认无误请点“确认提交”。"


def casezero_submitted(o: Outcome) -> str:
    assert o.report is not None
    if o.kind == "no_reviewer":
        who = f"（{o.reviewer_name} 尚未登记机器人）" if o.reviewer_name else "（名册中没有您部门的负责人）"
        return f"逐案零报告 {o.report.number} 已提交，但暂时无法送部门负责人确认{who}。请联系信息管理员。"
    return f"逐案零报告 {o.report.number} 已提交，待部门负责人 {o.reviewer_name} 确认。"


def casezero_card(c: ReviewCard) -> str:
    ack = f"\n（报告人已知悉其在本案的记录：{'、'.join(c.acknowledged)}）" if c.acknowledged else ""
    ack += f"\n本案代理律师：{c.counsel}" if c.counsel else ""
    return (
        f"【逐案零报告待确认】{c.number}\n{c.officer_name}（{c.department}）承办{c.case_number}，"
        f"报告如下：\n{c.statement}{ack}\n"
        "请确认（确认后随案入卷）："
    )


def casezero_reviewed(o: Outcome) -> str:
    assert o.report is not None
    if o.kind == "confirmed":
        return f"已确认逐案零报告 {o.report.number}，已通知{o.officer_name}。"
    if o.kind == "disputed":
        return f"已记录您对逐案零报告 {o.report.number} 的异议。请直接发送一段文字说明理由。"
    return f"逐案零报告 {o.report.number} 已处理（{labels.casezero_status(o.report.status)}）。"


def casezero_to_officer(o: Outcome) -> str:
    assert o.report is not None
    if o.kind == "confirmed":
        return (
            f"您的逐案零报告 {o.report.number}（{o.report.case_number}）已由{o.reviewer_name}确认。"
            "附件为确认后的报告，可打印随案入卷。"
        )
    return (
        f"{o.reviewer_name}对您的逐案零报告 {o.report.number}（{o.report.case_number}）提出异议，"
        "稍后会说明理由。"
    )


def casezero_note(o: Outcome) -> str:
    assert o.report is not None
    return f"{o.reviewer_name}对逐案零报告 {o.report.number} 的异议说明：{o.report.review_note}"


def casezero_noted(number: str) -> str:
    return f"异议说明已记录（逐案零报告 {number}）。"
