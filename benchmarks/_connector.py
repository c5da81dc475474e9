"""The benchmarks' connector task: a job on a simulated external system, in this process.

task = connector_task()                                    # its job has ended when first asked
task = connector_task(job_seconds=1, poll_interval=0.05)   # a job of 1 s, polled every 50 ms
flyte.run(task, x=1)                                       # 42
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

__all__ = ["connector_task"]


def connector_task(job_seconds: float = 0.0, poll_interval: float = 0.0) -> Any:
    """A connector task (input ``x: int``, output 42) whose job ends ``job_seconds`` after its
    ``create``, its ``get`` polled every ``poll_interval`` seconds (0: at once).

    Registers its connector (task type ``bench_job``), replacing any registered before: the
    tasks of an earlier call then run on this one's.
    """
    from flyteidl.core.execution_pb2 import TaskExecution

    from flyte.connectors import (
        AsyncConnector,
        AsyncConnectorExecutorMixin,
        ConnectorRegistry,
        PollPolicy,
        Resource,
        ResourceMeta,
    )
    from flyte.extend import TaskTemplate
    from flyte.models import NativeInterface

    @dataclass
    class Meta(ResourceMeta):
        job_id: str
        done_at: float

    class TimedConnector(AsyncConnector):
        name = "Timed job"
        task_type_name = "bench_job"
        metadata_type = Meta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Meta:
            return Meta(job_id=f"job-{inputs['x']}", done_at=time.monotonic() + job_seconds)

        async def get(self, resource_meta: Meta, **kwargs: Any) -> Resource:
            if time.monotonic() < resource_meta.done_at:
                return Resource(phase=TaskExecution.RUNNING)
            return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 42})

        async def delete(self, resource_meta: Meta, **kwargs: Any) -> None:
            pass

    class TimedTask(AsyncConnectorExecutorMixin, TaskTemplate):
        task_type = "bench_job"
        poll_policy = PollPolicy(first_interval=poll_interval, backoff=1.0)

    ConnectorRegistry.register(TimedConnector(), override=True)
    return TimedTask("timed", NativeInterface(inputs={"x": int}, outputs={"o0": int}))
