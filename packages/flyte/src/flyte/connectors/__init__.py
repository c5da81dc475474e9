"""Connectors: run a task on an external system, locally or behind the gRPC connector service.

A connector creates a job, polls it to a terminal phase and deletes it::

    from flyte.connectors import AsyncConnector, ConnectorRegistry

    class BatchJobConnector(AsyncConnector):
        name = "Batch Job Connector"
        task_type_name = "batch_job"
        ...

    ConnectorRegistry.register(BatchJobConnector())
"""

from flyte.connectors._connector import AsyncConnector, ConnectorNotFoundError, ConnectorRegistry

__all__ = ["AsyncConnector", "ConnectorNotFoundError", "ConnectorRegistry"]
