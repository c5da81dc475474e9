"""The echo task: the backend's echo plugin copies the inputs to the outputs; the body never runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flyte.extend import AsyncFunctionTaskTemplate, TaskPluginRegistry
from flyte.models import SerializationContext

__all__ = ["Echo", "EchoTask"]


@dataclass
class Echo:
    """Configuration object for the echo plugin."""


class EchoTask(AsyncFunctionTaskTemplate):
    """A task of type ``echo``: its outputs are its inputs."""

    plugin_config: Echo
    task_type: str = "echo"

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        """The echo plugin takes no configuration."""
        return {}


TaskPluginRegistry.register(Echo, EchoTask)
