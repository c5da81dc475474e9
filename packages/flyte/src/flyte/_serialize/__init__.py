"""Serialization of tasks to flyteidl, code bundles and the ``pyflyte package`` file layout (private)."""

from flyte._serialize._bundle import build_code_bundle
from flyte._serialize._package import serialize
from flyte._serialize._task import serialize_task

__all__ = ["build_code_bundle", "serialize", "serialize_task"]
