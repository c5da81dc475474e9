"""The raw-data store: where a task's offloaded values (files, folders, dataframes) go.

Inside a running task it is the execution context's raw-data prefix (``flyte.ctx()``): a local
run's folder, a container's ``--raw-output-data-prefix``, the connector service's output prefix.
Outside one (a value made before ``flyte.run``, or an input of ``flyte run --local``), it is
``FLYTE_RAW_OUTPUT_DATA_PREFIX``, else the local default folder. Each new value gets a path of its
own, ``<prefix>/<32 random hex digits>/<name>``, laid out as flytekit lays out its own.
"""

from __future__ import annotations

import uuid

from flyte._context import ctx, default_raw_data_prefix
from flyte._storage._paths import join

__all__ = ["new_path", "raw_data_prefix"]


def raw_data_prefix() -> str:
    """The prefix new offloaded values go under, now (see the module docstring)."""
    context = ctx()
    if context is not None and context.raw_data_prefix:
        return context.raw_data_prefix
    return default_raw_data_prefix()


def new_path(name: str = "") -> str:
    """A new, unused path in the raw-data store, ending in ``name`` when one is given."""
    folder = join(raw_data_prefix(), uuid.uuid4().hex)
    return join(folder, name) if name else folder
