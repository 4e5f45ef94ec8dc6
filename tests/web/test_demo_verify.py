"""The demo page's [运行 verify]: the demo court's evidence is encrypted at rest with its own keys,
and `liuhen verify` over it passes — or names the damaged file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from liuhen.evidence.envelope import MAGIC
from liuhen.evidence.store import FileEvidenceStore
from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.demo import DEMO_PEOPLE, DEMO_TOKEN
from tests.web.demo_proc import running_demo


async def post(url: str) -> Any:
    async with aiohttp.ClientSession() as http, http.post(url) as response:
        return await response.json()


async def test_verify_button_over_encrypted_demo_data(tmp_path: Path) -> None:
    with running_demo(tmp_path) as demo:
        assert demo.get("/demo/api/config")["features"]["verify"] is True
        async with SandboxClient(demo.url, DEMO_TOKEN) as sim:
            judge = DEMO_PEOPLE["j001"]
            await sim.send_text(judge, "院长秘书打来电话，让我关照一下那个案子。")
            await sim.wait_for(judge, "已留存证据", timeout=20)
        result = await post(demo.url + "demo/api/verify")
        assert result["ok"] is True, result
        assert "核验通过" in result["output"]
        store = FileEvidenceStore(tmp_path / "demo" / "evidence")
        files = list(store.iter_all())
        assert files and all(store.path_for(d).read_bytes().startswith(MAGIC) for d in files)
        assert (tmp_path / "demo" / "keys" / "evidence.keys").exists()

        victim = store.path_for(files[0])
        victim.chmod(0o600)
        victim.write_bytes(victim.read_bytes()[:-1])
        result = await post(demo.url + "demo/api/verify")
        assert result["ok"] is False and "核验未通过" in result["output"]
