"""Run connector tasks locally, then against `flyte serve connector` as a Flyte backend calls it.

    python examples/apps/custom_connector_app/main.py

Two connectors: WordCountConnector (this app's own, in my_connector/) and the batch-job plugin's
BatchJobConnector (found through its entry point). The second half starts the connector service
on a free loopback port, creates and polls the same jobs through flyteidl's stubs, and stops it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from flyteidl.core.execution_pb2 import TaskExecution

import flyte
from flyte import serialize_task
from flyte.extend import TaskTemplate
from flyte.models import SerializationContext
from flyte.testing import connector_service_process, list_agents, run_as_backend
from flyte.types import TypeEngine
from flyteplugins.batch_job import BatchJobConfig, BatchJobTask

APP = Path(__file__).resolve().parent
sys.path.insert(0, str(APP))

import my_connector.connector  # noqa: E402, F401  (registers WordCountConnector for local runs)
from my_connector.task import count_words  # noqa: E402

TEXT = "connectors run tasks on external systems"
report = BatchJobTask(
    "report", inputs={"day": str}, plugin_config=BatchJobConfig(queued_seconds=0.1, run_seconds=0.2)
)


def run_locally() -> None:
    print("== locally, through AsyncConnectorExecutorMixin")
    words, longest = flyte.run(count_words, text=TEXT)
    print(f"count_words: {words} words, longest {longest!r}")
    assert (words, longest) == (6, "connectors")
    result = flyte.run(report, day="monday")
    print(f"report: {result}")
    assert result.endswith('processed {"day": "monday"}')


async def call_as_backend(address: str, task: TaskTemplate, **inputs: Any) -> Any:
    """The task's job through the service as flytepropeller runs it; its outputs."""
    template = serialize_task(
        task, SerializationContext(project="demo", domain="development", version="v1")
    )
    literals = await TypeEngine.to_literal_map(inputs, task.interface.inputs)
    resource = await run_as_backend(address, template, literals)
    assert resource.phase == TaskExecution.SUCCEEDED, resource.message
    outputs = await TypeEngine.literal_map_to_python(resource.outputs, task.interface.outputs)
    return task.interface.outputs_from_dict(outputs)


def run_against_service() -> None:
    print("== against `flyte serve connector`")
    pythonpath = os.pathsep.join([str(APP), os.environ.get("PYTHONPATH", "")])
    with connector_service_process(
        "--modules", "my_connector.connector", env={"PYTHONPATH": pythonpath}
    ) as service:
        for line in service.banner:
            print(f"  | {line}")
        agents = asyncio.run(list_agents(service.address))
        served = [
            f"{a.name} ({', '.join(c.name for c in a.supported_task_categories)})" for a in agents
        ]
        print(f"agents: {'; '.join(served)}")
        words, longest = asyncio.run(call_as_backend(service.address, count_words, text=TEXT))
        print(f"count_words: {words} words, longest {longest!r}")
        assert (words, longest) == (6, "connectors")
        result = asyncio.run(call_as_backend(service.address, report, day="tuesday"))
        print(f"report: {result}")
        assert result.endswith('processed {"day": "tuesday"}')
    print(f"service stopped with exit code {service.process.returncode}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="batch-jobs-") as jobs:
        os.environ["FLYTE_BATCH_JOB_DIR"] = jobs
        run_locally()
        run_against_service()
