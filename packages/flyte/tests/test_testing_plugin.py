"""flyte's pytest plugin: declared by flyte-core, loaded by pytest, and free until a fixture is used."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

USER_TESTS = """
    import pytest
    from flyte.connectors import ConnectorRegistry
    from flyte.testing import ScriptedClock

    def test_registrations_do_not_leak_out_of_flyte_registries(flyte_registries):
        from test_a_connector import Square
        ConnectorRegistry.register(Square())

    def test_the_registration_above_is_gone():
        assert ("square", 0) not in ConnectorRegistry.registered()

    @pytest.mark.asyncio
    async def test_the_clock_is_virtual(scripted_clock):
        assert isinstance(scripted_clock, ScriptedClock)
        await scripted_clock.sleep(86400)
        assert scripted_clock.now() == 86400

    @pytest.mark.asyncio
    async def test_the_service_answers(connector_service):
        from flyteidl.admin import agent_pb2
        from test_a_connector import Square
        ConnectorRegistry.register(Square())
        listed = await connector_service.metadata.ListAgents(agent_pb2.ListAgentsRequest())
        assert "Square" in [a.name for a in listed.agents]
"""

A_CONNECTOR = """
    from flyte.connectors import AsyncConnector

    class Square(AsyncConnector):
        name = "Square"
        task_type_name = "square"
"""


def test_flyte_core_declares_the_plugin_under_pytest11() -> None:
    entry_points = importlib.metadata.distribution("flyte-core").entry_points
    declared = {ep.name: ep.value for ep in entry_points if ep.group == "pytest11"}
    assert declared == {"flyte": "flyte.testing._pytest_plugin"}


def test_loading_the_plugin_imports_neither_protobuf_nor_grpc() -> None:
    code = (
        "import sys, flyte.testing._pytest_plugin\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'google', 'grpc', 'flyteidl'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_a_plugin_authors_tests_get_the_fixtures_with_warnings_as_errors(
    tmp_path: Path, mode: str
) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\n"
        f"asyncio_mode = {mode}\n"
        "asyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    (tmp_path / "test_a_connector.py").write_text(textwrap.dedent(A_CONNECTOR))
    (tmp_path / "test_uses_the_kit.py").write_text(textwrap.dedent(USER_TESTS))
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 passed" in out.stdout
    assert "warning" not in out.stdout.lower()


def test_the_plugin_can_be_turned_off(tmp_path: Path) -> None:
    (tmp_path / "test_off.py").write_text("def test_off(scripted_clock):\n    pass\n")
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:flyte"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert "fixture 'scripted_clock' not found" in out.stdout


RAW_PREFIX_TESTS = """
    import os
    from flyte.io import File

    def test_values_go_under_the_raw_prefix(raw_prefix, tmp_path):
        assert os.environ["FLYTE_RAW_OUTPUT_DATA_PREFIX"] == raw_prefix
        (tmp_path / "a.txt").write_text("a")
        stored = File.from_local_sync(tmp_path / "a.txt")
        assert stored.path.startswith(raw_prefix + "/")
        assert stored.exists_sync()
"""


def test_a_plugin_authors_tests_run_on_a_local_folder_and_an_s3_bucket(tmp_path: Path) -> None:
    pytest.importorskip("moto.server", reason="the S3 test server needs moto[server]")
    pytest.importorskip("s3fs", reason="s3:// needs s3fs (flyte-core[s3])")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
    )
    (tmp_path / "test_a_dataframe_plugin.py").write_text(textwrap.dedent(RAW_PREFIX_TESTS))
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "test_values_go_under_the_raw_prefix[local] PASSED" in out.stdout
    assert "test_values_go_under_the_raw_prefix[s3] PASSED" in out.stdout
