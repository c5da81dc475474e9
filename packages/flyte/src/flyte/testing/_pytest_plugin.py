"""flyte's pytest plugin (entry point ``pytest11: flyte``): fixtures of the test kit.

Loading it imports nothing but this module: the kit, protobuf and grpc are imported when a
fixture is first used. ``-p no:flyte`` turns it off.

- ``flyte_registries``: the test runs inside :func:`flyte.testing.isolated_registries`.
- ``scripted_clock``: a fresh :class:`flyte.testing.ScriptedClock`.
- ``s3_store``: an S3-compatible server on loopback (:func:`flyte.testing.s3_server`, one per
  session) with a fresh bucket for the test, its variables set for the test; skipped where
  ``moto[server]`` or s3fs is not installed.
- ``raw_prefix``: the test runs twice, its values written under a local folder and under a bucket
  of ``s3_store`` (that run skipped likewise); ``FLYTE_RAW_OUTPUT_DATA_PREFIX`` is set to it.
- ``connector_service`` (async, with pytest-asyncio): :func:`flyte.testing.serve_connectors`
  of whatever the test registers; it runs inside isolated registries too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flyte.testing._clock import ScriptedClock
    from flyte.testing._object_store import S3Server


@pytest.fixture
def flyte_registries() -> Iterator[None]:
    """Run the test in isolated registries: what it registers is gone after it."""
    from flyte.testing._registries import isolated_registries

    with isolated_registries():
        yield


@pytest.fixture
def scripted_clock() -> ScriptedClock:
    """A :class:`flyte.testing.ScriptedClock` at virtual time 0."""
    from flyte.testing._clock import ScriptedClock

    return ScriptedClock()


@pytest.fixture(scope="session")
def _s3_server() -> Iterator[S3Server]:
    """One S3 test server for the session, its variables not set (``s3_store`` sets them)."""
    pytest.importorskip("moto.server", reason="the S3 test server needs moto[server]")
    pytest.importorskip("s3fs", reason="s3:// needs s3fs (flyte-core[s3])")
    from flyte.testing._object_store import s3_server

    with s3_server(set_env=False) as server:
        yield server


@pytest.fixture
def s3_store(_s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """The session's S3 test server with a new bucket, its variables set for this test."""
    server = _s3_server.new_bucket()
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    return server


@pytest.fixture(params=["local", "s3"])
def raw_prefix(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The raw-data prefix of the test's runs, set as ``FLYTE_RAW_OUTPUT_DATA_PREFIX``: a local
    folder, then a bucket of ``s3_store`` (skipped without moto[server] or s3fs)."""
    if request.param == "local":
        prefix = str(tmp_path / "raw")
    else:
        server: S3Server = request.getfixturevalue("s3_store")
        prefix = server.uri("raw")
    monkeypatch.setenv("FLYTE_RAW_OUTPUT_DATA_PREFIX", prefix)
    return prefix


def pytest_configure(config: pytest.Config) -> None:
    """Add the async fixtures when pytest-asyncio is there to run them."""
    if config.pluginmanager.has_plugin("asyncio"):
        from flyte.testing import _pytest_asyncio_fixtures

        config.pluginmanager.register(_pytest_asyncio_fixtures, "flyte-asyncio-fixtures")
