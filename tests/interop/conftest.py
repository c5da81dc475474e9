"""Fixtures of the interop tests: the same code written for each SDK and imported, one S3
bucket that both SDKs write to and read from, flytekit's type engine in flyteidl's protobufs, and
literals compared but for the random part of generated paths."""

from __future__ import annotations

import dataclasses
import importlib
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

flytekit = pytest.importorskip("flytekit")

from flyteidl.core import literals_pb2, types_pb2  # noqa: E402
from flytekit.configuration import Image, ImageConfig, SerializationSettings  # noqa: E402
from flytekit.core.context_manager import FlyteContextManager  # noqa: E402
from flytekit.core.data_persistence import FileAccessProvider  # noqa: E402
from flytekit.core.type_engine import TypeEngine as KitEngine  # noqa: E402
from flytekit.models.literals import Literal as KitLiteral  # noqa: E402

from flyte.testing import S3Server  # noqa: E402
from flyte.types import TypeEngine  # noqa: E402


@pytest.fixture
def bucket(s3_store: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """Both SDKs' raw-data prefix: the same bucket of the S3 test server."""
    prefix = s3_store.uri("raw")
    monkeypatch.setenv("FLYTE_RAW_OUTPUT_DATA_PREFIX", prefix)
    provider = FileAccessProvider(local_sandbox_dir=str(tmp_path / "kit"), raw_output_prefix=prefix)
    context = FlyteContextManager.current_context().with_file_access(provider)
    with FlyteContextManager.with_context(context):
        yield prefix


@pytest.fixture(scope="session")
def kit_settings() -> SerializationSettings:
    """What flytekit serializes the modules' tasks and workflows under: project ``p``, domain
    ``d``, version ``v1`` and the image the modules' tasks name, ``ghcr.io/acme/app:1``."""
    return SerializationSettings(
        project="p",
        domain="d",
        version="v1",
        image_config=ImageConfig(
            default_image=Image(name="default", fqn="ghcr.io/acme/app", tag="1")
        ),
    )


@pytest.fixture(scope="module")
def source_modules(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., tuple[ModuleType, ...]]]:
    """Import sources as modules: ``source_modules(ours=OURS, kit=KIT)`` writes each to a
    temporary folder on ``sys.path`` (flytekit reads a task's source, so the code is a file) and
    imports it; the modules are forgotten after the test module."""
    folder = tmp_path_factory.mktemp("sources")
    sys.path.insert(0, str(folder))
    names: list[str] = []

    def load(**sources: str) -> tuple[ModuleType, ...]:
        for name, source in sources.items():
            (folder / f"{name}.py").write_text(textwrap.dedent(source))
            names.append(name)
        return tuple(importlib.import_module(name) for name in sources)

    try:
        yield load
    finally:
        sys.path.remove(str(folder))
        for name in names:
            sys.modules.pop(name, None)


class Kit:
    """flytekit's type engine in the current flytekit context, its literals as flyteidl's
    protobufs (what flyte-core's TypeEngine gives)."""

    def literal_type(self, python_type: Any) -> types_pb2.LiteralType:
        return KitEngine.to_literal_type(python_type).to_flyte_idl()

    def to_literal(self, value: Any, python_type: Any) -> literals_pb2.Literal:
        ctx = FlyteContextManager.current_context()
        literal_type = KitEngine.to_literal_type(python_type)
        return KitEngine.to_literal(ctx, value, python_type, literal_type).to_flyte_idl()

    def to_python(self, literal: literals_pb2.Literal, python_type: Any) -> Any:
        ctx = FlyteContextManager.current_context()
        return KitEngine.to_python_value(ctx, KitLiteral.from_flyte_idl(literal), python_type)

    def assert_same_literal_type(self, kit_type: Any, our_type: Any) -> None:
        """flyte-core's literal type of ``our_type`` is flytekit's of ``kit_type``."""
        theirs = self.literal_type(kit_type)
        ours = TypeEngine.to_literal_type(our_type)
        if dataclasses.is_dataclass(our_type):  # the schema's title is the class name
            theirs.metadata["title"] = ours.metadata["title"]
        assert ours == theirs


@pytest.fixture
def kit() -> Kit:
    """flytekit's side of a comparison: ``kit.to_literal(value, python_type)``,
    ``kit.to_python(literal, python_type)``, ``kit.literal_type(python_type)``, ``kit.assert_same_literal_type(kit_type, our_type)``."""
    return Kit()


_RANDOM = re.compile(r"/[0-9a-f]{32}(/|$)")


def _without_random(literal: literals_pb2.Literal) -> bytes:
    copy = literals_pb2.Literal()
    copy.CopyFrom(literal)
    for holder in _stored(copy):
        holder.uri = _RANDOM.sub(r"/<random>\1", holder.uri)
    return copy.SerializeToString(deterministic=True)


def _stored(literal: literals_pb2.Literal) -> Iterator[Any]:
    """The blobs and structured datasets of a literal, at any depth."""
    kind = literal.WhichOneof("value")
    if kind == "collection":
        for item in literal.collection.literals:
            yield from _stored(item)
    elif kind == "map":
        for item in literal.map.literals.values():
            yield from _stored(item)
    elif kind == "scalar":
        scalar = literal.scalar.WhichOneof("value")
        if scalar == "union":
            yield from _stored(literal.scalar.union.value)
        elif scalar in ("blob", "structured_dataset"):
            yield getattr(literal.scalar, scalar)


@pytest.fixture
def without_random() -> Callable[[literals_pb2.Literal], bytes]:
    """A literal's bytes with the random part of generated paths (``/<32 hex>``) blanked out, in
    every file, folder and dataset it holds: what two SDKs that write the same value agree on."""
    return _without_random
