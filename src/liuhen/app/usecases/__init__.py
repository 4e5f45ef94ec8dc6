"""Use cases: each takes a unit of work and ports, and returns a plain result for the adapter to render."""
