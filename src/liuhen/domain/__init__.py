"""Pure rules of liuhen: no I/O, no framework (DESIGN.md, layers)."""
