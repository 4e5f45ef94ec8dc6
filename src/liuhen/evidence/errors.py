"""Errors of the evidence store and its on-disk formats (re-exported by ``liuhen.evidence.store``)."""

from __future__ import annotations


class EvidenceStoreError(Exception):
    """Base class of the store's own errors."""


class DecodeError(EvidenceStoreError):
    """A stored file cannot be decoded: a failed authentication tag, a truncated file, an unknown key."""


class UnknownKeyError(DecodeError):
    """The file is encrypted under a deployment key that the keyring does not hold (or there is none)."""

    def __init__(self, key_id: str | None) -> None:
        super().__init__(f"no evidence key {key_id}" if key_id else "no evidence keyring loaded")
        self.key_id = key_id
