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
