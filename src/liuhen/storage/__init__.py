"""Persistence: SQLAlchemy 2 async on SQLite (default) and PostgreSQL (asyncpg)."""
