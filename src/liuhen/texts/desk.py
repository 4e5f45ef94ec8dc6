"""The desk console's words in the chat (`/desk`) and on its pages' messages."""

from __future__ import annotations

from liuhen.domain.desk import LINK_TTL

_MINUTES = int(LINK_TTL.total_seconds() // 60)

SIGN_OUT_WORDS = frozenset({"退出", "登出", "注销", "off", "logout", "signout"})


def link(url: str) -> str:
    return (
        f"网页工作台登录链接（{_MINUTES} 分钟内有效，只能使用一次，请勿转发）：\n{url}\n\n"
        "在电脑浏览器中打开，点击“进入工作台”。离开电脑时，可发送 /desk 退出，结束所有网页登录。"
    )


def signed_out(count: int) -> str:
    if count == 0:
        return "您目前没有已登录的网页工作台。"
    return f"已退出全部 {count} 个网页工作台登录。"


# ---- the console's pages ----------------------------------------------------------------------

#: What the record page says after a decision (a fixed word by key: the address carries no free text).
SAID = {
    "approve": "已签批：同意。",
    "return": "已退回记录人补正。",
    "empty": "退回理由不能为空。",
    "choose": "请选择处理方式。",
    "defer_first": "记录人建议暂缓处理，请先明确是否采纳。",
    "status": "该记录当前不由您签批，或已经处理。",
    "refused": "无法签批：该记录当前不由您签批，或已经处理。",
    "stale": "该记录当前不由您签批，或已经处理。",
    "editing": "该记录正在由记录人修改，重新提交后再签批。",
    "followup_done": "已登记。",
    "followup_empty": "请填写或选择完整后再提交。",
    "followup_stale": "该步骤已不适用（可能已办理），请查看当前状态。",
    "measure_done": "已登记追究措施。",
    "measure_unknown": "该事由针对本院人员，名册中没有这个姓名或工号，未登记。",
    "measure_empty": "请选择事由和措施，并写明被追究人。",
    "notice_done": "通报已发布：公文已留存，正在送达发送范围内的人员。",
    "casefile_done": "已登记入卷。",
    "casefile_empty": "请写明卷宗号或存放位置。",
    "casefile_stale": "该入卷事项已办结，或不属于您。",
}

#: The audit log's words for what was done.
AUDIT_WORDS = {
    "record.read": "查看记录",
    "record.read_denied": "查看记录（被拒绝）",
    "evidence.view": "查看证据",
    "case.view": "按案号查询",
    "summary.read": "查看汇总",
    "summary.read_denied": "查看汇总（被拒绝）",
    "desk.sign_in": "登录工作台",
    "desk.sign_in_refused": "登录被拒绝",
    "desk.list": "浏览记录列表",
    "desk.audit": "查看访问记录",
}

DENIED = ("无权查看", "您无权查看该记录，或该记录不存在。")
TOO_MANY = ("请稍后再试", "登录尝试过于频繁，请一分钟后再试。")
BAD_LINK = ("链接无效", "该登录链接已使用、已过期（2 分钟）或无效。请在聊天中重新发送 /desk 获取新链接。")
NO_CHOICE = ("无法处理", "请选择同意或退回补正。")
NO_STEP = ("无法处理", "请选择要办理的步骤。")
NO_ITEM = ("没有这份证据", "该记录没有这个编号的证据。")
NOT_STORED = ("原件尚未取得", "请向记录人索取原始介质。")
NO_PREVIEW = ("无法预览", "该文件不是可预览的图片，请下载原件查看。")
NO_LISTEN = ("无法播放", "该文件无法在浏览器中播放，请下载原件查看。")
BAD_MONTH = ("月份格式不对", "月份写作 2026-11。")
MONTHLY_DENIED = ("无权查看", "月报告执行情况仅供部门负责人、纪检监察、院领导和审判管理查看。")
QUARTERLY_DENIED = ("无权查看", "季度汇总仅供纪检监察、院领导和审判管理查看。")
AUDIT_DENIED = ("无权查看", "查看记录仅供纪检监察机构查看。")
BAD_QUARTER = "季度格式不对"
NOT_SIGNED_IN = "未登录或登录已过期。请在聊天中发送 /desk 重新获取登录链接。"
FORM_EXPIRED = "表单已过期，请刷新页面后重试。"
OFFICE_DENIED = ("无权查看", "责任追究与通报仅供纪检监察机构查看。")
#: the dashboard charts' three series (seed 002 §7: against the previous quarter and the year before)
CHART_PERIODS = ("本季度", "上季度", "去年同期")
NO_NOTICE = ("没有这份通报", "没有这份通报的公文，或它发布于公文留存之前。")


def reminded(count: str) -> str:
    """After [立即提醒]: how many are asked again (a number from the address, never its words)."""
    n = int(count)
    return (
        f"已安排再次提醒 {n} 人，稍后送达。"
        if n
        else "没有需要再次提醒的人员（均已答复、已记录，或本月已提醒过）。"
    )
