"""Case-file tasks in words (入卷存查: seed 001 实施办法 §4, §5; seed 002 §4, §5; seed 004 §16)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo

from liuhen.app.usecases.casefile import Nudge, Outcome, Result, TaskView
from liuhen.domain.casefile import CaseFileTask, Source, Volume
from liuhen.texts.labels import when as local_time

VOLUMES: Mapping[Volume, str] = {
    Volume.MAIN: "案件正卷",
    Volume.SECONDARY: "案件副卷",
    Volume.CASE_FILE: "案卷",
}
WHY: Mapping[Volume, str] = {
    Volume.MAIN: "依照工作程序提出的参考意见不录入专库，但相关材料应当存入案件正卷备查",
    Volume.SECONDARY: "书面材料一律存入案件副卷归档备查，其他材料归档时应当注明去向",
    Volume.CASE_FILE: "零报告记录经部门主要负责人确认后随案入卷",
}

BUTTON_DONE = "已入卷，登记卷号"
NONE_OPEN = "您目前没有待入卷的记录或零报告。"
FORBIDDEN = "该按钮不属于您，或已失效。"
ALREADY = "这项入卷已经登记过了。"


def volume(task: CaseFileTask) -> str:
    return VOLUMES.get(Volume(task.volume), task.volume)


def _what(task: CaseFileTask) -> str:
    if task.source == Source.CASE_ZERO.value:
        return f"逐案零报告 {task.label}（案号 {task.case_number}）已经部门负责人确认"
    case = f"，案号 {task.case_number}" if task.case_number else ""
    return f"记录 {task.label}{case} 已办结"


def open_count(n: int) -> str:
    return f"您有 {n} 项待入卷："


def task(view: TaskView, tz: tzinfo) -> str:
    t = view.task
    head = "【入卷提醒 · 已逾期】" if view.nudge is Nudge.OVERDUE else "【待入卷】"
    material = "零报告" if t.source == Source.CASE_ZERO.value else "登记表（/form 可取）及证据材料清单"
    return (
        f"{head}{_what(t)}。\n"
        f"请将{material}存入{volume(t)}（{WHY[Volume(t.volume)]}），"
        f"期限 {local_time(t.due_at, tz)}。\n"
        f"存入后点“{BUTTON_DONE}”，回复卷宗号或存放位置。"
    )


def ask(t: CaseFileTask) -> str:
    return f"请回复 {t.label} 存入{volume(t)}的卷宗号或存放位置（如：（2026）豫0825民初1187号 副卷第3册）。"


def answer(result: Result, tz: tzinfo) -> str:
    t = result.task
    if result.outcome is Outcome.EMPTY:
        return "卷宗号或存放位置不能为空，请重新回复。"
    if result.outcome is Outcome.ALREADY and t is not None:
        return f"{t.label} 已登记入卷：{t.file_ref or '—'}。"
    if result.outcome is Outcome.DONE and t is not None:
        done = local_time(t.done_at, tz) if t.done_at else ""
        return f"已登记：{t.label} 存入{volume(t)}，{t.file_ref}（{done}）。记录在案，感谢。"
    return FORBIDDEN


def form_line(t: CaseFileTask | None, tz: tzinfo, officer: str) -> str:
    """The registration form's line about the case file."""
    if t is None:
        return "—"
    if t.done_at is not None:
        return f"已存入{volume(t)}：{t.file_ref}（{officer} {local_time(t.done_at, tz)} 登记）"
    return f"待{officer}存入{volume(t)}（期限 {local_time(t.due_at, tz)}）"
