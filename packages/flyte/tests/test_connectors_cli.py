"""``flyte serve connector`` as a process: what it prints, what it serves, how it stops."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from flyte.testing import connector_service_process, list_agents

CONNECTOR_MODULE = """
from flyte.connectors import AsyncConnector, ConnectorRegistry

class ReportConnector(AsyncConnector):
    name = "Report Connector"
    task_type_name = "report"

ConnectorRegistry.register(ReportConnector())
"""


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "report_connector.py").write_text(CONNECTOR_MODULE)
    (site / "broken_connector.py").write_text("raise ImportError('needs a client library')\n")
    info = site / "broken_connectors-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-connectors\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[flyte.connectors]\nbroken = broken_connector:Connector\n"
    )
    return site


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_connector_lists_what_it_serves_and_stops_on_sigterm(
    tmp_path: Path, workers: str
) -> None:
    env = {"PYTHONPATH": str(_site(tmp_path))}
    arguments = ("--modules", "report_connector", "--workers", workers)
    with connector_service_process(*arguments, env=env) as service:
        agents = asyncio.run(list_agents(service.address))
        assert "Report Connector" in [a.name for a in agents]
    printed = "\n".join(service.banner)
    assert "Report Connector" in printed
    assert "report" in printed
    assert "stopped" in service.stopped_output
    # Said once, in the report, however many processes load the plugin.
    assert service.errors.count("needs a client library") == 1, service.errors
    assert "failed: flyte.connectors plugin 'broken' (broken-connectors 1.0)" in service.errors
    assert service.process.returncode == 0


def _refusal(*arguments: str, env: dict[str, str] | None = None) -> str:
    """What ``flyte serve connector ARGUMENTS`` printed when it ended with code 2 (a usage
    error) before serving, as connector_service_process's error carries it."""
    with (
        pytest.raises(RuntimeError, match="ended with code 2 before serving") as raised,
        connector_service_process(*arguments, env=env),
    ):
        raise AssertionError("the block must not run")
    return str(raised.value)


def test_serve_connector_refuses_a_module_that_does_not_import() -> None:
    refusal = _refusal("--modules", "no_such_mod")
    assert "cannot import the connector module 'no_such_mod'" in refusal


def test_tls_needs_both_a_certificate_and_a_key(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    assert "TLS needs both a certificate" in _refusal("--tls-cert", str(cert))


LOOP_CONNECTOR = """
import asyncio
from dataclasses import dataclass
from flyteidl.core.execution_pb2 import TaskExecution
from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta


@dataclass
class Meta(ResourceMeta):
    loop: str


class LoopConnector(AsyncConnector):
    name = "Loop Connector"
    task_type_name = "loop"
    metadata_type = Meta

    async def create(self, task_template, inputs=None, **kwargs):
        return Meta(loop=type(asyncio.get_running_loop()).__module__.split(".")[0])

    async def get(self, resource_meta, **kwargs):
        return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": resource_meta.loop})

    async def delete(self, resource_meta, **kwargs):
        pass


ConnectorRegistry.register(LoopConnector())
"""


def _served_loop(tmp_path: Path, *arguments: str, hide: Path | None = None) -> str:
    """The event loop's module that the service's connector runs on (``hide``: a folder put
    first on the service's path)."""
    from flyteidl.core import interface_pb2, tasks_pb2, types_pb2

    from flyte.testing import run_as_backend

    (tmp_path / "loop_connector.py").write_text(LOOP_CONNECTOR)
    string = interface_pb2.Variable(type=types_pb2.LiteralType(simple=types_pb2.STRING))
    template = tasks_pb2.TaskTemplate(
        type="loop",
        interface=interface_pb2.TypedInterface(
            outputs=interface_pb2.VariableMap(variables={"o0": string})
        ),
    )
    path = f"{hide}{os.pathsep}{tmp_path}" if hide else str(tmp_path)
    env = {"PYTHONPATH": path, "FLYTE_PLUGIN_AUTOLOAD": "0"}
    with connector_service_process("--modules", "loop_connector", *arguments, env=env) as service:
        resource = asyncio.run(run_as_backend(service.address, template))
    return str(resource.outputs.literals["o0"].scalar.primitive.string_value)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_service_runs_on_uvloop_when_asked_or_installed(tmp_path: Path, workers: str) -> None:
    pytest.importorskip("uvloop")
    assert _served_loop(tmp_path, "--loop", "uvloop", "--workers", workers) == "uvloop"
    assert _served_loop(tmp_path, "--workers", workers) == "uvloop"  # auto: installed
    assert _served_loop(tmp_path, "--loop", "asyncio", "--workers", workers) == "asyncio"


def test_without_uvloop_auto_is_asyncio_and_asking_for_uvloop_is_an_error(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "uvloop.py").write_text("raise ImportError('uvloop is not installed here')\n")
    assert _served_loop(tmp_path, hide=hidden) == "asyncio"
    assert _served_loop(tmp_path, "--workers", "2", hide=hidden) == "asyncio"
    for workers in ("1", "2"):
        refusal = _refusal(
            "--loop", "uvloop", "--workers", workers, env={"PYTHONPATH": str(hidden)}
        )
        assert "--loop uvloop needs uvloop: pip install 'flyte-core[uvloop]'" in refusal
