"""WeCom's callback crypto (加解密方案): the signature over token, timestamp, nonce and the ciphertext, and
AES-256-CBC with the EncodingAESKey — wechatpy's implementation, not ours."""

from __future__ import annotations

from wechatpy.enterprise.crypto import WeChatCrypto


class BadCallback(Exception):
    """A callback whose signature, ciphertext or enterprise is not this application's: refused, unread."""


class CallbackCrypto:
    def __init__(self, *, token: str, aes_key: str, corp_id: str) -> None:
        self._crypto = WeChatCrypto(token, aes_key, corp_id)

    def __repr__(self) -> str:  # the token and the key never reach a log
        return "CallbackCrypto(…)"

    def echo(self, *, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """URL verification (GET): the decrypted ``echostr``, to be answered as it is."""
        try:
            return str(self._crypto.check_signature(signature, timestamp, nonce, echostr))
        except Exception as exc:  # a wrong signature, a foreign enterprise, bad padding
            raise BadCallback("url verification") from exc

    def open(self, body: str, *, signature: str, timestamp: str, nonce: str) -> str:
        """A message or event callback (POST): the plaintext XML, once the signature holds."""
        try:
            return str(self._crypto.decrypt_message(body, signature, timestamp, nonce))
        except Exception as exc:  # a wrong signature, a foreign enterprise, a broken envelope
            raise BadCallback("callback") from exc
