"""The sign-off chain on WeCom (seed 004 §13): the department head, the vice-president and the discipline
office sign on WeCom cards, each decision closes its card, the recorder hears every step, trial management
and the discipline office receive the registration form as a file (seed 002 §6) — the same chain as on
Telegram, through the same outbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from liuhen.app import integrity
from liuhen.app.usecases import registers
from liuhen.domain.checkpoints import parse_signed_head
from liuhen.domain.records import Record
from liuhen.sandbox.wecom import SentMessage, WeComUser
from liuhen.wecom import signing
from tests.wecom.walk import DINNER, fill_and_submit, labels, press_label
from tests.wecom.world import World, wecom_world


@pytest.fixture
async def world(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with wecom_world(db_url, tmp_path) as w:
        yield w


async def status_of(world: World, number: str) -> str:
    async with world.runtime.db.uow(read_only=True) as uow:
        record = await uow.records.by_number(world.runtime.court_id, number)
    assert record is not None
    return record.status


async def only_record(world: World) -> str:
    async with world.runtime.db.uow(read_only=True) as uow:
        [record] = list(await uow.session.scalars(select(Record)))  # type: ignore[attr-defined]
    return str(record.number)


async def card_for(user: WeComUser, number: str, level: str) -> SentMessage:
    return await user.wait_for(lambda m: m.card is not None and number in m.text and level in m.text)


async def test_seed004_s13_three_officers_sign_on_wecom_to_filed(world: World) -> None:
    judge = await world.confirmed("j001")
    head = await world.confirmed("h001")
    vice = await world.confirmed("v001")
    office = await world.confirmed("k001")
    stats = await world.confirmed("m001")
    for user in (head, vice, office, stats):
        user._begin()  # what follows the judge's submission
    _, _, _, said = await fill_and_submit(world, judge)
    number = await only_record(world)
    assert number in said

    c1 = await card_for(head, number, "部门负责人")
    assert labels(c1)[:2] == ["同意", "退回补正"] and "查看证据" in labels(c1)
    assert "某律师事务所" in c1.text or "张某" in c1.text
    # trial management and the discipline office get the form itself, as a PDF file (seed 002 §6)
    for reader in (stats, office):
        await reader.wait_for("登记表副本")
        form = await reader.wait_for(lambda m: m.msgtype == "file")
        data = world.sandbox.media_bytes(form.payload["media_id"])
        assert data is not None and data.startswith(b"%PDF")

    await press_label(head, c1, "同意")
    await head.wait_for_update(c1)
    assert c1.replaced_button is not None and "李庭长" in c1.replaced_button  # closed: who decided
    await judge.wait_for("李庭长 已同意")
    assert await status_of(world, number) == "awaiting_vice_president"

    # the vice-president writes an opinion first, then decides with it
    c2 = await card_for(vice, number, "分管院领导")
    await press_label(vice, c2, "填写意见")
    await vice.wait_for("请输入您对记录")
    await vice.send_text("同意，按规定报纪检监察室。")
    choice = await vice.wait_for(lambda m: m.card is not None and "以此意见同意" in labels(m))
    await press_label(vice, choice, "以此意见同意")
    await judge.wait_for("王副院长 已同意")

    # the discipline office chooses a disposition (seed 004 §17)
    c3 = await card_for(office, number, "纪检监察机构")
    await press_label(office, c3, "同意")
    await office.wait_for_update(c3)
    assert "纳入季度汇总" in labels(c3)  # the card became the disposition picker, in place
    await press_label(office, c3, "纳入季度汇总")
    await judge.wait_for("已办结")
    assert await status_of(world, number) == "filed"

    # filed: the case officer (the judge, 承办人 本人) puts the material into the case file (入卷存查)
    task = await judge.wait_for(lambda m: m.card is not None and "已入卷，登记卷号" in labels(m))
    assert number in task.text
    await press_label(judge, task, "已入卷，登记卷号")
    await judge.wait_for_update(task)
    await judge.wait_for("卷宗号或存放位置")
    await judge.send_text("（2026）豫0825民初1187号 正卷第2册")
    done = await judge.wait_for("正卷第2册")
    assert number in done.text
    await judge.send_text("/casefile")
    await judge.wait_for("没有待入卷")


async def signed_through(world: World, judge: WeComUser, disposition: str) -> str:
    """The judge's record signed by the head and the vice-president and disposed of by the office, on
    WeCom; its number."""
    head, vice, office = (world.user(s) for s in ("h001", "v001", "k001"))
    for user in (head, vice, office):
        user._begin()
    await fill_and_submit(world, judge)
    number = await only_record(world)
    for user, level in ((head, "部门负责人"), (vice, "分管院领导")):
        card = await card_for(user, number, level)
        await press_label(user, card, "同意")
        await user.wait_for_update(card)
    c3 = await card_for(office, number, "纪检监察机构")
    await press_label(office, c3, "同意")
    await office.wait_for_update(c3)
    office._begin()
    await press_label(office, c3, disposition)
    return number


async def test_seed004_s20_a_false_record_is_clarified_on_wecom_with_its_document(world: World) -> None:
    """The discipline office's follow-through on WeCom (seed 004 §20): the follow-up's card reaches its
    owner, the step's words are typed, the clarification arrives as a PDF file; the recorder is told."""
    judge = await world.confirmed("j001")
    for staff_id in ("h001", "v001", "k001"):
        await world.confirmed(staff_id)
    office = world.user("k001")
    number = await signed_through(world, judge, "不实记录（予以澄清）")
    card = await office.wait_for(lambda m: m.card is not None and "【分流处理 · 新事项】" in m.text)
    assert number in card.text
    await press_label(office, card, "非故意（误记等）")
    await office.wait_for("请写明不实的原因")
    await office.send_text("记录人将正常工作联系误记为过问")
    document = await office.wait_for(lambda m: m.msgtype == "file")
    data = world.sandbox.media_bytes(document.payload["media_id"])
    assert data is not None and data.startswith(b"%PDF")
    told = await judge.wait_for("【处理结果】")
    assert number in told.text and "不实记录（非故意）" in told.text
    await office.send_text("/followup")
    await office.wait_for("没有待办的分流处理事项")  # closed with the clarification
    await judge.send_text("/followup")
    await judge.wait_for("由纪检监察部门办理")  # not the judge's to see


async def test_a_forged_or_foreign_signoff_press_moves_nothing(world: World) -> None:
    judge = await world.confirmed("j001")
    head = await world.confirmed("h001")
    vice = await world.confirmed("v001")
    head._begin()
    await fill_and_submit(world, judge)
    number = await only_record(world)
    c1 = await head.wait_for(lambda m: m.card is not None and "部门负责人" in m.text)
    # the vice-president's account posts a press of the head's card (a forged callback): refused
    key = c1.card["button_list"][0]["key"]  # type: ignore[index]
    from liuhen.sandbox.wecom import _xml  # the raw callback, as a forger would build it

    forged = _xml(
        [
            ("ToUserName", world.sandbox.corp_id),
            ("FromUserName", vice.userid),
            ("CreateTime", int(world.wecom_clock())),
            ("MsgType", "event"),
            ("Event", "template_card_event"),
            ("EventKey", key),
            ("TaskId", c1.task_id or ""),
            ("CardType", "button_interaction"),
            ("ResponseCode", "forged"),
            ("AgentID", world.sandbox.agent_id),
        ]
    )
    vice._begin()
    await world.sandbox.deliver(forged)
    await vice.wait_for("无效")
    assert await status_of(world, number) == "awaiting_department_head"


async def test_seed001_s4_a_colleague_present_confirms_on_wecom_and_the_recorder_is_told(
    world: World,
) -> None:
    """The court's own staff named as present confirm the record (签字确认): the request reaches them
    through the outbox on the door they are on; the recorder hears the answer; a dispute asks for a note."""
    judge = await world.confirmed("j001")
    colleague = await world.confirmed("j002")
    colleague._begin()
    await fill_and_submit(world, judge, present="钱法官")
    number = await only_record(world)
    request = await colleague.wait_for(lambda m: m.card is not None and "在场人员确认" in m.text)
    assert number in request.text and "张法官" in request.text
    judge._begin()
    await press_label(colleague, request, "有异议（说明）")
    await colleague.wait_for("请直接发送一段文字说明")
    await judge.wait_for(f"钱法官 对记录 {number} 提出了异议")
    await colleague.send_text("我当时不在场")
    await colleague.wait_for("异议说明已记录")
    async with world.runtime.db.uow(read_only=True) as uow:
        record = await uow.records.by_number(world.runtime.court_id, number)
    assert record is not None
    entry = record.answers["_witnesses"]["j002"]
    assert entry["status"] == "disputed" and entry["note"] == "我当时不在场"
    assert [e.text for e in await world.evidence()] == [DINNER]  # the note is not evidence


async def test_seed003_items_15_16_a_possible_recusal_is_told_on_wecom(world: World) -> None:
    """A record naming the recorder's relative's law firm: the recorder is reminded of the recusal rule, the
    department head and the discipline office are told — on the door each is reached on."""
    rt = world.runtime
    relatives = "staff_id,name,relation,law_firm,since\nj001,王明,配偶,某律师事务所,2019-05-01\n"
    await registers.import_register(
        rt.db.uow(), court_id=rt.court_id, which=registers.Which.RELATIVES, text=relatives, actor="test"
    )
    judge = await world.confirmed("j001")
    head = await world.confirmed("h001")
    office = await world.confirmed("k001")
    for user in (head, office):
        user._begin()
    await fill_and_submit(world, judge)  # the intervener: 某律师事务所律师张某
    number = await only_record(world)
    reminded = await judge.wait_for("【回避提醒】")
    assert number in reminded.text and "王明" in reminded.text
    assert "张法官的配偶" in (await head.wait_for("【可能需要回避】")).text
    assert number in (await office.wait_for("【可能需要回避】")).text


async def test_the_signed_head_reaches_the_discipline_office_on_wecom_once(
    world: World, tmp_path: Path
) -> None:
    """A WeCom-only deployment still takes its daily signed checkpoint, and the head leaves the server as a
    file in the discipline officer's WeCom (seed 003 §12: 全程留痕; seed 004 §15) — once."""
    rt = world.runtime
    await integrity.ensure_keys(rt.settings, world.clock)
    judge = await world.confirmed("j001")
    office = await world.confirmed("k001")
    office._begin()
    await judge.send_text("院外有人打招呼")
    await judge.wait_for("已留存证据")
    assert await signing.signed_heads(world.door) == 1
    file = await office.wait_for(lambda m: m.msgtype == "file")
    data = world.sandbox.media_bytes(file.payload["media_id"])
    assert data is not None
    head = parse_signed_head(data)
    (tmp_path / "kept.json").write_bytes(data)
    report = await integrity.run_verify(rt, actor="test", against=tmp_path / "kept.json")
    assert report.signed_head == head.tree_size
    assert await signing.signed_heads(world.door) == 0  # the same head is not sent twice
    assert not [m for m in judge.messages if m.msgtype == "file"]  # only the discipline office keeps it
