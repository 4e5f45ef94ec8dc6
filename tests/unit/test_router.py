"""The Telegram door's one registry: each feature declares its part, typed text goes to whatever waits for it
and everything else is evidence (seed 000: recording must be effortless; nothing a person sends is lost)."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

import pytest

from liuhen.app.usecases.enrolment import Member
from liuhen.bot import handlers
from liuhen.bot.router import Router, discover
from liuhen.domain.model import Staff


def member(pending: str | None = None, complaint: bool = False) -> Member:
    staff = Staff(court_id=1, staff_id="j001", name="张法官", department_id=1, position="法官", role="staff")
    return Member(staff, "刑一庭", "某县人民法院", pending_field=pending, writing_complaint=complaint)


@dataclass
class FakeContext:
    me: Member
    seen: list[str] = field(default_factory=list)


def answering(name: str, *, takes: bool = True) -> Any:
    async def handler(update: object, context: FakeContext) -> bool:
        context.seen.append(name)
        return takes

    return handler


def test_every_feature_module_declares_its_part_and_the_bot_answers_every_command() -> None:
    modules = [m.name for m in pkgutil.iter_modules(handlers.__path__)]
    for name in modules:
        assert hasattr(importlib.import_module(f"liuhen.bot.handlers.{name}"), "install"), name
    router = discover()
    assert set(router.commands) == {
        "start", "help", "whoami", "new", "drafts", "amend", "form", "quarterly", "pending",
        "complaint", "monthly", "casezero", "casefile", "case", "followup",
        "accountability", "notice", "registers", "desk",
    }  # fmt: skip
    assert router.gate_handler is not None and router.evidence_handler is not None
    assert router.unknown_command_handler is not None and router.error_handler is not None
    assert {
        "reminders", "signoff_outbox", "checkpoints", "complaint_deliveries", "monthly", "casefile",
        "followup",
    } <= set(router.jobs)  # fmt: skip
    assert len(router.jobs["reminders"].parts) == 2  # the drafts' reminders, then the quarterly summary's


@pytest.mark.parametrize(
    ("pending", "complaint", "expected"),
    [
        ("_so", False, "signoff"),
        ("_casezero", False, "casezero"),
        ("_casezero_note:7", False, "casezero"),
        ("_dispute:3", False, "witness"),
        ("_amend:3", False, "amend"),
        ("_casefile:4", False, "casefile"),
        ("_followup:2|send|", False, "followup"),
        ("_acct_person:untrue", False, "accountability"),
        ("_notice_other:2026Q4|other", False, "notices"),
        ("case_number", False, "question"),
        ("case_number", True, "complaint"),  # while a complaint is written, messages are its content
    ],
)
async def test_typed_text_goes_to_what_waits_for_it(pending: str, complaint: bool, expected: str) -> None:
    names = {
        "signoff": "signoff",
        "casezero": "casezero",
        "witnesses": "witness",
        "questions_amend": "amend",
        "questions_answer": "question",
        "complaint": "complaint",
        "casefile": "casefile",
        "followup": "followup",
        "accountability": "accountability",
        "notices": "notices",
    }
    real = discover()
    router = Router()  # the features' own predicates and order, with handlers that only say who was asked
    for waiting, name in zip(real.waiting, _names_of(real), strict=True):
        router.typed(waiting.waits, answering(names[name]), order=waiting.order)
    context = FakeContext(member(pending, complaint))
    assert await router.answer_typed(object(), context)  # type: ignore[arg-type]
    assert context.seen == [expected]


def _names_of(router: Router) -> list[str]:
    out = []
    for waiting in router.waiting:
        module = waiting.handler.__module__.rsplit(".", 1)[-1]
        if module == "questions":
            module += "_amend" if "amend" in waiting.handler.__name__ else "_answer"
        out.append(module)
    return out


async def test_nothing_waiting_means_evidence_without_asking_anyone() -> None:
    router = Router()
    router.typed(lambda me: True, answering("anyone"))
    context = FakeContext(member(None))
    assert not await router.answer_typed(object(), context)  # type: ignore[arg-type]
    assert context.seen == []


async def test_a_feature_that_declines_passes_the_message_on() -> None:
    router = Router()
    router.typed(lambda me: True, answering("first", takes=False), order=1)
    router.typed(lambda me: True, answering("second", takes=False), order=2)
    context = FakeContext(member("_so"))
    assert not await router.answer_typed(object(), context)  # type: ignore[arg-type]
    assert context.seen == ["first", "second"]  # in order, and then it is evidence


def test_button_prefixes_and_commands_cannot_collide() -> None:
    router = Router()
    router.buttons("s:", answering("a"))
    with pytest.raises(ValueError, match="not distinct"):
        router.buttons("s:", answering("b"))
    with pytest.raises(ValueError, match="not distinct"):
        router.buttons("s", answering("b"))
    router.command("help", answering("a"))
    with pytest.raises(ValueError, match="twice"):
        router.command("help", answering("b"))
