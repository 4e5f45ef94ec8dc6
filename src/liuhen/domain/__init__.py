"""Pure rules of liuhen: no I/O, no framework (docs/architecture.md, layers)."""
