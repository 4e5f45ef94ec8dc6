"""RFC 3161 trusted timestamps of ledger checkpoints (optional, ``LIUHEN_TSA_URL``).

A timestamp authority signs "this digest existed at genTime": with it, a checkpoint proves not only that
the ledger's first N entries were these, but that they were these *before* that time. The request is the
SHA-256 of the checkpoint's statement and signature (``domain/checkpoints.timestamped_message``), with a
nonce; the whole TimeStampResp is kept (base64) so that it can be re-verified any time later.

Parsing and chain verification use ``rfc3161-client``; the HTTP transport is aiohttp (RFC 3161 §3.4).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from liuhen.domain.checkpoints import TimestampUnavailable

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class TimestampError(TimestampUnavailable):
    """The TSA did not give a usable timestamp; the message is Chinese."""


def load_certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def _verify(
    tsr: TimeStampResponse, message: bytes, roots: Sequence[x509.Certificate], nonce: int | None
) -> None:
    if PKIStatus(tsr.status) not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"时间戳服务拒绝：{tsr.status_string}")
    if tsr.tst_info.message_imprint.message != hashlib.sha256(message).digest():
        raise TimestampError("时间戳所盖的摘要与检查点不符")
    if nonce is not None and tsr.tst_info.nonce != nonce:
        raise TimestampError("时间戳的随机数（nonce）与请求不符")
    if roots:
        builder = VerifierBuilder()
        for root in roots:
            builder = builder.add_root_certificate(root)
        try:
            builder.build().verify_message(tsr, message)
        except VerificationError as exc:
            raise TimestampError(f"时间戳签名或证书链无效：{exc}") from exc


def _gen_time(tsr: TimeStampResponse) -> datetime:
    at = tsr.tst_info.gen_time
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class TsaClient:
    """``Timestamper`` over HTTP (domain/checkpoints)."""

    def __init__(self, url: str, *, roots: Sequence[x509.Certificate] = (), timeout: float = 20.0) -> None:
        self.url = url
        self.roots = list(roots)
        self.timeout = timeout

    async def stamp(self, message: bytes) -> tuple[str, datetime]:
        request = (
            TimestampRequestBuilder()
            .data(message)
            .hash_algorithm(HashAlgorithm.SHA256)
            .nonce(nonce=True)
            .cert_request(cert_request=True)
            .build()
        )
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session,
                session.post(
                    self.url, data=request.as_bytes(), headers={"Content-Type": QUERY_TYPE}
                ) as response,
            ):
                body = await response.read()
                if response.status != 200:
                    raise TimestampError(f"时间戳服务返回 HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TimestampError(f"无法连接时间戳服务：{exc!r}") from exc
        try:
            tsr = decode_timestamp_response(body)
        except ValueError as exc:
            raise TimestampError(f"时间戳服务的回复无法解析：{exc}") from exc
        _verify(tsr, message, self.roots, request.nonce)
        return base64.b64encode(body).decode("ascii"), _gen_time(tsr)


class TimestampVerifier:
    """``TimestampChecker`` (domain/checkpoints): the token is granted, over the message, and — when the
    TSA's root certificate is configured (``LIUHEN_TSA_CA_FILE``) — signed by a certificate chaining to it."""

    def __init__(self, roots: Sequence[x509.Certificate] = ()) -> None:
        self.roots = list(roots)

    def check(self, token: str, message: bytes) -> str | None:
        try:
            tsr = decode_timestamp_response(base64.b64decode(token, validate=True))
        except ValueError as exc:
            return f"无法解析：{exc}"
        try:
            _verify(tsr, message, self.roots, None)
        except TimestampError as exc:
            return str(exc)
        return None
