"""Fixtures of the interop tests: one S3 bucket that both SDKs write to and read from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

flytekit = pytest.importorskip("flytekit")

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
