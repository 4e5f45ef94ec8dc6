"""The core speaks typed outcomes; the doors speak Chinese (docs/architecture.md "Layers").

No string a person reads is built in ``domain/`` or ``app/``: use cases return typed outcomes and ``texts/``
renders them for every door. The exceptions are the catalogues — data with the article each entry comes from
(seed 001 实施办法 §4, §7; seed 002 §3; seed 003 §11; seed 004 §7 and its 登记表) — which a court may adjust
without code. Comments and docstrings may of course quote the seeds in Chinese.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import liuhen

PACKAGE = Path(liuhen.__file__).resolve().parent
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: Catalogues as data, each entry with its article (docs/architecture.md "Catalogues").
CATALOGUES = {
    "domain/catalogue.py",
    "domain/questionnaire.py",
    "domain/grammar.py",  # the Chinese that input is written in: read, never said
    "domain/casezero_form.py",  # the seed 004 form the officer confirms, stored as confirmed
    "domain/casenumber.py",  # the grammar of a case number (案号), and the stored 尚未立案
    "domain/inference.py",  # how units, positions and chat screens are written: read, never said
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def words_in(path: Path) -> list[str]:
    """Every string constant with Chinese in it, outside docstrings: ``line: text``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and CJK.search(node.value)
        ):
            found.append(f"{node.lineno}: {node.value[:40]}")
    return found


def core_modules() -> list[Path]:
    return sorted(p for layer in ("domain", "app") for p in (PACKAGE / layer).rglob("*.py"))


def test_the_scan_finds_words_where_there_are_some(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""文档可以用中文。"""\nX = "已提交"\n# 注释也可以\nY = f"记录 {1}"\n', encoding="utf-8"
    )
    assert [w.split(":")[0] for w in words_in(sample)] == ["2", "4"]


def test_domain_and_app_build_no_sentences_or_labels() -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): words
        for p in core_modules()
        if str(p.relative_to(PACKAGE)) not in CATALOGUES and (words := words_in(p))
    }
    assert offenders == {}, "\n".join(f"{m}: {len(w)} — {w[:3]}" for m, w in offenders.items())
