"""The models a task is serialized under: the serialization context and the code bundle."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CodeBundle", "SerializationContext"]


@dataclass(frozen=True)
class CodeBundle:
    """Where the task's source went: its uploaded location, its place in the container, its version."""

    location: str = ""
    destination: str = "."
    computed_version: str = ""


@dataclass(frozen=True)
class SerializationContext:
    """What serialization needs beyond the task: the project, domain and version, and the code."""

    project: str = ""
    domain: str = ""
    version: str = ""
    org: str = ""
    code_bundle: CodeBundle = field(default_factory=CodeBundle)
    root_dir: str = "."
    input_path: str = "{{.input}}"
    output_path: str = "{{.outputPrefix}}"
