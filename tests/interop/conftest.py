"""Fixtures of the interop tests: the same code written for each SDK and imported, and one S3
bucket that both SDKs write to and read from."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

flytekit = pytest.importorskip("flytekit")

from flytekit.configuration import Image, ImageConfig, SerializationSettings  # noqa: E402
from flytekit.core.context_manager import FlyteContextManager  # noqa: E402
from flytekit.core.data_persistence import FileAccessProvider  # noqa: E402

from flyte.testing import S3Server  # noqa: E402


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
