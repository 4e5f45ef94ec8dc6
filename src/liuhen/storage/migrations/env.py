"""Alembic environment: liuhen passes an open connection (see storage/migrate.py)."""

from __future__ import annotations

from alembic import context

from liuhen.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `liuhen init` (liuhen.storage.migrate.upgrade)")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
