"""Connectors: run a task on an external system, locally or behind the gRPC connector service.

A connector creates a job, polls it to a terminal phase and deletes it::

    from dataclasses import dataclass
    from flyteidl.core.execution_pb2 import TaskExecution
    from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta

    @dataclass
    class JobMeta(ResourceMeta):
        job_id: str

    class MyConnector(AsyncConnector):
        name = "My Connector"
        task_type_name = "my_job"
        metadata_type = JobMeta

        async def create(self, task_template, inputs=None, **kwargs):
            return JobMeta(job_id=await submit(inputs))

        async def get(self, resource_meta, **kwargs):
            return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": 42})

        async def delete(self, resource_meta, **kwargs):
            await cancel(resource_meta.job_id)

    ConnectorRegistry.register(MyConnector())

A connector reads its own API keys with :func:`get_connector_secret`, as flytekit's connectors
do. A task class that mixes in :class:`AsyncConnectorExecutorMixin` runs through its connector
locally; ``flyte serve connector`` serves every registered connector to a Flyte backend.
"""

from flyte.connectors._connector import (
    AsyncConnector,
    ConnectorBase,
    ConnectorRegistry,
    SyncConnector,
)
from flyte.connectors._errors import (
    ConnectorError,
    ConnectorJobFailedError,
    ConnectorJobNotFoundError,
    ConnectorNotFoundError,
    ConnectorRequestError,
    ConnectorTimeoutError,
    ResourceMetaError,
)
from flyte.connectors._executor import AsyncConnectorExecutorMixin
from flyte.connectors._polling import Clock, PollPolicy
from flyte.connectors._resource import Resource, ResourceMeta
from flyte.connectors._secrets import get_connector_secret

__all__ = [
    "AsyncConnector",
    "AsyncConnectorExecutorMixin",
    "Clock",
    "ConnectorBase",
    "ConnectorError",
    "ConnectorJobFailedError",
    "ConnectorJobNotFoundError",
    "ConnectorNotFoundError",
    "ConnectorRegistry",
    "ConnectorRequestError",
    "ConnectorTimeoutError",
    "PollPolicy",
    "Resource",
    "ResourceMeta",
    "ResourceMetaError",
    "SyncConnector",
    "get_connector_secret",
]
