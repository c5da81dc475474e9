"""The echo task: the backend's echo plugin copies the inputs to the outputs; the body never runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flyte.extend import AsyncFunctionTaskTemplate, TaskDefinitionError
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

    def validate(self) -> None:
        """Refuse what the backend's echo plugin refuses: it maps at most one input to one output.

        Like flytepropeller's echo plugin, the task has as many outputs as inputs (none or one),
        and the output has the input's type.
        """
        interface = self.typed_interface
        inputs, outputs = interface.inputs.variables, interface.outputs.variables
        problem = ""
        if len(inputs) != len(outputs):
            problem = f"it has {len(inputs)} input(s) but {len(outputs)} output(s)"
        elif len(inputs) > 1:
            problem = f"it has {len(inputs)} inputs; the echo plugin serves at most one"
        elif inputs:
            (name, variable), (out_name, out_variable) = *inputs.items(), *outputs.items()
            if variable.type != out_variable.type:
                problem = f"its input '{name}' and its output '{out_name}' have different types"
        if problem:
            raise TaskDefinitionError(
                f"the echo plugin (flyteplugins-echo) cannot serve task '{self.name}': {problem}. "
                f"An echo task returns its one input unchanged, e.g. def f(x: int) -> int"
            )

    async def execute(self, **inputs: Any) -> Any:
        """Return the inputs as the outputs, as the backend does; the function body is not run."""
        outputs = dict(zip(self.interface.outputs, inputs.values(), strict=True))
        return self.interface.outputs_from_dict(outputs)
