"""The core: use cases, ports, settings and the composition root that builds a running system for any door."""
