"""The operator's door: the `liuhen` command line (typer)."""
