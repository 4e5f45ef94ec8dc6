"""Every third-party package the product imports is declared in pyproject.toml (a package that only
arrives as another one's dependency may leave with it), and the Bot API has one HTTP client stack:
aiohttp (bot/http.py), not httpx."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "liuhen"


def imported_modules() -> dict[str, set[str]]:
    """Top-level module → the files importing it (absolute imports, wherever they are in the file)."""
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    return {_normalise(re.split(r"[\[<>=~!;\s]", spec, maxsplit=1)[0]) for spec in specs}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_declared() -> None:
    distributions = packages_distributions()
    names = declared()
    missing = {
        module: sorted(files)
        for module, files in imported_modules().items()
        if module not in sys.stdlib_module_names
        and module != "liuhen"
        and not {_normalise(d) for d in distributions.get(module, [module])} & names
    }
    assert missing == {}


def test_the_bot_api_goes_over_aiohttp_only() -> None:
    modules = imported_modules()
    assert "httpx" not in modules, modules.get("httpx")
    assert "httpx" not in declared()  # python-telegram-bot brings its own
    sources = "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))
    assert "HTTPXRequest(" not in sources
