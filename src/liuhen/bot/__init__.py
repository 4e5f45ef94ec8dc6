"""Telegram adapter and composition root (docs/architecture.md "Layers")."""
