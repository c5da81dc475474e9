"""flyte.testing: the test kit for plugin authors, also flyte's pytest plugin.

    from datetime import timedelta
    from flyte.testing import ConnectorHarness, assert_round_trip, serve_connectors

    def test_positive_int_round_trips():
        assert_round_trip(PositiveInt(3), PositiveInt)  # value -> literal -> value, and the guess

    async def test_a_job_that_never_ends_is_deleted_at_the_timeout():
        run = await ConnectorHarness(MyConnector()).run(task, {"x": 1}, timeout=timedelta(hours=1))
        assert run.calls[-1] == "delete"  # an hour of polling, in no real time

    async def test_the_service_answers():
        async with serve_connectors(MyConnector()) as service:
            await service.async_agent.CreateTask(request)  # flyteidl's stub, over loopback

    def test_files_cross_a_real_object_store(s3_store):  # moto's S3 server, on loopback
        f = flyte.io.File.from_local_sync("data.csv", s3_store.uri("data.csv"))

    def test_the_installed_plugin_is_served():
        with connector_service_process() as service:  # `flyte serve connector`, a process
            resource = asyncio.run(run_as_backend(service.address, template, inputs))

    def test_the_metrics_are_served():
        port = free_port()  # a loopback port nothing listens on, for an option that names one
        with connector_service_process("--metrics-port", str(port)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics")

The pytest plugin (entry point ``pytest11: flyte``, active wherever flyte-core is installed) adds
the fixtures ``flyte_registries``, ``scripted_clock``, ``s3_store`` (an S3-compatible server on
loopback, :func:`s3_server`, with a fresh bucket per test), ``raw_prefix`` (the test runs with
``FLYTE_RAW_OUTPUT_DATA_PREFIX`` set to a local folder, then to an ``s3_store`` bucket) and, with
pytest-asyncio, ``connector_service``. Importing this package is cheap: each name below is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flyte._lazy import lazy_attributes as _lazy_attributes

if TYPE_CHECKING:
    from flyte.testing._backend import (
        ConnectorServiceProcess,
        connector_service_process,
        list_agents,
        run_as_backend,
    )
    from flyte.testing._clock import ScriptedClock
    from flyte.testing._harness import ConnectorHarness, ConnectorRun
    from flyte.testing._object_store import S3Server, s3_server
    from flyte.testing._ports import free_port
    from flyte.testing._registries import isolated_registries
    from flyte.testing._round_trip import assert_round_trip
    from flyte.testing._service import HealthStub, ServedConnectors, serve_connectors

__all__ = [
    "ConnectorHarness",
    "ConnectorRun",
    "ConnectorServiceProcess",
    "HealthStub",
    "S3Server",
    "ScriptedClock",
    "ServedConnectors",
    "assert_round_trip",
    "connector_service_process",
    "free_port",
    "isolated_registries",
    "list_agents",
    "run_as_backend",
    "s3_server",
    "serve_connectors",
]

#: Public name -> the module that defines it, imported on first access (protobuf and grpc stay
#: unimported until a name that needs them is used, so the pytest plugin costs nothing).
_LAZY: dict[str, str] = {
    "ConnectorHarness": "flyte.testing._harness",
    "ConnectorRun": "flyte.testing._harness",
    "ConnectorServiceProcess": "flyte.testing._backend",
    "HealthStub": "flyte.testing._service",
    "S3Server": "flyte.testing._object_store",
    "ScriptedClock": "flyte.testing._clock",
    "ServedConnectors": "flyte.testing._service",
    "assert_round_trip": "flyte.testing._round_trip",
    "connector_service_process": "flyte.testing._backend",
    "free_port": "flyte.testing._ports",
    "isolated_registries": "flyte.testing._registries",
    "list_agents": "flyte.testing._backend",
    "run_as_backend": "flyte.testing._backend",
    "s3_server": "flyte.testing._object_store",
    "serve_connectors": "flyte.testing._service",
}


__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY)
