"""The models a task is built and serialized with: its interface, the serialization context, the code bundle.

from flyte.models import CodeBundle, SerializationContext

sctx = SerializationContext(project="p", domain="development", version="v1",
                            code_bundle=CodeBundle(location="s3://bucket/fast123.tar.gz"))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["CodeBundle", "NativeInterface", "SerializationContext"]


@dataclass(frozen=True)
class CodeBundle:
    """Where the task's source went: its uploaded location, its place in the container, its version.

    ``location`` is the URI (or local path) of the ``.tar.gz`` of the source tree, ``destination``
    the folder the container unpacks it into, ``computed_version`` its content hash.
    """

    location: str = ""
    destination: str = "."
    computed_version: str = ""


@dataclass(frozen=True)
class SerializationContext:
    """What serialization needs beyond the task: the project, domain and version, and the code.

    The three paths default to the placeholders a Flyte backend fills in when it starts the task's
    container: the inputs file, the output prefix and the raw output data prefix.
    """

    project: str = ""
    domain: str = ""
    version: str = ""
    org: str = ""
    code_bundle: CodeBundle | None = None
    root_dir: str = "."
    input_path: str = "{{.input}}"
    output_path: str = "{{.outputPrefix}}"
    raw_output_path: str = "{{.rawOutputDataPrefix}}"
    image: str | None = None


@dataclass(frozen=True)
class NativeInterface:
    """A task's inputs and outputs as Python types, by name.

    ``defaults`` holds only the inputs that have a default. Outputs are named as flytekit names
    them: ``o0`` for a single value, ``o0``..``oN`` for a tuple, the field names of a NamedTuple.
    """

    inputs: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    #: The NamedTuple class a function returns, to rebuild its outputs; None otherwise.
    output_tuple: type | None = None

    @classmethod
    def from_function(cls, func: Callable[..., Any]) -> NativeInterface:
        """The interface of ``func`` from its type hints; see :mod:`flyte._tasks._interface`."""
        from flyte._tasks._interface import extract_interface

        return extract_interface(func)

    def outputs_to_dict(self, result: Any) -> dict[str, Any]:
        """A task's return value as its outputs by name.

        Raises :class:`TypeError` when a task with several outputs does not return a tuple of
        that length.
        """
        names = list(self.outputs)
        if not names:
            return {}
        if len(names) == 1 and self.output_tuple is None:
            return {names[0]: result}
        if not isinstance(result, tuple) or len(result) != len(names):
            raise TypeError(
                f"expected a tuple of {len(names)} values for the outputs {', '.join(names)}, "
                f"got {type(result).__name__}: {result!r:.80}"
            )
        return dict(zip(names, result, strict=True))

    def outputs_from_dict(self, values: Mapping[str, Any]) -> Any:
        """Outputs by name as a task returns them: None, the single value, or a tuple."""
        names = list(self.outputs)
        if not names:
            return None
        if len(names) == 1 and self.output_tuple is None:
            return values[names[0]]
        ordered = [values[n] for n in names]
        if self.output_tuple is not None:
            return self.output_tuple(*ordered)
        return tuple(ordered)
