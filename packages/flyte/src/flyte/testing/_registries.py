"""Registries a test can change freely: every registry and discovery's state put back afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["isolated_registries"]


@contextmanager
def isolated_registries() -> Iterator[None]:
    """Run the block against the registries as they are, then put every registry back.

    On entry every registry (type transformers, task plugins, connectors, and any registry made
    with ``flyte._registry.Registry``) is snapshotted and discovery is reset, so the next need
    scans the installed distributions again (a distribution made inside the block is found). On
    exit every registry gets its snapshot back and discovery is reset again. Blocks nest.
    """
    # The owners of the three groups make their registries on import: import them before the
    # snapshot, or a registry first made inside the block would keep what the block registered.
    import flyte.connectors
    import flyte.extend
    import flyte.types  # noqa: F401
    from flyte import _discovery
    from flyte._registry import all_registries

    states = [(registry, registry.snapshot()) for registry in all_registries()]
    _discovery.reset()
    try:
        yield
    finally:
        for registry, state in states:
            registry.restore(state)
        _discovery.reset()
