"""The discipline office's follow-through in words (分流处理: seed 004 §17–§20; 结果反馈: §19)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo

from liuhen.app.usecases.followup import SYSTEM, Act, Card, Nudge, Outcome, Result, Told
from liuhen.app.usecases.intake import Button
from liuhen.domain.followup import Finding, FollowUp, Kind, State, Step
from liuhen.texts.labels import when as local_time
from liuhen.texts.profile import COURT, Voice

KINDS: Mapping[Kind, str] = {
    Kind.TRANSFER: "移送过问人所在单位纪检监察机构",
    Kind.ESCALATE: "报上一级纪检监察机构处理",
    Kind.INVESTIGATE: "本院调查处理",
    Kind.FALSE_RECORD: "不实记录澄清",
}
#: Why the step is owed (seed 004 §17(2), (3), §19, §20, §25), in words.
WHY: Mapping[Kind, str] = {
    Kind.TRANSFER: "三个工作日内告知其所在单位纪检监察机构，并移交记录复印件",
    Kind.ESCALATE: "过问人系本院领导班子成员，报上一级纪检监察机构处理",
    Kind.INVESTIGATE: "按干部管理权限调查处理，结果反馈记录人",
    Kind.FALSE_RECORD: "查明不实原因，向被记录人澄清；故意不实记录的依规追责",
}
STATES: Mapping[State, str] = {
    State.AWAITING_CHIEF: "待院长批准（不采纳记录人暂缓调查的建议）",
    State.OPEN: "待办",
    State.SENT: "已发出，待对方签收或反馈",
    State.ACKNOWLEDGED: "对方已签收，待反馈",
    State.CLOSED: "已办结",
}
FINDINGS: Mapping[Finding, str] = {Finding.TRUE: "属实", Finding.PARTLY: "部分属实", Finding.UNTRUE: "不属实"}

_BUTTONS: Mapping[Act, str] = {
    Act.SEND: "已发出，登记接收单位",
    Act.ACKNOWLEDGE: "对方已签收",
    Act.FEEDBACK: "登记反馈结果",
    Act.TYPICAL: "列为典型案例",
}
_CAUSE = {"yes": "系故意不实", "no": "非故意（误记等）"}
_APPROVE = {"yes": "批准", "no": "不批准"}

NONE_OPEN = "您目前没有待办的分流处理事项。"
ONLY_DISCIPLINE = "分流处理事项由纪检监察部门办理。"
FORBIDDEN = "该按钮不属于您，或已失效。"
CLOSED = "该事项已办结。"
STALE = "该步骤已办理，请看最新的事项卡片（/followup）。"


def button_label(b: Button) -> str:
    if b.act is Act.FIND:
        return FINDINGS[Finding(b.shows)]
    if b.act is Act.CAUSE:
        return _CAUSE[b.shows]
    if b.act is Act.APPROVE:
        return _APPROVE[b.shows]
    return _BUTTONS[Act(b.act)]


def kind(f: FollowUp) -> str:
    return KINDS[Kind(f.kind)]


def history(f: FollowUp, tz: tzinfo) -> list[str]:
    """What has been done, as the card and the desk show it."""
    lines = []
    if f.receiver:
        lines.append(f"接收单位：{f.receiver}（{local_time(f.sent_at, tz)} 发出）")
    if f.acknowledged_at:
        lines.append(f"对方签收：{local_time(f.acknowledged_at, tz)}")
    if f.finding:
        lines.append(f"调查结论：{FINDINGS[Finding(f.finding)]}")
    if f.intentional is not None:
        lines.append(f"不实原因：{'故意' if f.intentional else '非故意'}")
    if f.outcome:
        lines.append(f"{'处理结果' if f.kind != Kind.FALSE_RECORD.value else '原因说明'}：{f.outcome}")
    if f.typical:
        lines.append("已列为典型案例（纳入季度分析）")
    return lines


_HEADS: Mapping[Nudge, str] = {
    Nudge.NEW: "【分流处理 · 新事项】",
    Nudge.LIST: "【分流处理】",
    Nudge.DUE_SOON: "【分流处理 · 明日到期】",
    Nudge.OVERDUE: "【分流处理 · 已逾期】",
    Nudge.HEAD: "【分流处理逾期 · 请督办】",
    Nudge.CHIEF: "【分流处理逾期 · 请督办】",
    Nudge.APPROVAL: "【请批准 · 不采纳暂缓调查建议】",
    Nudge.ABOVE: "【下级报送 · 请登记处理结果】",
}


def card(c: Card, tz: tzinfo) -> str:
    f = c.followup
    head = _HEADS[c.nudge]
    if c.nudge in (Nudge.HEAD, Nudge.CHIEF):
        late = "已逾期" if c.nudge is Nudge.HEAD else "逾期已超过三个工作日"
        return (
            f"{head}记录 {f.number} 的{kind(f)}{late}（期限 {local_time(f.due_at, tz)}），"
            f"承办人 {c.owner or '—'}，当前：{STATES[State(f.state)]}。"
        )
    if c.nudge is Nudge.ABOVE:  # the office a 报上一级 went to (seed 004 §17(2))
        done = "处理后点“登记反馈结果”，回复处理结果；" if f.open else "已登记处理结果。"
        return (
            f"{head}{c.below}纪检监察部门将记录 {f.number} 报送本级处理（过问人系其领导班子成员）。"
            f"期限 {local_time(f.due_at, tz)}。{done}"
            "结果将反馈下级纪检监察部门和记录人，不告知过问人。"
        )
    if c.nudge is Nudge.APPROVAL:
        return (
            f"{head}记录 {f.number}：记录人建议暂缓调查（口头过问，未留痕迹）；"
            f"纪检监察部门不采纳，拟{kind(f)}。"
            "不采纳须经院长批准。批准后由纪检监察部门办理；不批准则维持暂缓，并告知记录人。"
        )
    lines = [
        f"{head}记录 {f.number}：{kind(f)}",
        f"依据：{WHY[Kind(f.kind)]}",
        f"期限：{local_time(f.due_at, tz)}　当前：{STATES[State(f.state)]}",
        *history(f, tz),
    ]
    if f.open:
        lines.append(_next(f))
    return "\n".join(lines)


def state(f: FollowUp) -> str:
    return STATES[State(f.state)]


def next_hint(f: FollowUp) -> str:
    return _next(f)


def _next(f: FollowUp) -> str:
    if f.state == State.AWAITING_CHIEF.value:
        return "已报院长批准（不采纳暂缓调查建议），批准后即可办理。"
    steps = f.next_steps()
    if Step.SEND in steps:
        return "发出后点“已发出，登记接收单位”，系统生成移送函（附登记表）。"
    if Step.ACKNOWLEDGE in steps:
        return "对方签收后点“对方已签收”；收到处理结果后点“登记反馈结果”。"
    if Step.FEEDBACK in steps and through_system(f):
        return (
            f"已通过系统报送{f.receiver}纪检监察部门，由其登记处理结果；"
            "收到书面处理结果的，也可点“登记反馈结果”。"
        )
    if Step.FEEDBACK in steps:
        return "收到处理结果后点“登记反馈结果”。"
    if Step.FIND in steps:
        return "调查结束后点选调查结论，再写明采取的处理措施。"
    return "查明后点选是否故意，再写明不实原因；系统生成澄清说明。"


def through_system(f: FollowUp) -> bool:
    """A 报上一级 the system delivered to the office above (it registers the result there)."""
    return any(s.get("step") == Step.SEND.value and s.get("by") == SYSTEM for s in f.steps)


def open_count(n: int) -> str:
    return f"待办的分流处理事项 {n} 项（逾期的在前）："


_ASK: Mapping[Step, str] = {
    Step.SEND: "请回复接收单位（如：某市公安局纪检监察室）。",
    Step.FEEDBACK: "请回复处理结果（如：已立案审查，给予诫勉谈话）。",
    Step.FIND: "调查结论：{arg}。请写明采取的处理措施（不属实的，写明核查情况）。",
    Step.CAUSE: "{arg}。请写明不实的原因和核查情况。",
}


def ask(r: Result) -> str:
    assert r.step is not None and r.followup is not None
    arg = FINDINGS[Finding(r.arg)] if r.step is Step.FIND else _CAUSE.get(r.arg, "")
    return f"【{r.followup.number}】" + _ASK[r.step].format(arg=arg)


_OUTCOMES: Mapping[Outcome, str] = {
    Outcome.CLOSED: CLOSED,
    Outcome.EMPTY: "内容不能为空，请重新回复。",
    Outcome.FORBIDDEN: FORBIDDEN,
    Outcome.STALE: STALE,
}


def problem(r: Result) -> str:
    return _OUTCOMES[r.outcome]


def told(t: Told, tz: tzinfo, v: Voice = COURT) -> str:
    """The outcome as the recorder (or the intervener's department head) is told it: never who recorded."""
    f = t.followup
    if t.overridden:
        return (
            f"【处理进展】您记录的 {f.number}：纪检监察部门未采纳您暂缓调查、通报的建议，经院长批准，"
            f"将{kind(f)}。结果将另行告知。"
        )
    if f.chief_approved is False:
        return (
            f"【处理结果】您记录的 {f.number}：纪检监察部门不采纳您暂缓调查建议的意见未获院长批准，"
            "维持暂缓调查。"
        )
    if f.kind == Kind.INVESTIGATE.value:
        what = f"经调查，结论为{FINDINGS[Finding(f.finding or 'untrue')]}。处理结果：{f.outcome or '—'}"
    elif f.kind == Kind.FALSE_RECORD.value:
        how = "故意" if f.intentional else "非故意"
        what = f"经核查，该记录认定为不实记录（{how}）。原因：{f.outcome or '—'}"
    else:
        what = f"已{kind(f)}（{f.receiver or '—'}），反馈结果：{f.outcome or '—'}"
    if t.recorder:
        return f"【处理结果】您记录的 {f.number}：{what}。"
    if t.owner:  # the office above registered the result of what this office reported to it
        return f"【上级处理结果】您报送上一级的记录 {f.number}：{what}。该事项已办结。"
    if t.above:
        return f"【下级{v.org}处理结果】{t.above} 记录 {f.number}：{what}。"
    return f"【处理结果】本部门人员被记录过问案件（{f.number}）：{what}。"


def approved(r: Result) -> str:
    """The chief's toast after answering."""
    f = r.followup
    return "已批准，纪检监察部门将办理。" if f is not None and f.chief_approved else "未批准，维持暂缓。"


def letter_caption(f: FollowUp) -> str:
    if f.kind == Kind.FALSE_RECORD.value:
        return f"{f.number} 澄清说明（供向被记录人澄清使用）"
    return f"{f.number} 移送函（附登记表），请用印后送达 {f.receiver or ''}"
