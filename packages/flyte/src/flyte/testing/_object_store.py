"""An S3-compatible server on loopback for tests: moto's server mode, started and stopped here.

    from flyte.testing import s3_server

    with s3_server() as store:               # sets FLYTE_AWS_ENDPOINT and the keys for the block
        f = flyte.io.File.from_local_sync("data.csv", store.uri("in/data.csv"))

It needs ``moto[server]`` (PyPI); nothing is mocked in-process: the SDK, s3fs and botocore talk
HTTP to a real server process, as they would to S3. The pytest fixture ``s3_store`` gives one
server per test session and a fresh bucket per test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from flyte.testing._ports import free_port

__all__ = ["S3Server", "s3_server"]

_START_SECONDS = 60
_STOP_SECONDS = 10


@dataclass(frozen=True)
class S3Server:
    """A running S3-compatible server: its endpoint, and a bucket made for the test."""

    endpoint: str
    bucket: str

    @property
    def env(self) -> dict[str, str]:
        """The variables that point both SDKs (flytekit's names) at this server."""
        return {
            "FLYTE_AWS_ENDPOINT": self.endpoint,
            "FLYTE_AWS_ACCESS_KEY_ID": "flyte-test-key",
            "FLYTE_AWS_SECRET_ACCESS_KEY": "flyte-test-secret",
            # boto must never ask a cloud's metadata address for credentials from a test.
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def uri(self, *parts: str) -> str:
        """``s3://<bucket>/<parts>``."""
        return "/".join([f"s3://{self.bucket}", *parts])

    def new_bucket(self, name: str = "") -> S3Server:
        """The same server with a new, empty bucket (a random name unless ``name`` is given)."""
        bucket = name or f"flyte-{uuid.uuid4().hex[:12]}"
        request = urllib.request.Request(f"{self.endpoint}/{bucket}", method="PUT")
        with urllib.request.urlopen(request, timeout=10):
            pass
        return S3Server(self.endpoint, bucket)


@contextmanager
def s3_server(bucket: str = "flyte-test", *, set_env: bool = True) -> Iterator[S3Server]:
    """Run moto's S3 server on a free loopback port until the block ends, with ``bucket`` made.

    With ``set_env`` (the default), :attr:`S3Server.env` is set in this process for the block
    and put back after. Raises ``RuntimeError`` when moto is missing or the server does not
    answer within a minute.
    """
    try:
        import moto.server  # type: ignore[import-untyped, import-not-found, unused-ignore]  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(
            "the S3 test server needs moto's server mode: pip install 'moto[server]'"
        ) from exc
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            endpoint = f"http://127.0.0.1:{port}"
            _wait_until_serving(process, endpoint, log)
            server = S3Server(endpoint, "").new_bucket(bucket)
            with _environment(server.env if set_env else {}):
                yield server
        finally:
            process.terminate()
            try:
                process.wait(_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(process: subprocess.Popen[bytes], endpoint: str, log: object) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    process.kill()
    process.wait()
    output = ""
    if hasattr(log, "seek") and hasattr(log, "read"):
        log.seek(0)
        output = log.read()
    raise RuntimeError(f"the S3 test server did not start on {endpoint}:\n{output}")


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
