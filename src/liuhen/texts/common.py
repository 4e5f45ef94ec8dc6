"""Every text a user sees, in Chinese (zh-CN), in one catalogue (docs/architecture.md "language")."""

from __future__ import annotations

from datetime import tzinfo

from liuhen.app.usecases.complaint import Delivery, has_file
from liuhen.app.usecases.complaint import PressResult as ComplaintPress
from liuhen.app.usecases.deadlines import Reminder
from liuhen.app.usecases.intake import Arrival, DraftSummary, Receipt
from liuhen.domain.complaints import ComplaintItem, Destination
from liuhen.domain.model import Staff
from liuhen.domain.questionnaire import BY_KEY as QUESTIONS
from liuhen.domain.records import Evidence, EvidenceKind, EvidenceState, short_hash
from liuhen.evidence.inspect import content_mismatch
from liuhen.texts.labels import EVIDENCE_KIND, evidence_kind, human_size, record_status, role
from liuhen.texts.profile import COURT, Voice

NOT_ENROLLED = (
    "您好，这里是“留痕”——干预过问案件记录系统，仅为已登记的本院工作人员服务。\n"
    "请向本院信息管理员索取一次性登记码，然后发送：/start 登记码\n"
    "（或直接点击管理员发给您的登记链接）。"
)
ENROL_INVALID = "登记码无效。请核对后重新发送“/start 登记码”，或向信息管理员重新索取。"
ENROL_USED = "该登记码已被使用过，每个登记码只能使用一次。请向信息管理员重新索取。"
ENROL_EXPIRED = "该登记码已过期。请向信息管理员重新索取。"
ENROL_INACTIVE = "该登记码对应的人员已停用，不能登记。如有疑问请联系信息管理员。"
ENROL_THROTTLED = "尝试次数过多，请 15 分钟后再试。"


def enrol_burst(failures: int) -> str:
    """To the administrators: many wrong enrolment codes at once (someone may be guessing)."""
    return (
        f"【安全提醒】15 分钟内已有 {failures} 次错误的登记码尝试，可能有人在猜测登记码。"
        "系统已限制尝试次数（持有有效登记码的新同事不受影响）；如非本院人员所为，请检查登记码是否外泄。"
    )


DEACTIVATED = "您的账号已停用，无法继续使用。如有疑问请联系信息管理员。"

HELP = (
    "<b>留痕 · 使用说明</b>\n"
    "遇到领导干部、内部人员过问案件，或当事人、律师等不当接触：\n"
    "① 直接把微信/短信消息<b>转发</b>给我，或发送<b>截图、语音、照片、文件</b>；\n"
    "② 我会先留存证据并给出回执，再逐项询问还缺的内容，能点按钮就不用打字。\n"
    "拿不准是否属于干预？照样记录，由纪检监察部门认定。\n\n"
    "/drafts 查看未完成的草稿\n"
    "/new 下一份证据另立新记录\n"
    "/amend 编号 修改已提交的记录（旧版本永久保留）\n"
    "/pending 待我签批的记录（逾期的也在这里；纪检监察可见全院逾期）\n"
    "/form 编号 获取登记表（PDF，记录人和签批人）\n"
    "/quarterly 季度汇总分析（PDF 和 XLSX，纪检监察、院领导、审判管理）\n"
    "/complaint 因如实记录遭受刁难、打击报复，直接向纪检监察部门控告（不经本部门领导）\n"
    "/casezero 逐案零报告（办结的案件没有遇到干预过问，由部门负责人确认后入卷）\n"
    "/casefile 待入卷的记录与零报告：存入案卷后登记卷宗号\n"
    "/followup 分流处理事项：移送、报上一级、调查、不实记录澄清（纪检监察）\n"
    "/accountability 责任追究：登记追究措施，查看本年度情况（纪检监察）\n"
    "/notice 季度或编号 发布通报：季度违规情况通报、一案一通报（纪检监察）\n"
    "/registers 台帐：干警亲属从事律师职业、离任人员（纪检监察、院长）\n"
    "/case 案号 本案中我可查看的干预过问记录与零报告（案件提交讨论前报告用）\n"
    "/desk 电脑上的网页工作台：获取一次性登录链接；/desk 退出 结束所有网页登录\n"
    "/monthly 月报告执行情况（部门负责人看本部门，纪检监察、院领导、管理员看全院）\n"
    "/whoami 查看我的登记信息\n"
    "/help 显示本说明"
)

COMMANDS: list[tuple[str, str]] = [
    ("drafts", "未完成的草稿"),
    ("amend", "修改已提交的记录（保留旧版本）"),
    ("pending", "待我签批的记录"),
    ("form", "登记表 PDF"),
    ("new", "下一份证据另立新记录"),
    ("complaint", "控告打击报复（直送纪检监察）"),
    ("casezero", "逐案零报告"),
    ("casefile", "待入卷的记录与零报告"),
    ("followup", "分流处理事项（纪检监察）"),
    ("accountability", "责任追究（纪检监察）"),
    ("notice", "发布通报（纪检监察）"),
    ("registers", "台帐（纪检监察、院长）"),
    ("case", "按案号查看本案的记录与零报告"),
    ("desk", "网页工作台登录链接"),
    ("monthly", "月报告执行情况"),
    ("whoami", "我的登记信息"),
    ("help", "使用说明"),
]


def greeting(staff: Staff, department: str, court: str, v: Voice = COURT) -> str:
    return (
        f"您好，{staff.name}！已完成登记：{court} · {department} · "
        f"{staff.position}（{role(staff.role, v)}）。\n"
        "遇到过问、干预或接触交往，直接把消息转发给我，或发截图、语音——我先留存并给回执，再问还缺的几项。"
    )


def whoami(staff: Staff, department: str, court: str, v: Voice = COURT) -> str:
    return (
        f"姓名：{staff.name}\n工号：{staff.staff_id}\n单位：{court}\n部门：{department}\n"
        f"职务：{staff.position}\n身份：{role(staff.role, v)}"
    )


def help_text(v: Voice = COURT) -> str:
    """/help in the organisation's words."""
    return HELP.replace("审判管理", v.management)


UNKNOWN_COMMAND = "没有这个命令。发送 /help 查看可用命令；要记录过问，直接转发消息或发送截图、语音即可。"
INTERNAL_ERROR = "抱歉，处理时出现内部错误。您已发送的内容不会丢失；请稍后再试，或联系信息管理员。"


# ---- intake -------------------------------------------------------------------------------

BUTTON_FILL = "开始补充"
BUTTON_LATER = "稍后"
BUTTON_SPLIT = "这是另一件事"
BUTTON_DIRECT = "直接报告纪检"

PHOTO_HINT = "提示：Telegram 会压缩照片。需要保留原图时，请选择“以文件形式发送”。"
TOO_BIG = (
    "⚠️ 文件超过 Telegram 机器人 20 MB 的下载上限，未能取得原件（已登记其名称、大小等信息）。"
    "请把原始载体（手机、U 盘等）交纪检监察部门，并在“特别说明”中写明原件保存位置。"
)
PENDING = "⚠️ 文件暂时未能下载，已登记其信息，系统会在后台自动重试，取得后会通知您。"
FAILED = "⚠️ 文件多次下载失败。请重新发送该文件，或把原始载体交纪检监察部门并写明保存位置。"
BUTTON_FORBIDDEN = "该按钮无效或已过期。"
BUTTON_STALE = "该记录已提交，不能再从这里修改。"
LATER = "草稿已保存，随时发送 /drafts 继续补充。"
NEW_DRAFT = "好的，您发送的下一份证据将开启一条新记录。"
NO_DRAFTS = "目前没有未完成的草稿。遇到过问或干预时，直接转发消息或发送截图、语音即可开始记录。"


#: What a file is, in the notice of a file that is not what it was said to be (evidence/inspect.py).
CONTENT_FAMILY = {
    "image": "图片",
    "audio": "音频",
    "video": "视频",
    "pdf": "PDF 文档",
    "archive": "压缩包",
    "executable": "可执行程序",
    "unknown": "无法识别的数据",
}
_NAME_SHOWN = 60


def content_notice(e: Evidence) -> str | None:
    """Said once, in the receipt (or when a late file arrives): a stored file whose bytes are not what its
    kind or name says. The file is kept exactly as sent; its stored media type is the real one."""
    if e.state != EvidenceState.STORED.value:
        return None
    found = content_mismatch(e.kind, e.file_name, e.media_type)
    if found is None:
        return None
    claimed, real = found
    name = "".join(ch for ch in e.file_name or "" if ch.isprintable())[:_NAME_SHOWN]
    which = f"文件 {name}" if name else f"{evidence_kind(e.kind)} #{e.seq}"
    said, really = CONTENT_FAMILY[claimed], CONTENT_FAMILY[real]
    return f"提示：{which} 的实际内容不是{said}（是{really}），已按原样保存。"


def _evidence_line(e: Evidence) -> str:
    size = human_size(e.size)
    digest = f"，sha256 {short_hash(e.sha256)}" if e.sha256 else ""
    return f"#{e.seq}（{evidence_kind(e.kind)}，{size}{digest}）"


def receipt(r: Receipt) -> str:
    status = record_status(r.record_status)
    items = r.items
    if len(items) == 1:
        head = f"已留存证据 {_evidence_line(items[0])}"
    else:
        head = f"已留存 {len(items)} 项证据：" + "、".join(_evidence_line(e) for e in items)
    lines = [f"{head}→ 记录 {r.record_number}（{status}）"]
    states = {e.state for e in items}
    if EvidenceState.TOO_BIG.value in states:
        lines.append(TOO_BIG)
    if EvidenceState.PENDING.value in states:
        lines.append(PENDING)
    if EvidenceState.FAILED.value in states:
        lines.append(FAILED)
    lines.extend(notice for e in items if (notice := content_notice(e)))
    if r.missing is None:
        lines.append("已加入草稿。现在补充？")
    else:
        lines.append(f"还差 {r.missing} 项即可提交。现在补充？" if r.missing else "各项已齐全，可以提交。")
    if r.photo_hint:
        lines.append(PHOTO_HINT)
    return "\n".join(lines)


def split_done(number: str) -> str:
    return f"已另立新记录 {number}。"


def direct_marked(number: str) -> str:
    return (
        f"记录 {number} 已标记为“直接报告纪检监察部门”（三个规定允许任何记录人直接报告）。"
        "提交后将直接送纪检监察部门，不经部门负责人和分管院领导。"
    )


def drafts(summaries: list[DraftSummary], tz: tzinfo) -> str:
    if not summaries:
        return NO_DRAFTS
    lines = [f"未完成的草稿（{len(summaries)} 件）："]
    for d in summaries:
        when = d.last_evidence_at.astimezone(tz).strftime("%m-%d %H:%M")
        lack = f"还差 {len(d.missing)} 项（{'、'.join(d.missing[:3])}{'…' if len(d.missing) > 3 else ''}）"
        lines.append(
            f"• {d.number}：{d.evidence_count} 项证据，最近 {when}，{lack if d.missing else '可提交'}"
        )
    return "\n".join(lines)


def file_arrived(a: Arrival) -> str:
    e = a.evidence
    if e.state == EvidenceState.STORED.value:
        size, digest = human_size(e.size), short_hash(e.sha256)
        kind = evidence_kind(e.kind)
        arrived = f"记录 {a.record_number} 证据 #{e.seq}（{kind}）文件已取得：{size}，sha256 {digest}。"
        notice = content_notice(e)
        return f"{arrived}\n{notice}" if notice else arrived
    return f"记录 {a.record_number} 的证据 #{e.seq}：{FAILED}"


# ---- questions ----------------------------------------------------------------------------


def draft_reminder(r: Reminder, tz: tzinfo) -> str:
    when = r.deadline.astimezone(tz).strftime("%m月%d日 %H:%M")
    head = "明天就到记录时限了" if r.final else "提醒：记录尚未完成"
    lack = "、".join(QUESTIONS[k].label for k in r.missing[:5]) + ("…" if len(r.missing) > 5 else "")
    return (
        f"{head}：记录 {r.record_number} 还差 {len(r.missing)} 项（{lack}），时限 {when}。"
        "发送 /drafts 继续补充；逾期提交需要写明补记理由。"
    )


def calendar_warning(year: int) -> str:
    return (
        f"系统尚不知道 {year} 年的法定节假日和调休安排，工作日期限将暂按周一至周五计算。"
        f"请在国务院公布安排后，用 `liuhen calendar set 日期 holiday|workday` 录入，或升级 chinesecalendar。"
    )


AMEND_USAGE = "用法：/amend 记录编号，例如 /amend LH-2026-0001。修改会生成新版本，旧版本永久保留。"


def amend_ask_reason(number: str) -> str:
    return f"请发送修改记录 {number} 的原因（将与旧版本一起永久保存）。"


# ---- Documents: registration form, quarterly summary -----------------------------------------

FORM_USAGE = "用法：/form 记录编号，例如 /form LH-2026-0001。记录人和签批人可获取该记录的登记表（PDF）。"
FORM_WORKING = "正在生成登记表，请稍候……"
QUARTERLY_WORKING = "正在生成季度汇总分析，请稍候……"


def form_caption(number: str) -> str:
    return f"登记表 {number}（一式两份：记录人留存、纪检监察机构留存）。本次查阅已记入审计日志。"


def quarterly_caption(label: str, due: str, fmt: str) -> str:
    kind = "PDF" if fmt == "pdf" else "XLSX（含图表，可再统计）"
    return f"{label}汇总分析 {kind}。报送期限：{due}前（季度结束后五日内）。"


def quarterly_reminder(label: str, due: str, key: str) -> str:
    return (
        f"提醒：请于 {due} 前报送{label}干预、插手、过问案件记录情况汇总分析"
        f"（季度结束后五日内）。发送 /quarterly {key} 获取 PDF 和 XLSX。"
    )


# ---- Complaints straight to the discipline office (seed 001 §6, 实施办法 §9) ----------------------

COMPLAINT_CANCEL = "取消"
COMPLAINT_EMPTY = "还没有控告内容。请先发送文字说明，或截图、语音、文件，再点下方的提交按钮。"
COMPLAINT_STALE = "该控告已提交或已取消。"


def complaint_button(destination: Destination, v: Voice = COURT) -> str:
    """The submit buttons, one per destination (seed 001 实施办法 §9, seed 002 §11)."""
    return {
        Destination.ABOVE: f"提交上一级{v.org}纪检监察部门",
        Destination.CHAIN: f"逐级提交上级各{v.org}纪检监察部门",
        Destination.OWN: "提交本院纪检监察部门",
    }[destination]


def complaint_intro(number: str, resumed: bool, items: int, upward: bool = True, v: Voice = COURT) -> str:
    head = (
        f"继续填写控告 {number}（已有 {items} 项内容）。"
        if resumed
        else f"控告 {number}：因如实记录干预过问情况而遭受刁难、打击或报复的，可以直接控告"
        "（《三个规定》第六条；最高法实施办法第九条）。"
    )
    where = (
        f"• 默认送上一级{v.org}纪检监察部门，不经过本院；也可以逐级向上提交，或选择本院纪检监察部门"
        "（被控告的是本院纪检监察部门人员时，请不要选择本院）；\n"
        if upward
        else f"• 本系统没有接入上一级{v.org}：控告将送本院纪检监察部门。如被控告的是本院纪检监察部门人员，"
        f"请直接向上一级{v.org}纪检监察部门提出；\n"
    )
    return (
        f"{head}\n"
        f"{where}"
        "• 不经过您的部门负责人和分管院领导，被控告的人不会收到任何通知；\n"
        "• 请发送控告内容：文字说明，以及截图、语音、文件等证据，可以分几条发送；\n"
        "• 发送完毕后点下方的提交按钮，选择送往何处。"
    )


def complaint_item(number: str, item: ComplaintItem) -> str:
    size = human_size(item.size)
    digest = f"，sha256 {short_hash(item.sha256)}" if item.sha256 else ""
    kind = EVIDENCE_KIND.get(EvidenceKind(item.kind), item.kind)
    lines = [f"已收入控告 {number} 第 {item.seq} 项（{kind}，{size}{digest}）。"]
    if item.state == EvidenceState.TOO_BIG.value:
        lines.append(TOO_BIG)
    elif item.state != EvidenceState.STORED.value:
        lines.append("⚠️ 文件未能下载，请重新发送该文件。")
    lines.append("可以继续发送；发送完毕请点下方的提交按钮。")
    return "\n".join(lines)


def complaint_submitted(result: ComplaintPress, v: Voice = COURT) -> str:
    number = result.number or ""
    own = result.destination in (None, Destination.OWN)
    office = "本院纪检监察部门" if own else "、".join(result.courts) + "纪检监察部门"
    if result.recipients == 0:
        return (
            f"控告 {number} 已提交并永久保存。{office}目前还没有人登记使用本系统，"
            "一旦有人登记将立即送达。被控告的人不会收到任何通知。"
        )
    return (
        f"控告 {number} 已提交，已直接送达{office}（{result.recipients} 人），不经过您的部门负责人和"
        "分管院领导。被控告的人不会收到任何通知。"
    )


def complaint_cancelled(number: str) -> str:
    return f"控告 {number} 已取消（内容仍保存，不会送出）。之后发送的消息将照常作为干预记录的证据。"


def complaint_delivery(d: Delivery, tz: tzinfo) -> str:
    when = d.submitted_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    who = d.complainant
    lines = [
        f"【控告 · 直送纪检监察】{d.number}",
        f"控告人：{who.name}（{d.court + ' ' if d.court else ''}{d.department} {who.position}，"
        f"工号 {who.staff_id}）",
        f"提交时间：{when}",
        "（依据《三个规定》第六条、最高法实施办法第九条：司法人员如实记录受保护，不得打击报复。"
        "本控告未经控告人所在部门负责人和分管院领导。）",
    ]
    texts_ = [i.text for i in d.items if i.text]
    if texts_:
        lines.append("控告内容：")
        lines += [f"· {t}" for t in texts_]
    files = [i for i in d.items if has_file(i) or i.state != EvidenceState.STORED.value]
    if files:
        lines.append(f"所附材料 {len(files)} 项：")
        for i in files:
            kind = EVIDENCE_KIND.get(EvidenceKind(i.kind), i.kind)
            lines.append(f"· 第 {i.seq} 项 {kind}，{human_size(i.size)}，sha256 {i.sha256 or '—'}")
    return "\n".join(lines)[:4000]
