"""`liuhen verify`, checkpoints, keys and backups in words: where a problem is, why, and the report as the
operator reads it (seed 003 §12, seed 004 §15: 全程留痕、永久存储、有据可查)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo

from liuhen.app.backup import BackupProblem, BackupRefused
from liuhen.app.integrity import KeyProblem, KeysMissing
from liuhen.app.usecases.integrity import LedgerBroken, VerifyNote, VerifyReport
from liuhen.domain.checkpoints import (
    Checkpoint,
    Finding,
    HeadFileDefect,
    Place,
    Problem,
    ProblemKind,
    SignedHeadUnreadable,
    Where,
)
from liuhen.domain.ledger import ChainBreak
from liuhen.evidence.keys import KeyFileError
from liuhen.storage.backup import BackupError

_PLACES: Mapping[Place, str] = {
    Place.ENTRY: "条目 #{w.seq}",
    Place.HEAD: "账本头",
    Place.CHECKPOINT: "检查点 #{w.checkpoint_id}（覆盖条目 1–{w.tree_size}）",
    Place.EVIDENCE: "记录 {w.number} 证据 #{w.seq}",
    Place.EVIDENCE_MESSAGE: "记录 {w.number} 证据 #{w.seq} 的原始消息",
    Place.EVIDENCE_THUMBNAIL: "记录 {w.number} 证据 #{w.seq} 的缩略图",
    Place.COMPLAINT_ITEM: "控告 {w.number} 第 {w.seq} 项",
    Place.COMPLAINT_MESSAGE: "控告 {w.number} 第 {w.seq} 项 的原始消息",
    Place.UNREFERENCED: "未被引用的文件 {short}…",
    Place.SIGNED_HEAD: "签名头文件（覆盖条目 1–{w.tree_size}）",
    Place.RECORD: "记录 {w.number}",
    Place.EVIDENCE_ROW: "记录 {w.number} 证据 #{w.seq} 的登记行",
    Place.DECISION: "记录 {w.number} 签批意见 #{w.seq}",
    Place.VERSION: "记录 {w.number} 第 {w.seq} 版",
    Place.STAFF: "人员 {w.number}",
    Place.COMPLAINT: "控告 {w.number}",
    Place.COMPLAINT_ROW: "控告 {w.number} 第 {w.seq} 项 的登记行",
    Place.CASE_ZERO: "案件零报告 {w.number}（#{w.seq}）",
}

#: What each sealed kind and field is called in `liuhen verify`'s report (domain/seals.py).
_OBJECTS: Mapping[str, str] = {
    "record": "记录",
    "evidence": "证据登记行",
    "decision": "签批意见",
    "record_version": "记录版本",
    "staff": "人员",
    "complaint": "控告",
    "complaint_item": "控告材料",
    "case_zero": "案件零报告",
}
_FIELDS: Mapping[str, str] = {
    "court_id": "所属法院",
    "number": "编号",
    "recorder_id": "记录人",
    "status": "状态",
    "created_at": "创建时间",
    "answers": "登记内容",
    "version": "版本号",
    "direct_to_discipline": "直接报告纪检",
    "submitted_at": "提交时间",
    "chain": "签批流程",
    "filed_at": "归档时间",
    "disposition": "处置意见",
    "record_id": "所属记录",
    "seq": "序号",
    "kind": "类别",
    "state": "保存状态",
    "received_at": "收到时间",
    "chat_id": "来源会话",
    "message_id": "消息编号",
    "update_id": "更新编号",
    "origin": "来源（转发自）",
    "sha256": "文件校验值",
    "size": "文件大小",
    "media_type": "文件类型",
    "text": "文字内容",
    "entities": "文字格式",
    "file_name": "文件名",
    "media_group_id": "相册编号",
    "message_sha256": "原始消息校验值",
    "photo_compressed": "图片是否压缩",
    "stored_at": "入库时间",
    "round": "签批轮次",
    "level": "签批层级",
    "signer_id": "签批人",
    "on_behalf_of": "代签对象",
    "at": "签批时间",
    "defer_answer": "暂缓意见",
    "reason": "更正理由",
    "actor": "操作人",
    "staff_id": "工号",
    "name": "姓名",
    "department_id": "部门",
    "position": "职务",
    "role": "角色",
    "phone": "电话",
    "active": "在职状态",
    "telegram_user_id": "绑定的聊天账号",
    "enrolled_at": "绑定时间",
    "deactivated_at": "停用时间",
    "complainant_id": "控告人",
    "complaint_id": "所属控告",
    "officer_pk": "承办人",
    "case_number": "案号",
    "statement": "报告内容",
    "reviewer_pk": "审核人",
    "reviewed_at": "审核时间",
    "review_note": "审核意见",
}

_REASONS: Mapping[ChainBreak | Finding, str] = {
    ChainBreak.SEQ_GAP: "序号不连续：应为 {expected}",
    ChainBreak.PREV_HASH: "前序哈希不符",
    ChainBreak.PAYLOAD_HASH: "内容哈希不符",
    ChainBreak.ENTRY_HASH: "条目哈希不符",
    Finding.BAD_SIZE: "覆盖的条目数无效",
    Finding.ROOT_MISMATCH: "默克尔树根与账本前若干条目不符（条目被改写、删除或调换）",
    Finding.LAST_ENTRY_MISMATCH: "所覆盖的最后一条目与账本不符",
    Finding.BEYOND_LEDGER: "已签名覆盖 {signed} 条，账本只有 {entries} 条（条目被删除）",
    Finding.NO_PUBLIC_KEY: "没有可用的签名公钥，无法核验（请用 --public-key 指定，或放回密钥目录）",
    Finding.UNKNOWN_KEY: "签名密钥 {key_id} 不在已知公钥之列",
    Finding.BAD_SIGNATURE: "签名无效（检查点被改动或伪造）",
    Finding.BAD_TIMESTAMP: "可信时间戳无效：{why}",
    Finding.HEAD_MISSING: "缺失",
    Finding.HEAD_MISMATCH: "记载最后条目为 #{head_seq}，账本实际最后为 #{last_seq}（末尾条目被删除或改动）",
    Finding.NOT_ATTESTED: "账本中没有收到这件证据的登记（原始消息校验值不符或被改动）",
    Finding.DUPLICATE_MESSAGE: "与另一件证据指向同一条原始消息（证据行被复制或改动）",
    Finding.HASH_DIFFERS: "文件校验值与账本登记的不符（证据行被改动）",
    Finding.SIZE_DIFFERS: "文件大小与账本登记的不符（证据行被改动）",
    Finding.FILE_NOT_ATTESTED: "账本中没有这个文件的入库登记（证据行被改动）",
    Finding.FILE_MISSING: "文件缺失",
    Finding.FILE_CORRUPT: "文件内容与登记的 SHA-256 不符（被改动或损坏）",
    Finding.FILE_NO_KEY: "无法解密：缺少证据密钥",
    Finding.FILE_UNREADABLE: "{state}",
    Finding.FILE_NOT_A_DIGEST: "登记的文件校验值不是 SHA-256（证据行被改动）",
    Finding.FILE_SIZE: "大小不符：登记 {registered} 字节，文件 {actual} 字节",
    Finding.ROW_MISSING: "账本登记收到的这件证据在数据库中已没有证据行（证据行被删除）",
    Finding.PREVIOUS_MISSING: (
        "签名所指的前一检查点（覆盖条目 1–{expected}）不在数据库中，"
        "排在它前面的检查点覆盖 1–{found}（检查点被删除）"
    ),
    Finding.PREVIOUS_DIFFERS: "与签名所指的前一检查点（覆盖条目 1–{expected}）树根不符（检查点被改动）",
    Finding.HEAD_FILE_UNREADABLE: "无法读取：{defect}",
    Finding.CHECKPOINT_DELETED: (
        "已签名覆盖条目 1–{signed}，数据库中最新的检查点只覆盖 1–{latest}（最新的检查点被删除）"
    ),
    Finding.FIELD_CHANGED: "「{field}」与账本条目 #{entry} 所记不符（数据库被直接改动）",
    Finding.NOT_SEALED: "账本中没有这一行的任何登记（该行被绕过系统直接写入数据库）",
    Finding.SEALED_ROW_GONE: "账本登记的{object}（内部编号 {id}）在数据库中已不存在（该行被删除）",
}

_HEAD_FILE: Mapping[HeadFileDefect, str] = {
    HeadFileDefect.MISSING: "文件不存在 {why}",
    HeadFileDefect.UNREADABLE: "无法打开（{why}）",
    HeadFileDefect.NOT_JSON: "不是 JSON（{why}）",
    HeadFileDefect.WRONG_FORMAT: "不是 liuhen 的签名头文件",
    HeadFileDefect.BAD_STATEMENT: "其中的签名陈述无效或被改动（{why}）",
}


def where(w: Where) -> str:
    if w.place is Place.SIGNED_HEAD and w.tree_size is None:
        return "签名头文件"
    return _PLACES[w.place].format(w=w, short=w.sha256[:12])


def head_file_defect(defect: str, why: str = "") -> str:
    return _HEAD_FILE[HeadFileDefect(defect)].format(why=why).rstrip()


def head_file_unreadable(exc: SignedHeadUnreadable) -> str:
    """`verify --against FILE` when FILE cannot be read."""
    return f"签名头文件无法使用：{head_file_defect(exc.defect, exc.why)}"


def reason(p: Problem) -> str:
    if p.reason is Finding.HEAD_FILE_UNREADABLE:
        return _REASONS[p.reason].format(
            defect=head_file_defect(str(p.detail["defect"]), str(p.detail.get("why", "")))
        )
    if p.kind is ProblemKind.SIGNED_HEAD and p.reason is Finding.BEYOND_LEDGER:
        return "已签名覆盖 {signed} 条，账本现在只有 {entries} 条（账本被截断或回退）".format(**p.detail)
    if p.kind is ProblemKind.SIGNED_HEAD and p.reason is Finding.ROOT_MISMATCH:
        return "账本前若干条目的默克尔树根与签名头不符（账本被改写）"
    if p.reason is Finding.CHECKPOINT_DELETED and int(p.detail["latest"]) >= int(p.detail["signed"]):
        return "数据库中没有签名头所载的检查点（检查点被删除或改动）"
    if p.kind is ProblemKind.STATE:
        detail = dict(p.detail)
        detail["object"] = _OBJECTS.get(str(detail.get("object")), str(detail.get("object")))
        if "field" in detail:
            detail["field"] = _FIELDS.get(str(detail["field"]), str(detail["field"]))
        elif p.reason is Finding.FIELD_CHANGED:
            return "账本条目 #{entry} 所记的字段在数据库中已缺失（数据库被直接改动）".format(**detail)
        return _REASONS[p.reason].format(**detail)
    text = _REASONS[p.reason].format(**p.detail)
    if p.reason is Finding.FILE_NO_KEY and p.detail.get("why"):
        text += f"（{p.detail['why']}）"
    return text


def problem(p: Problem) -> str:
    """``条目 #12：条目哈希不符``."""
    return f"{where(p.where)}：{reason(p)}"


def problem_json(p: Problem) -> dict[str, object]:
    data: dict[str, object] = {"kind": p.kind.value, "where": where(p.where), "reason": reason(p)}
    for key in ("seq", "checkpoint_id", "sha256"):
        value = getattr(p, key)
        if value is not None:
            data[key] = value
    return data


def note(n: VerifyNote, r: VerifyReport) -> str:
    if n is VerifyNote.NO_CHECKPOINT:
        return "尚无签名检查点：请运行 liuhen checkpoint（运行中的机器人每天自动生成）"
    if n is VerifyNote.NO_SIGNED_HEAD:
        return (
            "数据目录中没有签名头文件 signed-head.json：最新的检查点若连同账本末尾一起被删除，将无法发现。"
            "请用 --against 指定另行保存的签名头文件"
        )
    if n is VerifyNote.UNREFERENCED:
        shown = "、".join(d[:12] + "…" for d in r.unreferenced[:5])
        more = f" 等 {len(r.unreferenced)} 个" if len(r.unreferenced) > 5 else ""
        return (
            f"证据存储中有 {len(r.unreferenced)} 个文件没有任何登记行引用：{shown}{more}"
            "（进程在写入文件后、登记前中断时会留下这样的文件；若账本同时报告登记行被删除，则是删除的痕迹）"
        )
    return f"最后一个检查点之后还有 {r.entries - r.covered} 条条目尚未签名"


def report_json(r: VerifyReport) -> dict[str, object]:
    """`liuhen verify --json`."""
    return {
        "ok": r.ok,
        "ledger": {"entries": r.entries, "head_seq": r.head_seq},
        "checkpoints": {
            "count": r.checkpoints,
            "covered_entries": r.covered,
            "timestamped": r.timestamped,
        },
        "files": {"checked": r.files, "referenced": r.referenced},
        "rows": {"checked": r.rows},
        "unreferenced_files": r.unreferenced,
        "signed_head": {"file": r.head_file, "tree_size": r.signed_head} if r.head_file else None,
        "first_problem": problem_json(r.first) if r.first else None,
        "problems": [problem_json(p) for p in r.problems],
        "notes": [note(n, r) for n in r.notes],
    }


def report_lines(r: VerifyReport, limit: int = 50) -> list[str]:
    """The report as the operator reads it (the first problem first)."""
    kinds = {p.kind.value for p in r.problems}

    def mark(ok: bool) -> str:
        return "✔" if ok else "✘"

    checkpoints = (
        f"{r.checkpoints} 个，最新覆盖条目 1–{r.covered}，其中 {r.timestamped} 个带可信时间戳"
        if r.checkpoints
        else "尚无"
    )
    lines = [
        f"{mark(not kinds & {'ledger', 'ledger_head'})} 账本：{r.entries} 条（账本头 #{r.head_seq}）",
        f"{mark('checkpoint' not in kinds)} 签名检查点：{checkpoints}",
        f"{mark('evidence' not in kinds)} 证据登记：每件证据与账本中收到它时的登记一致",
        f"{mark('state' not in kinds)} 数据行：{r.rows} 行记录、证据、签批、版本、人员与控告同账本所记一致",
        f"{mark('file' not in kinds)} 文件：{r.files} 个（{r.referenced} 个被记录或控告引用）",
    ]
    if r.head_file:
        covered = f"覆盖条目 1–{r.signed_head}，" if r.signed_head is not None else ""
        lines.append(f"{mark('signed_head' not in kinds)} 签名头：{r.head_file}（{covered}账本须延续它）")
    lines += [f"提醒：{note(n, r)}" for n in r.notes]
    if r.ok:
        lines.append("核验通过：账本、证据登记、数据行与全部文件完好。")
        return lines
    lines.append(f"核验未通过：发现 {len(r.problems)} 处问题。第一处：{problem(r.problems[0])}")
    lines += [f"  · {problem(p)}" for p in r.problems[1:limit]]
    if len(r.problems) > limit:
        lines.append(f"  …… 另有 {len(r.problems) - limit} 处（--json 列出全部）")
    return lines


def ledger_broken(exc: LedgerBroken) -> str:
    """Why no checkpoint was signed."""
    return f"账本核验不通过，未签名检查点：{problem(exc.problem)}。请运行 liuhen verify 查看。"


_KEYS: Mapping[KeyProblem, str] = {
    KeyProblem.KEYRING_LOST: (
        "证据目录中已有加密文件，但找不到证据密钥文件 {path}。请把原来的密钥文件放回"
        "（或设置 LIUHEN_EVIDENCE_KEY_FILE 指向它）；新建密钥将无法解密已有证据。"
    ),
    KeyProblem.KEYRING_NEEDED: (
        "证据已加密存放，但找不到证据密钥文件 {path}。请放回密钥文件或设置 LIUHEN_EVIDENCE_KEY_FILE。"
    ),
    KeyProblem.NO_SIGNING_KEY: "密钥目录 {path} 中没有检查点签名私钥，请先运行 liuhen init",
}


def key_error(exc: KeyFileError) -> str:
    """A key that is missing; the key files' own errors (unreadable, malformed) say it themselves."""
    if isinstance(exc, KeysMissing):
        return _KEYS[exc.problem].format(path=exc.path)
    return str(exc)


_BACKUP: Mapping[BackupProblem, str] = {
    BackupProblem.NOT_EMPTY: "备份目录 {path} 不是空的",
    BackupProblem.NO_MANIFEST: "{path} 中没有 {file}：不是完整的 liuhen 备份",
    BackupProblem.BAD_MANIFEST: "{file} 无法解析：{detail}",
    BackupProblem.WRONG_FORMAT: "{file} 不是 {format} 格式",
    BackupProblem.INCOMPLETE: "备份不完整：缺少 {path}",
    BackupProblem.CORRUPT: "备份已损坏：{path} 的哈希与清单不符",
    BackupProblem.OTHER_COURT: (
        "备份属于法院代码 {found}，当前设置为 {configured}；请设置 LIUHEN_COURT_CODE={found}"
    ),
    BackupProblem.OTHER_BACKEND: "备份的数据库是 {found}，当前配置的是 {configured}",
    BackupProblem.EVIDENCE_NOT_EMPTY: "证据目录 {path} 不是空的：恢复只写入空的数据目录",
    BackupProblem.DATABASE_NOT_EMPTY: (
        "目标数据库不是空的：恢复只写入空数据库（请新建数据库或指定新的数据目录）"
    ),
}


def backup_error(exc: BackupError) -> str:
    """Why a backup or a restore refused; the database tools' own failures say it themselves."""
    if isinstance(exc, BackupRefused):
        return _BACKUP[exc.problem].format(**exc.params)
    return str(exc)


def recorded() -> str:
    return "本次核验已记入账本（integrity.verify）。"


def head_file_name(cp: Checkpoint) -> str:
    return f"signed-head-{cp.tree_size}.json"


def head_caption(cp: Checkpoint, tz: tzinfo) -> str:
    """What a discipline officer reads with the daily signed head (seed 004 §15: 有据可查)."""
    at = cp.signed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return (
        f"留痕账本签名头：覆盖条目 1–{cp.tree_size}，{at} 签名。\n"
        "请保存此文件，不必回复。它不含任何记录内容；核验时用 liuhen verify --against 此文件，"
        "即可证明账本此后没有被截断、回退或改写——即使服务器管理员也无法让它失效。"
    )
