"""A callback's plaintext XML (接收消息与事件) as the door reads it, and as the core keeps it."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: message types the application receives (接收普通消息)
EVIDENCE_TYPES = frozenset({"text", "image", "voice", "video", "location", "link"})
#: WeCom's message ids and Telegram's update ids share the inbox: WeCom's are kept negative
INBOX_SIGN = -1
MESSAGE_MEDIA_TYPE = "application/vnd.wecom.message+json"  # a callback's fields, as WeCom sent them


class Unreadable(Exception):
    """Not the XML of a WeCom callback."""


@dataclass(frozen=True)
class Callback:
    """One message or event of a member, as WeCom sent it (every field kept in ``fields``)."""

    msg_type: str
    userid: str
    created: datetime
    fields: dict[str, str] = field(default_factory=dict)
    selected: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a card's choices: question → ids

    def get(self, name: str) -> str:
        return self.fields.get(name, "")

    @property
    def msg_id(self) -> int | None:
        value = self.get("MsgId")
        return int(value) if value.isdigit() else None

    @property
    def event(self) -> str:
        return self.get("Event") if self.msg_type == "event" else ""

    @property
    def inbox_id(self) -> int:
        """The inbox's key of this callback: a retried callback has the same one. Messages have WeCom's
        MsgId; events are named by who, when, what and their one-time response code."""
        if self.msg_id is not None:
            return INBOX_SIGN * self.msg_id
        name = "|".join(
            [self.userid, self.get("CreateTime"), self.event, self.get("EventKey"), self.get("ResponseCode")]
        )
        digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1
        return INBOX_SIGN * (digest or 1)

    def as_json(self) -> dict[str, object]:
        """What the register keeps of the message: every field WeCom sent, as sent."""
        data: dict[str, object] = {"door": "wecom", **self.fields}
        if self.selected:
            data["SelectedItems"] = {k: list(v) for k, v in self.selected.items()}
        return data


def parse(xml: str) -> Callback:
    try:
        root = ET.fromstring(xml)  # noqa: S314 - the plaintext of a callback whose signature held
    except ET.ParseError as exc:
        raise Unreadable(str(exc)) from exc
    fields = {child.tag: (child.text or "").strip() for child in root if len(child) == 0}
    selected: dict[str, tuple[str, ...]] = {}
    for item in root.iter("SelectedItem"):
        key = (item.findtext("QuestionKey") or "").strip()
        selected[key] = tuple((o.text or "").strip() for o in item.iter("OptionId"))
    msg_type, userid = fields.get("MsgType", ""), fields.get("FromUserName", "")
    if not msg_type or not userid:
        raise Unreadable("no MsgType or FromUserName")
    created = fields.get("CreateTime", "")
    when = datetime.fromtimestamp(int(created), UTC) if created.isdigit() else datetime.fromtimestamp(0, UTC)
    return Callback(msg_type, userid, when, fields, selected)
