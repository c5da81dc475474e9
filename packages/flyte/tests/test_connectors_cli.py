"""``flyte serve connector`` as a process: what it prints, what it serves, how it stops."""

from __future__ import annotations

import asyncio
import subprocess
import sys
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


def test_serve_connector_lists_what_it_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(_site(tmp_path))}
    with connector_service_process("--modules", "report_connector", env=env) as service:
        agents = asyncio.run(list_agents(service.address))
        assert "Report Connector" in [a.name for a in agents]
    printed = "\n".join(service.banner)
    assert "Report Connector" in printed
    assert "report" in printed
    assert "stopped" in service.stopped_output
    assert "broken-connectors" in service.errors
    assert "needs a client library" in service.errors
    assert service.process.returncode == 0


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


def test_a_service_that_ends_before_serving_is_an_error_with_its_output() -> None:
    with (
        pytest.raises(RuntimeError, match="ended with code 2 before serving") as raised,
        connector_service_process("--modules", "no_such_module"),
    ):
        raise AssertionError("the block must not run")
    assert "cannot import the connector module 'no_such_module'" in str(raised.value)
