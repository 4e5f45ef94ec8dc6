"""The outbox's key prefix, shared by the use cases that post chat messages to be sent after their commit
(the sign-off's cards and news, the follow-ups' outcomes): one job and one sender deliver them all."""

from __future__ import annotations

OUTBOX = "so:"
