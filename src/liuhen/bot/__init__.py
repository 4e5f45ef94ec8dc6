"""Telegram adapter and composition root (DESIGN.md "Layers")."""
