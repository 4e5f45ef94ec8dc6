"""Every text a user sees, in Chinese (zh-CN), in one catalogue (DESIGN.md "language")."""

from __future__ import annotations

from liuhen.domain.model import Staff

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
DEACTIVATED = "您的账号已停用，无法继续使用。如有疑问请联系信息管理员。"

HELP = (
    "<b>留痕 · 使用说明</b>\n"
    "遇到领导干部、内部人员过问案件，或当事人、律师等不当接触：\n"
    "① 直接把微信/短信消息<b>转发</b>给我，或发送<b>截图、语音、照片、文件</b>；\n"
    "② 我会先留存证据并给出回执，再逐项询问还缺的内容，能点按钮就不用打字。\n"
    "拿不准是否属于干预？照样记录，由纪检监察部门认定。\n\n"
    "/whoami 查看我的登记信息\n"
    "/help 显示本说明"
)

COMMANDS: list[tuple[str, str]] = [
    ("help", "使用说明"),
    ("whoami", "我的登记信息"),
]


def greeting(staff: Staff, department: str, court: str) -> str:
    return (
        f"您好，{staff.name}！已完成登记：{court} · {department} · {staff.position}（{staff.role_label}）。\n"
        "遇到过问、干预或接触交往，直接把消息转发给我，或发截图、语音——我先留存并给回执，再问还缺的几项。"
    )


def whoami(staff: Staff, department: str, court: str) -> str:
    return (
        f"姓名：{staff.name}\n工号：{staff.staff_id}\n单位：{court}\n部门：{department}\n"
        f"职务：{staff.position}\n身份：{staff.role_label}"
    )


INTERNAL_ERROR = "抱歉，处理时出现内部错误。您已发送的内容不会丢失；请稍后再试，或联系信息管理员。"
