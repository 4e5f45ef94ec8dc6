"""A submitted record never leaves the register (seed 003 §12, seed 004 §15: 全程留痕、永久存储、有据可查):
whatever the recorder and the officers do — approve, return, resubmit, correct, dispose, complain — in
whatever order, the record stays out of the drafts, in the discipline office's reach, counted in the
quarter of its first submission, and every version it had is in the ledger."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.register_world import OPS, make_world


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(OPS), min_size=1, max_size=8))
def test_no_submitted_record_ever_leaves_the_register(ops: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp, asyncio.Runner() as runner:
        world = runner.run(make_world(Path(tmp)))
        try:
            runner.run(world.check())
            for op in ops:
                runner.run(world.do(op))
                runner.run(world.check())
        finally:
            runner.run(world.db.dispose())
