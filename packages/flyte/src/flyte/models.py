"""The models a task is built, serialized and run with: its interface, the serialization context,
the code bundle, and the execution context a running task gets from ``flyte.ctx()``.

from flyte.models import CodeBundle, SerializationContext

sctx = SerializationContext(project="p", domain="development", version="v1",
                            code_bundle=CodeBundle(location="s3://bucket/fast123.tar.gz"))
"""

from __future__ import annotations

from dataclasses import dataclass

from flyte._context import ExecutionId, TaskContext
from flyte._tasks._interface import NativeInterface

__all__ = ["CodeBundle", "ExecutionId", "NativeInterface", "SerializationContext", "TaskContext"]


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
