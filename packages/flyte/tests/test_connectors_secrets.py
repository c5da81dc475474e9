"""A connector's secrets: read as flytekit's get_connector_secret reads them, and never shown.

The lookup is checked in this process; that no value reaches a status message, a log line or a
metric is checked against a real ``flyte serve connector`` process called over loopback.
"""

from __future__ import annotations

import asyncio
import textwrap
import urllib.request
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import interface_pb2, tasks_pb2, types_pb2
from flyteidl.core.execution_pb2 import TaskExecution

import flyte
from flyte.connectors import get_connector_secret
from flyte.errors import SecretNotFoundError
from flyte.testing import connector_service_process, free_port, run_as_backend
from flyte.types import TypeEngine

API_KEY = "sk-live-4f1d9c2e7a"


@pytest.fixture
def secret_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "secrets"
    folder.mkdir()
    monkeypatch.setenv("FLYTE_SECRETS_DEFAULT_DIR", str(folder))
    for name in (
        "FLYTE_SECRETS_ENV_PREFIX",
        "FLYTE_SECRETS_FILE_PREFIX",
        "_FSEC_API_KEY",
        "API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    return folder


def test_a_connector_secret_is_read_from_its_prefixed_variable(
    secret_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("_FSEC_API_KEY", f" {API_KEY}\n")
    (secret_dir / "api_key").write_text("from the file")
    assert get_connector_secret("api_key") == API_KEY


def test_a_connector_secret_is_read_from_its_file_when_no_variable_holds_it(
    secret_dir: Path,
) -> None:
    (secret_dir / "api_key").write_text(API_KEY + "\n")
    assert get_connector_secret("API_KEY") == API_KEY  # the file's name is lower case


def test_the_variables_that_change_the_prefix_and_the_file_name_are_honoured(
    secret_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYTE_SECRETS_ENV_PREFIX", "ACME_")
    monkeypatch.setenv("ACME_API_KEY", API_KEY)
    assert get_connector_secret("api_key") == API_KEY
    monkeypatch.delenv("ACME_API_KEY")
    monkeypatch.setenv("FLYTE_SECRETS_FILE_PREFIX", "key-")
    (secret_dir / "key-api_key").write_text("filed")
    assert get_connector_secret("api_key") == "filed"


def test_outside_a_local_run_the_unprefixed_variable_is_not_read(
    secret_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As flytekit's service: only a local run also takes the variable without its prefix.
    monkeypatch.setenv("API_KEY", API_KEY)
    with pytest.raises(SecretNotFoundError):
        get_connector_secret("api_key")


def test_a_missing_connector_secret_names_the_key_and_where_it_looked(secret_dir: Path) -> None:
    with pytest.raises(SecretNotFoundError) as caught:
        get_connector_secret("api_key")
    message = str(caught.value)
    assert "'api_key'" in message
    assert "_FSEC_API_KEY" in message
    assert str(secret_dir / "api_key") in message
    assert "connector service" in message  # where to mount it: the service, not the task


# --- behind the service ---------------------------------------------------------------------------

CONNECTOR = """
import logging
from dataclasses import dataclass

import flyte
from flyteidl.core.execution_pb2 import TaskExecution
from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta
from flyte.connectors import get_connector_secret

log = logging.getLogger("keyed")


@dataclass
class Meta(ResourceMeta):
    key_length: int
    token_length: int


class KeyedConnector(AsyncConnector):
    name = "Keyed Connector"
    task_type_name = "keyed"
    metadata_type = Meta

    async def create(self, task_template, inputs=None, **kwargs):
        key = get_connector_secret("api_key")
        token = flyte.ctx().secrets.get("token", group="vault")
        if inputs["mode"] == "log":
            log.warning("calling the API with key %s", key)
        if inputs["mode"] == "raise":
            raise PermissionError(f"the API refused key {key}")
        if inputs["mode"] == "crash":
            raise RuntimeError("crashed holding " + token)
        return Meta(key_length=len(key), token_length=len(token))

    async def get(self, resource_meta, **kwargs):
        return Resource(
            phase=TaskExecution.SUCCEEDED,
            outputs={"o0": resource_meta.key_length * 100 + resource_meta.token_length},
        )

    async def delete(self, resource_meta, **kwargs):
        pass


ConnectorRegistry.register(KeyedConnector())
"""

TOKEN = "vault-token-93b1e0"


def _template() -> tasks_pb2.TaskTemplate:
    def variable(kind: int) -> interface_pb2.Variable:
        return interface_pb2.Variable(type=types_pb2.LiteralType(simple=kind))

    return tasks_pb2.TaskTemplate(
        type="keyed",
        interface=interface_pb2.TypedInterface(
            inputs=interface_pb2.VariableMap(variables={"mode": variable(types_pb2.STRING)}),
            outputs=interface_pb2.VariableMap(variables={"o0": variable(types_pb2.INTEGER)}),
        ),
    )


async def _create(address: str, mode: str) -> grpc.aio.AioRpcError:
    inputs = await TypeEngine.to_literal_map({"mode": mode}, {"mode": str})
    async with grpc.aio.insecure_channel(address) as channel:
        from flyteidl.service import agent_pb2_grpc

        stub = agent_pb2_grpc.AsyncAgentServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.CreateTask(agent_pb2.CreateTaskRequest(template=_template(), inputs=inputs))
    return caught.value


def test_no_secret_value_reaches_a_status_a_log_line_or_a_metric(tmp_path: Path) -> None:
    pytest.importorskip("prometheus_client")
    (tmp_path / "keyed_connector.py").write_text(textwrap.dedent(CONNECTOR))
    metrics_port = free_port()
    env = {
        "PYTHONPATH": str(tmp_path),
        "_FSEC_API_KEY": API_KEY,
        "_FSEC_VAULT_TOKEN": TOKEN,
        "FLYTE_PLUGIN_AUTOLOAD": "0",
    }
    arguments = ["--modules", "keyed_connector", "--metrics-port", str(metrics_port)]
    with connector_service_process(*arguments, env=env) as service:
        inputs = TypeEngine.to_literal_map_sync({"mode": "ok"}, {"mode": str})
        resource = asyncio.run(run_as_backend(service.address, _template(), inputs))
        # The secrets were read: their lengths come back as the output.
        assert resource.phase == TaskExecution.SUCCEEDED
        assert resource.outputs.literals["o0"].scalar.primitive.integer == 100 * len(API_KEY) + len(
            TOKEN
        )
        refused = asyncio.run(_create(service.address, "raise"))
        crashed = asyncio.run(_create(service.address, "crash"))
        logged = asyncio.run(run_as_backend(service.address, _template(), _literal("log")))
        assert logged.phase == TaskExecution.SUCCEEDED
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics") as response:
            scraped = response.read().decode()
    assert refused.code() == grpc.StatusCode.INTERNAL
    assert "the API refused key ***" in refused.details()
    assert "crashed holding ***" in crashed.details()
    assert "calling the API with key ***" in service.errors
    assert "flyte_connector_requests_success_total" in scraped
    for value in (API_KEY, TOKEN):
        for shown, where in [
            (refused.details(), "a status message"),
            (crashed.details(), "a status message"),
            (service.errors, "the service's log"),
            ("\n".join(service.banner) + service.stopped_output, "the service's output"),
            (scraped, "the metrics"),
        ]:
            assert value not in shown, f"a secret's value is in {where}:\n{shown}"


def _literal(mode: str) -> object:
    return TypeEngine.to_literal_map_sync({"mode": mode}, {"mode": str})


def test_a_local_run_reads_the_connector_secret_too(
    secret_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEY", API_KEY)  # a local run also takes the unprefixed variable
    seen: list[str] = []

    env = flyte.TaskEnvironment(name="secrets")

    @env.task
    def uses_the_key() -> int:
        seen.append(get_connector_secret("api_key"))
        return 1

    assert flyte.run(uses_the_key) == 1
    assert seen == [API_KEY]
