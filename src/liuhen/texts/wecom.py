"""The WeCom (企业微信) door's own words: the account's confirmation, the cards' titles and closing labels,
and what a member who is not on the roster is told. Receipts and questions use the same words as every door
(texts/common.py, texts/questions.py)."""

from __future__ import annotations

from liuhen.app.usecases.enrolment import Member
from liuhen.texts import labels

NOT_ON_ROSTER = (
    "您的企业微信账号不在本院“三个规定”记录名册中，本应用不为您提供服务，您发送的内容未被保存。"
    "如您是本院干警，请联系管理员在名册中登记您的企业微信账号。"
)
CONFIRM_TITLE = "确认身份"
CONFIRM_BUTTON = "是我本人"
NOT_ME_BUTTON = "不是我"
CONFIRMED_LABEL = "已确认"
NOT_ME_LABEL = "已报告管理员"
NOT_ME = "已记下：名册中的这一条不是您。请联系管理员更正名册；更正之前本应用不为您提供服务。"
RESEND = "您刚才发送的内容没有保存：确认身份之后，请重新发送。"
UNSUPPORTED = "企业微信中暂不支持这个命令。可以直接转发、发送证据，或发送 /desk 在电脑上登录网页工作台。"
UNSUPPORTED_MESSAGE = (
    "这种消息暂时无法在企业微信中留存，请截图或转为文件、图片后再发送；也可以直接用文字描述经过。"
)
HELP = (
    "留痕（三个规定记录）\n"
    "• 直接发送或转发文字、图片、语音、视频、位置、链接：立即留存，收到回执\n"
    "• 回执上的按钮：开始补充、稍后、这是另一件事、直接报告纪检\n"
    "• /new 下一条证据另立新记录\n"
    "• /drafts 未完成的草稿\n"
    "• /amend 记录编号：更正已提交的记录（生成新版本，旧版本永久保留）\n"
    "• /pending 待我签批的记录\n"
    "• /casefile 待入卷的记录和零报告\n"
    "• /complaint 控告打击报复（直接送纪检监察部门）\n"
    "• /casezero 案号：逐案零报告（本案无过问、干预）\n"
    "• /followup 分流处理事项（纪检监察部门）\n"
    "• /form 记录编号：登记表 PDF；/case 案号：本案的记录和零报告；/quarterly：季度汇总\n"
    "• /monthly 月报告执行情况；/registers 台帐（纪检监察部门）\n"
    "• /accountability 责任追究；/notice 季度或记录编号：发布通报（纪检监察部门）\n"
    "• /whoami 我的身份\n"
    "• /desk 登录网页工作台（/desk 退出：退出所有浏览器）"
)
RECEIPT_TITLE = "已留存证据"
QUESTION_TITLE = "补充登记"
CHOOSE = "确定"
LATER_LABEL = "已保存，稍后补充"
FILLING_LABEL = "补充中…"
DIRECT_LABEL = "已标记直接报告纪检"
CLOSED_LABEL = "已处理"
SIGNOFF_TITLE = "签批 · {number}"
WITNESS_TITLE = "在场人员确认 · {number}"
CASEFILE_TITLE = "入卷存查"
FOLLOWUP_TITLE = "分流处理 · {number}"
COMPLAINT_TITLE = "控告"
CASEZERO_TITLE = "逐案零报告"
ACCOUNTABILITY_TITLE = "责任追究"
NOTICE_TITLE = "通报"
FILING_LABEL = "请回复卷号"
PENDING_TITLE = "待我签批"
MONTHLY_TITLE = "{month} 月度报告"


def confirm(member: Member) -> str:
    """The roster's entry for this account, for its holder to confirm (the enterprise vouches for the
    account, the person for the entry)."""
    staff = member.staff
    place = "".join(part for part in (member.court, member.department) if part)
    return (
        f"名册中这个企业微信账号属于：{place} {staff.name}（{staff.position}，{labels.role(staff.role)}）。"
        "确认是您本人后，即可在这里记录干预、过问案件的情况。"
    )


def welcome(member: Member) -> str:
    return f"{member.staff.name}，身份已确认。\n\n{HELP}"


def location(label: str, latitude: str, longitude: str) -> str:
    return f"位置：{label}（纬度 {latitude}，经度 {longitude}）"


def link(title: str, description: str, url: str) -> str:
    return "\n".join(part for part in (f"链接：{title}", description, url) if part)
