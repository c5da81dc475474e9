"""``flyte serve connector`` as a process: what it prints, what it serves, how it stops."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc
from flyteidl.admin import agent_pb2
from flyteidl.service import agent_pb2_grpc

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


async def _list_agents(port: int) -> list[str]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = agent_pb2_grpc.AgentMetadataServiceStub(channel)
        response = await stub.ListAgents(agent_pb2.ListAgentsRequest())
    return [a.name for a in response.agents]


def test_serve_connector_lists_what_it_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    site = _site(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "flyte.cli", "serve", "connector", "--port", "0"]
    command += ["--modules", "report_connector"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            lines = []
            while not lines or not lines[-1].startswith("serving"):
                line = proc.stdout.readline()
                assert line, f"the server ended early: {proc.stderr.read() if proc.stderr else ''}"
                lines.append(line)
            port = int(lines[-1].rsplit(":", 1)[1])
            assert "Report Connector" in asyncio.run(_list_agents(port))
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
    printed = "".join(lines)
    assert "Report Connector" in printed
    assert "report" in printed
    assert "stopped" in out
    assert "broken-connectors" in err
    assert "needs a client library" in err
    assert proc.returncode == 0


def test_serve_connector_refuses_a_module_that_does_not_import(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "flyte.cli", "serve", "connector", "--modules", "no_such_mod"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "cannot import the connector module 'no_such_mod'" in done.stderr


def test_tls_needs_both_a_certificate_and_a_key(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    command = [sys.executable, "-m", "flyte.cli", "serve", "connector", "--tls-cert", str(cert)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "TLS needs both a certificate" in done.stderr
