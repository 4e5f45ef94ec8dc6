"""Catalogues as data, each entry with the article it comes from (docs/architecture.md "Layers": catalogues
are data).

Everything a recorder picks from a list lives here, in one module, so a court can adjust a label or add an
entry without touching code elsewhere. Keys are stable identifiers stored in the database: never rename a
key, add a new one instead (an old record must still render; see ``label(..., default=...)``). Labels are
short enough for a Telegram button (≤ 20 characters); the longer explanation is in ``hint`` or, for the
special-report items, the verbatim article text in ``text``.

Sources are cited as ``seed NNN §n`` for the five source documents (docs/domain.md lists them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar


@dataclass(frozen=True)
class Choice:
    """One entry of a catalogue: stable ``key``, button ``label``, ``source`` article, one-line ``hint``."""

    key: str
    label: str
    source: str
    hint: str = ""


@dataclass(frozen=True)
class SpecialItem:
    """A special-report item (特别报告事项): button ``label`` plus the verbatim article ``text``.

    ``text`` is the item exactly as the source document words it, without its enumerator "（n）" and
    without the closing "；"/"。". Items with the same meaning share a ``key`` across profiles, so quarterly
    figures of a court using the seed 002 list and one using the seed 001 list can be added up.
    """

    key: str
    label: str
    text: str
    source: str

    @property
    def hint(self) -> str:
        return self.text


class Entry(Protocol):
    """Anything with a stable key, a label and a source (a ``Choice`` or a ``SpecialItem``)."""

    @property
    def key(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def source(self) -> str: ...


E = TypeVar("E", bound=Entry)

# ---------------------------------------------------------------------------------------------------------
# Record types (记录类型) — seed 003 §11; "record anyway" — seed 003 §5.

RECORD_TYPES: tuple[Choice, ...] = (
    Choice(
        "external",
        "外部人员过问",
        "seed 003 §11, §7; seed 001 §5",
        "院外的领导干部（含离退休）、其身边工作人员或亲属，或以组织名义发文发函过问案件",
    ),
    Choice(
        "internal",
        "内部人员过问",
        "seed 003 §11, §8; seed 004 §9",
        "本院、上级或其他司法机关工作人员非因履行职责过问、打探案情、转递材料、说情",
    ),
    Choice(
        "contact",
        "接触交往",
        "seed 003 §11, §9",
        "与当事人、律师、特殊关系人、中介组织接触交往，或亲友熟人不借公职身份打听请托",
    ),
    Choice(
        "uncertain",
        "不确定（由纪检监察部门认定）",
        "seed 003 §5",
        "难以判断是否属于干预过问的，先如实登记记录，再由内部监督部门审核甄别",
    ),
)

# ---------------------------------------------------------------------------------------------------------
# Methods of intervention (过问方式) — seed 001 实施办法 §4 (函文、短信、微博客、微信、电子邮件、口头),
# seed 001 §8(4) and 实施办法 §7(4) (听取汇报、开协调会、发文件、打电话), 实施办法 §7(14) (批转材料),
# seed 004 §6 (书信、函件、录音录像、网上聊天记录).

METHODS: tuple[Choice, ...] = (
    Choice("face_to_face", "当面", "seed 001 实施办法 §4（口头方式）", "当面口头提出；需记录场所和在场人员"),
    Choice(
        "phone", "电话", "seed 001 实施办法 §4（口头方式）, §7(4)（打电话）", "打电话；需记录场所和在场人员"
    ),
    Choice("sms", "短信", "seed 001 实施办法 §4", "手机短信；需记录信息存储介质并截屏留存"),
    Choice(
        "wechat", "微信", "seed 001 实施办法 §4; seed 004 §6", "微信消息或语音；需记录信息存储介质并截屏留存"
    ),
    Choice(
        "email", "电子邮件", "seed 001 实施办法 §4; seed 004 §6", "电子邮件；需记录信息存储介质并留存原件"
    ),
    Choice(
        "microblog", "微博", "seed 001 实施办法 §4（微博客）", "微博私信或评论；需记录信息存储介质并截屏留存"
    ),
    Choice("letter", "函文", "seed 001 实施办法 §2, §4; seed 001 §5", "函文、信件，含以组织名义发文发函"),
    Choice(
        "meeting", "协调会", "seed 001 §8(4); seed 001 实施办法 §7(4)", "以听取汇报、开协调会等形式提出要求"
    ),
    Choice(
        "materials",
        "批转材料",
        "seed 001 实施办法 §7(14); seed 004 §11(5)",
        "批转、转递当事人或其关系人单方提交的涉案材料",
    ),
    Choice("other", "其他", "seed 004 登记表（过问方式）", "以上均不符合的其他方式"),
)

# Oral methods need place and persons present, other staff present sign (seed 001 实施办法 §4); electronic
# methods need the storage medium and the captured data (seed 001 实施办法 §4, seed 002 §3).
ORAL_METHODS: frozenset[str] = frozenset({"face_to_face", "phone", "meeting"})  # 协调会: oral too
ELECTRONIC_METHODS: frozenset[str] = frozenset({"sms", "wechat", "email", "microblog"})

# ---------------------------------------------------------------------------------------------------------
# Relation of the intervener to the leading cadre — seed 001 §5, 实施办法 §2.

RELATIONS: tuple[Choice, ...] = (
    Choice("self", "本人", "seed 001 §5 第一款; seed 001 实施办法 §2", "领导干部本人过问"),
    Choice(
        "staff",
        "身边工作人员",
        "seed 001 §5 第二款; seed 001 实施办法 §2",
        "领导干部的秘书、司机等身边工作人员",
    ),
    Choice("relative", "亲属", "seed 001 §5 第二款; seed 001 实施办法 §2", "领导干部的亲属"),
    Choice(
        "organisation",
        "以组织名义发文发函",
        "seed 001 §5 第二款; seed 001 实施办法 §2",
        "以机关、单位名义向本院发文发函对案件处理提出要求",
    ),
)

# ---------------------------------------------------------------------------------------------------------
# Organ categories of the intervener's unit — seed 001 §12 and 实施办法 §10 (党的机关、人大机关、
# 行政机关、政协机关、审判机关、检察机关、军事机关以及公司、企业、事业单位、社会团体); the other judicial
# organs after the 中央政法委《司法机关内部人员过问案件的记录和责任追究规定》 that seed 004 §1 implements.

ORGAN_CATEGORIES: tuple[Choice, ...] = (
    Choice("party", "党委（党的机关）", "seed 001 §12", "各级党委及其工作部门，含党委政法委"),
    Choice("congress", "人大机关", "seed 001 §12", "各级人大及其常委会机关"),
    Choice("government", "政府（行政机关）", "seed 001 §12", "各级人民政府及其工作部门"),
    Choice("cppcc", "政协机关", "seed 001 §12", "各级政协机关"),
    Choice("discipline", "纪检监察机关", "seed 004 §12(2); seed 001 §7 第二款", "各级纪委监委及派驻机构"),
    Choice("court", "法院", "seed 001 §12（审判机关）; seed 004 §17(3)", "本院以外的各级人民法院"),
    Choice("procuratorate", "检察院", "seed 001 §12（检察机关）; seed 004 §17(3)", "各级人民检察院"),
    Choice(
        "police", "公安机关", "seed 004 §1（司法机关内部人员）; seed 001 §8(1)（侦查）", "公安、国家安全机关"
    ),
    Choice(
        "justice", "司法行政机关", "seed 004 §1（司法机关内部人员）", "司法局、监狱、律师管理等司法行政机关"
    ),
    Choice("military", "军事机关", "seed 001 §12", "军队、武警机关"),
    Choice("enterprise", "企业", "seed 001 §12（公司、企业）", "国有企业及其他公司、企业"),
    Choice("institution", "事业单位", "seed 001 §12", "事业单位，含依法承担行政职能的事业单位"),
    Choice(
        "association",
        "社会团体",
        "seed 001 §12; seed 001 实施办法 §5（行业协会商会）",
        "社会团体、行业协会商会",
    ),
    Choice("other", "其他", "seed 004 §39", "以上均不符合的其他单位或个人"),
)

# ---------------------------------------------------------------------------------------------------------
# Litigation stages (诉讼阶段) — seed 001 §8(1) (线索核查、立案、侦查、审查起诉、审判、执行),
# seed 004 §11(1) (申诉、赔偿、国家司法救助), seed 001 实施办法 §7(13) (减刑、假释).

STAGES: tuple[Choice, ...] = (
    Choice("clue_check", "线索核查", "seed 001 §8(1); seed 004 §11(1)"),
    Choice("filing", "立案", "seed 001 §8(1); seed 001 实施办法 §7(5)"),
    Choice("investigation", "侦查", "seed 001 §8(1); seed 004 §11(1)"),
    Choice("prosecution_review", "审查起诉", "seed 001 §8(1); seed 004 §11(1)"),
    Choice("trial", "审判", "seed 001 §8(1); seed 001 实施办法 §7(1)", "一审、二审、再审"),
    Choice("enforcement", "执行", "seed 001 §8(1); seed 001 实施办法 §7(1)"),
    Choice("petition", "申诉", "seed 004 §11(1)", "申诉、申请再审"),
    Choice("compensation", "赔偿", "seed 004 §11(1)", "国家赔偿"),
    Choice("judicial_aid", "司法救助", "seed 004 §11(1)", "国家司法救助"),
    Choice("commutation_parole", "减刑假释", "seed 001 实施办法 §7(13)"),
)

# ---------------------------------------------------------------------------------------------------------
# Special-report items (特别报告事项).


def _items(source: str, rows: Iterable[tuple[str, str, str]]) -> tuple[SpecialItem, ...]:
    return tuple(
        SpecialItem(key, label, text, f"{source}({n})") for n, (key, label, text) in enumerate(rows, start=1)
    )


# The 15 items of the Supreme People's Court's implementation measures — seed 001 实施办法 §7.
SPECIAL_ITEMS_COURT: tuple[SpecialItem, ...] = _items(
    "seed 001 实施办法 §7",
    (
        ("plead", "审判执行环节请托说情", "在审判、执行等环节为案件当事人请托说情的"),
        (
            "private_meeting",
            "要求私下会见联系当事人等",
            "要求人民法院工作人员私下会见、联系案件当事人或者其辩护人、诉讼代理人、近亲属以及其他与案件"
            "有利害关系的人的",
        ),
        ("staff_relatives", "授意身边人员或亲属说情", "授意、纵容身边工作人员或者亲属为案件当事人请托说情的"),
        (
            "overreach",
            "超越职权提出倾向性意见",
            "以听取汇报、开协调会、发文件、打电话等形式，超越职权对案件处理提出倾向性意见或者具体要求的",
        ),
        ("filing", "要求立案、不立案或拖延立案", "要求人民法院立案、不予立案、拖延立案或者人为控制立案的"),
        (
            "trial_time",
            "要求拖延或压缩审理期限",
            "要求人民法院采取中止审理、延长审限、不计入审限等措施拖延结案或者压缩办案时间结案的",
        ),
        (
            "seizure",
            "干预查封扣押冻结措施",
            "要求人民法院对保全标的物、执行标的物采取、暂缓或者解除扣押、查封和冻结措施的",
        ),
        (
            "agency_choice",
            "要求选定鉴定评估拍卖等机构",
            "要求人民法院选择特定鉴定机构、资产评估机构、拍卖机构或者破产企业资产管理人的",
        ),
        ("enforcement_payout", "要求执行款优先发放", "要求人民法院将执行案款优先发放给特定申请执行人的"),
        (
            "enforcement_delay",
            "要求拖延、中止或终结执行",
            "要求人民法院对案件拖延执行或者作中止执行、终结执行处理的",
        ),
        (
            "criminal_property",
            "要求发还或移交涉案财物",
            "要求人民法院将刑事涉案财物发还特定被害人或者移交特定机关的",
        ),
        (
            "coercive_measures",
            "要求采取或解除强制措施",
            "要求人民法院对当事人采取强制措施，或者要求对被依法采取强制措施的当事人解除、变更强制措施的",
        ),
        (
            "commutation_parole",
            "减刑假释从严或从宽",
            "要求人民法院在减刑、假释案件审理过程中对罪犯从严或者从宽处理的",
        ),
        (
            "forward_materials",
            "批转当事人单方材料",
            "批转案件当事人或者其辩护人、诉讼代理人、近亲属以及其他与案件有利害关系的人单方提交的涉案材料"
            "或者专家意见书的",
        ),
        ("other", "其他特别报告事项", "其它有必要作为特别报告事项的行为"),
    ),
)

# The 14 items of the Wenxian County court's rules — seed 002 §9. They follow seed 001 实施办法 §7 but drop
# item (13) 减刑、假释 (a basic-level court does not try commutation and parole cases) and reword a few.
SPECIAL_ITEMS_COUNTY: tuple[SpecialItem, ...] = _items(
    "seed 002 §9",
    (
        ("plead", "审判执行环节请托说情", "在审判、执行等各个环节为案件当事人请托说情的"),
        (
            "private_meeting",
            "要求私下会见联系当事人等",
            "要求法院工作人员私下会见、联系案件当事人或者其辩护人、诉讼代理人、近亲属以及其他与案件有利害"
            "关系的人",
        ),
        ("staff_relatives", "授意身边人员或亲属说情", "授意、纵容身边工作人员或者亲属为案件当事人请托说情的"),
        (
            "overreach",
            "超越职权提出倾向性意见",
            "以听取汇报、开协调会、发文件、打电话等形式，超越职权对案件处理提出倾向性意见或者具体要求的",
        ),
        ("filing", "要求立案、不立案或拖延立案", "要求法院立案、不予立案、拖延立案或者人为控制立案的"),
        (
            "trial_time",
            "要求拖延或压缩审理期限",
            "要求法院采取中止审理、延长审限、不计入审限等措施，拖延结案或者压缩办案时间结案的",
        ),
        (
            "seizure",
            "干预查封扣押冻结措施",
            "要求法院对保全标的物、执行标的物，采取暂缓或者解除扣押、查封和冻结措施的",
        ),
        (
            "agency_choice",
            "要求选定鉴定评估拍卖等机构",
            "要求法院选择特定鉴定机构、资产评估机构、拍卖机构或者破产企业资产管理人的",
        ),
        (
            "enforcement_payout",
            "要求执行款优先发放",
            "要求法院将执行案救助款优先发放或者发放给特定申请执行人的",
        ),
        (
            "enforcement_delay",
            "要求拖延、中止或终结执行",
            "要求法院对案件拖延执行、中止执行或者终结执行处理的",
        ),
        (
            "criminal_property",
            "要求发还或移交涉案财物",
            "要求法院将刑事涉案财物返还特定被害人或者移交特定机关的",
        ),
        (
            "coercive_measures",
            "要求采取或解除强制措施",
            "要求法院对当事人采取强制措施, 或者要求对被依法采取强制措施的当事人解除、变更强制措施的",
        ),
        (
            "forward_materials",
            "批转当事人单方材料",
            "批转案件当事人或者其辩护人、诉讼代理人、近亲属以及其他与案件有利害关系的人单方提交的涉案材料"
            "或者专家意见书的",
        ),
        ("other", "其他特别报告事项", "其他有必要作为特别报告事项的行为"),
    ),
)

# Seed 004 (a procuratorate) has no list titled 特别报告事项. Its §11 lists the behaviours that must be
# recorded (and §22 notified); this is the nearest equivalent and is offered for the procuratorate profile.
SPECIAL_ITEMS_PROCURATORATE: tuple[SpecialItem, ...] = _items(
    "seed 004 §11",
    (
        (
            "plead",
            "各环节请托说情或越权要求",
            "在线索核查、立案、侦查、审查起诉、审判、执行、申诉、赔偿、国家司法救助等环节为案件当事人请托说情"
            "或明确提出职权范围之外要求的",
        ),
        (
            "private_meeting",
            "要求私下会见或提供便利",
            "要求、邀请、介绍办案人员或办案单位负责人私下会见案件当事人或其辩护人、诉讼代理人、近亲属以及其他"
            "与案件有利害关系的人的，或为私下接触提供帮助、便利的",
        ),
        ("staff_relatives", "授意身边人员或亲属说情", "授意、纵容身边工作人员或者亲属为案件当事人请托说情的"),
        (
            "overreach",
            "超越职权提出要求或意见",
            "以听取汇报、开协调会、发文件、打电话、口头授意、特别交待或言语暗示等形式，超越职权对案件处理提出"
            "具体要求或倾向性意见的",
        ),
        (
            "relay",
            "打探案情、通风报信、转递材料",
            "违反规定为案件当事人或其辩护人、诉讼代理人、亲属打探案情、通风报信、转递涉案材料的",
        ),
        (
            "improper_demand",
            "要求实施违纪违规行为",
            "要求检察人员实施不符合检察纪律或办案规范要求的行为、可能影响案件公正处理的",
        ),
        (
            "obstruction",
            "以暴力威胁舆情等阻碍办案",
            "亲自或授意、纵容有关人员以暴力、威胁、纠缠、发布不实信息制造舆情等手段阻碍正常司法办案的",
        ),
        (
            "opinion_or_escort",
            "提出处理意见或陪同反映",
            "对正在办理的案件向检察机关和办案人员提出处理意见，或陪同案件当事人、其他相关人员找办案人员反映"
            "情况并提出倾向性意见的",
        ),
        (
            "probe_persons",
            "打听办案人员证人举报人",
            "打听办案人员组成及其家庭情况，证人情况，举报人及举报内容等有关情况的",
        ),
        (
            "other",
            "其他干预过问行为",
            "其他干预、插手、过问检察机关司法办案、影响办案人员依法公正处理案件的行为",
        ),
    ),
)

# Profile name → special-report items. "court": the Supreme People's Court's 15 items (seed 001 实施办法 §7),
# the default for every court; "county": the 14-item variant of seed 002 §9 for a basic-level court that
# adopted it; "procuratorate": seed 004 §11.
SPECIAL_ITEM_PROFILES: Mapping[str, tuple[SpecialItem, ...]] = {
    "court": SPECIAL_ITEMS_COURT,
    "county": SPECIAL_ITEMS_COUNTY,
    "procuratorate": SPECIAL_ITEMS_PROCURATORATE,
}


def special_items(profile: str) -> tuple[SpecialItem, ...]:
    """The special-report items of a profile ("court", "county" or "procuratorate"; see above)."""
    try:
        return SPECIAL_ITEM_PROFILES[profile]
    except KeyError:
        known = ", ".join(SPECIAL_ITEM_PROFILES)
        raise ValueError(f"unknown special-item profile {profile!r}; known: {known}") from None


# ---------------------------------------------------------------------------------------------------------
# Dispositions by the discipline office (纪检监察机构处理) — seed 004 §17, §20; seed 001 §7, 实施办法 §5, §6.

DISPOSITIONS: tuple[Choice, ...] = (
    Choice(
        "quarterly",
        "纳入季度汇总",
        "seed 001 §7; seed 001 实施办法 §6; seed 002 §7; seed 004 §17(1)",
        "定期梳理、汇总，按季度报送同级党委政法委和上级机关",
    ),
    Choice(
        "immediate",
        "一事一报（立即报告）",
        "seed 001 §7; seed 001 实施办法 §6; seed 002 §7; seed 004 §17(1), §34",
        "情节严重、可能造成冤假错案或影响案件公正办理的，立即报告并层报",
    ),
    Choice(
        "transfer",
        "告知过问人所在单位纪检监察机构",
        "seed 004 §17(3)",
        "其他司法机关工作人员过问的，三个工作日内告知其所在单位纪检监察机构并移交记录复印件",
    ),
    Choice(
        "investigate",
        "本院纪检监察机构调查处理",
        "seed 004 §17(2), §19(1)",
        "本院内部人员过问的，按干部管理权限调查处理，结果反馈记录人",
    ),
    Choice(
        "escalate",
        "报上一级纪检监察机构处理",
        "seed 004 §17(2)",
        "过问人系本院领导班子成员的，报送上一级纪检监察机构处理",
    ),
    Choice(
        "exempt",
        "不录入专库，存入案件正卷备查",
        "seed 001 实施办法 §5; seed 002 §5; seed 004 §12",
        "受委托或许可依工作程序提出的参考意见，可不录入专库，但相关材料存入案件正卷备查",
    ),
    Choice(
        "false_record",
        "不实记录（予以澄清）",
        "seed 004 §20",
        "属于不实记录或虚假记录的，应当纠正并及时为被记录人澄清事实",
    ),
)

# ---------------------------------------------------------------------------------------------------------
# Recorder's response presets (记录人答复的形式及内容, a row of the seed 004 登记表).

RESPONSES: tuple[Choice, ...] = (
    Choice(
        "refused",
        "告知相关规定并拒绝",
        "seed 004 §2, §6; seed 004 登记表",
        "告知对方“三个规定”的要求，拒绝其要求",
    ),
    Choice(
        "told_procedure",
        "告知依照程序办理",
        "seed 004 §2; seed 004 登记表",
        "对不依正当程序转递材料或提出其他要求的，告知依照程序办理",
    ),
    Choice(
        "refused_materials",
        "拒收材料，告知按程序递转",
        "seed 002 §6; seed 004 登记表",
        "承办人不得自行接收过问材料，告知经纪检监察和审判管理部门登记后递转",
    ),
    Choice("stopped", "当场制止", "seed 004 登记表", "当场制止对方的过问行为"),
    Choice("ignored", "未予理睬", "seed 004 登记表", "未作回应"),
    Choice("other", "其他（请说明）", "seed 004 登记表", "以其他方式答复，请写明答复内容"),
)

# Every catalogue by name, for validation, admin listings and tests.
#: The register's words for an act entered without a typed opinion: the 登记表's opinion rows record the
#: signer's opinion and name (seed 004 §14); the recorder's own acts are noted in the same rows.
DECISION_TEXTS: Mapping[str, str] = {
    "submit": "提交",
    "resubmit": "补正后重新提交",
    "direct": "直接报告纪检监察机构",  # seed 004 §13
    "approve": "同意",  # seed 004 §14: an officer who signs without writing an opinion agrees
}

#: The articles behind each way a level of the sign-off chain is left out or a person does not sign
#: (the keys are ``domain.signoff.SkipCase`` values), as the registration form cites them.
SKIP_SOURCES: Mapping[str, str] = {
    "leader_own": "seed 004 §13（院领导本人所作的记录应当在三个工作日内移交本院纪检监察机构）",
    "head_own": "seed 004 §13（部门主要负责人本人所作的记录应当在三个工作日内向分管院领导和本院纪检监察"
    "机构报告）",
    "self_officer": "seed 004 §13, §14",
    "missing": "seed 004 §13",
    "conflict": "seed 004 §13（可直接报告，不经过问人之手）",
    "same_officer": "seed 004 §14（接到报告的人员均应当在相应栏目内签署意见和本人姓名）",
    "direct": "seed 004 §13（检察人员也可根据实际情况，直接向本院或上级检察院纪检监察机构报告）; "
    "seed 004 登记表备注",
    "discipline_own": "seed 004 §13, §14",
    "discipline_conflict": "seed 004 §13（可直接报告，不经过问人之手）",
}


# ---------------------------------------------------------------------------------------------------------
# Accountability (责任追究) — seed 001 §9, §10, 实施办法 §8; seed 004 §25–§30; seed 003 §19: why a person is
# held accountable, and the measures the rules name.

ACCOUNTABILITY_GROUNDS: tuple[Choice, ...] = (
    Choice("intervened", "违反规定过问案件", "seed 001 §9; seed 004 §25, §26", "过问人（本院或院外人员）"),
    Choice("not_recorded", "故意不记录", "seed 001 §10; seed 004 §27", "遇有过问而故意不记录的本院人员"),
    Choice("untrue", "不如实记录", "seed 001 §10; seed 004 §20, §27", "故意不如实记录的本院人员"),
    Choice("instructed", "授意不记录或不如实记录", "seed 001 §10; seed 004 §27", "授意下属不记录的主管领导"),
    Choice("procedure", "违反登记程序", "seed 004 §28", "不填写、未详尽填写登记表或未按期报告"),
    Choice("leak", "泄露记录和报告内容", "seed 004 §29", "接触记录和报告内容而泄露的人员"),
    Choice("retaliation", "打击报复记录人", "seed 004 §30; seed 001 实施办法 §9", "对如实记录的人员打击报复"),
    Choice(
        "department_head",
        "部门负责人责任",
        "seed 004 §27",
        "本部门发生三人（次）以上故意不记录、不如实记录的，视情追究部门负责人责任",
    ),
)
#: The grounds that concern the court's own staff only (seed 004 §27, §28): the person must be on the roster.
STAFF_ONLY_GROUNDS = frozenset({"not_recorded", "untrue", "instructed", "procedure", "department_head"})

ACCOUNTABILITY_MEASURES: tuple[Choice, ...] = (
    Choice("criticism", "批评教育", "seed 004 §26, §27, §28; seed 001 实施办法 §8"),
    Choice("written_review", "责令书面检查", "seed 004 §28"),
    Choice("admonition", "诫勉谈话", "seed 004 §28"),
    Choice("notice", "通报批评", "seed 001 §10; seed 004 §28"),
    Choice("organisational", "组织处理", "seed 004 §26, §27"),
    Choice("disciplinary", "纪律处分", "seed 001 §9, §10; seed 004 §26, §27, §30"),
    Choice("judicial", "移送司法机关", "seed 001 §9; seed 004 §26, §30（涉嫌犯罪的，依法追究刑事责任）"),
)

# ---------------------------------------------------------------------------------------------------------
# Relatives of staff who practise law (干警亲属从事律师职业) — seed 003 item 15 (任职回避): the relations that
# must be reported.

LAWYER_RELATIONS: tuple[Choice, ...] = (
    Choice("spouse", "配偶", "seed 003 第15项"),
    Choice("parent", "父母", "seed 003 第15项"),
    Choice("child", "子女", "seed 003 第15项"),
    Choice("sibling", "兄弟姐妹", "seed 003 第15项"),
    Choice("spouse_parent", "配偶的父母", "seed 003 第15项"),
    Choice("spouse_sibling", "配偶的兄弟姐妹", "seed 003 第15项"),
    Choice("child_spouse", "子女的配偶", "seed 003 第15项"),
    Choice("child_spouse_parent", "子女配偶的父母", "seed 003 第15项"),
)

CATALOGUES: Mapping[str, tuple[Entry, ...]] = {
    "record_types": RECORD_TYPES,
    "methods": METHODS,
    "relations": RELATIONS,
    "organ_categories": ORGAN_CATEGORIES,
    "stages": STAGES,
    "special_items_court": SPECIAL_ITEMS_COURT,
    "special_items_county": SPECIAL_ITEMS_COUNTY,
    "special_items_procuratorate": SPECIAL_ITEMS_PROCURATORATE,
    "dispositions": DISPOSITIONS,
    "accountability_grounds": ACCOUNTABILITY_GROUNDS,
    "accountability_measures": ACCOUNTABILITY_MEASURES,
    "lawyer_relations": LAWYER_RELATIONS,
    "responses": RESPONSES,
}


def by_key(catalogue: Iterable[E]) -> dict[str, E]:
    """key → entry, in catalogue order."""
    return {entry.key: entry for entry in catalogue}


def keys(catalogue: Iterable[Entry]) -> frozenset[str]:
    """The keys of a catalogue, e.g. to validate a stored or submitted answer."""
    return frozenset(entry.key for entry in catalogue)


def label(catalogue: Iterable[Entry], key: str, default: str | None = None) -> str:
    """The label of ``key``; ``default`` (if given) for a key the catalogue no longer has, else KeyError."""
    for entry in catalogue:
        if entry.key == key:
            return entry.label
    if default is not None:
        return default
    raise KeyError(key)
