"""A local RFC 3161 timestamp authority for tests: a throwaway CA and TSA certificate made with `openssl`,
and a tiny aiohttp server that answers each query with `openssl ts -reply`."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

EXT = """[tsa_ext]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
"""

CONFIG = """[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(directory: Path, name: str = "liuhen test") -> Path:
    """A CA and a TSA certificate signed by it; returns the directory (ca.crt, tsa.crt, tsa.key, ts.cnf)."""
    directory.mkdir(parents=True, exist_ok=True)
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl(
        "req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.crt", "-days", "3",
        "-subj", f"/CN={name} CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "req",
        "-new",
        *curve,
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        f"/CN={name} TSA",
        cwd=directory,
    )
    (directory / "ext.cnf").write_text(EXT)
    _openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "ext.cnf", "-extensions", "tsa_ext", "-out", "tsa.crt",
        cwd=directory,
    )  # fmt: skip
    (directory / "ts.cnf").write_text(CONFIG.format(dir=directory))
    (directory / "tsaserial").write_text("01\n")
    return directory


@dataclass
class Tsa:
    url: str
    ca_file: Path
    requests: int = 0
    down: bool = False


@contextlib.asynccontextmanager
async def running_tsa(directory: Path) -> AsyncIterator[Tsa]:
    make_ca(directory)
    lock = asyncio.Lock()  # one `openssl ts` at a time: it keeps a serial file
    tsa = Tsa("", directory / "ca.crt")

    async def reply(request: web.Request) -> web.Response:
        if tsa.down:
            return web.Response(status=503)
        async with lock:
            tsa.requests += 1
            query, answer = directory / "q.tsq", directory / "r.tsr"
            query.write_bytes(await request.read())
            proc = await asyncio.create_subprocess_exec(
                "openssl", "ts", "-reply", "-config", str(directory / "ts.cnf"),
                "-queryfile", str(query), "-out", str(answer),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await proc.wait()
            return web.Response(body=answer.read_bytes(), content_type="application/timestamp-reply")

    app = web.Application()
    app.router.add_post("/tsa", reply)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    tsa.url = f"http://127.0.0.1:{port}/tsa"
    try:
        yield tsa
    finally:
        await runner.cleanup()
