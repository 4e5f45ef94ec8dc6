"""How a court and a procuratorate say the same things: their titles and the articles their users may see
cited. A court's users never see a procuratorate's article, and the other way round (the organisation's
profile, ``LIUHEN_DEADLINE_PROFILE``: court = seed 002, procuratorate = seed 004)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    org: str  # 法院 / 检察院
    chief: str  # 院长 / 检察长
    work: str  # 审判 / 检察
    management: str  # 审判管理 / 案件管理
    chain_rule: str  # the article of the sign-off chain and its three working days, as cited
    defer_rule: str  # the article of the recorder's suggestion to defer (seed 004 §18)
    copy_rule: str  # the article of the copies within three days (seed 002 §6, §8)
    late_rule: str = "经部门主要负责人同意，可以事后补记"  # a late entry (seed 004 §7), as cited
    #: the source documents its users may see cited (seed numbers as the code cites them)
    documents: frozenset[str] = frozenset({"001", "001 实施办法", "002", "003"})


COURT = Voice(
    org="法院",
    chief="院长",
    work="审判",
    management="审判管理",
    chain_rule="",
    defer_rule="",
    copy_rule="（法院实施细则第六条、第八条）",
)
PROCURATORATE = Voice(
    org="检察院",
    chief="检察长",
    work="检察",
    management="案件管理",
    chain_rule="（检察机关规定第十三条）",
    defer_rule="（检察机关规定第十八条）",
    copy_rule="",
    late_rule="检察机关规定第七条：经部门主要负责人同意，可以事后补记",
    documents=frozenset({"001", "004"}),  # the central rules apply to both; the rest are the courts' own
)


def voice(profile: object) -> Voice:
    """The voice of a deadline profile (``DeadlineProfile`` or its value)."""
    return PROCURATORATE if str(getattr(profile, "value", profile)) == "procuratorate" else COURT
