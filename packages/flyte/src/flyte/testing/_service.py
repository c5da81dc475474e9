"""serve_connectors: the real connector service on a free loopback port, called through stubs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from flyteidl.service import agent_pb2_grpc

from flyte.connectors import ConnectorBase, ConnectorRegistry
from flyte.connectors._health import (
    NOT_SERVING,
    SERVICE_UNKNOWN,
    SERVING,
    HealthCheckRequest,
    HealthCheckResponse,
)
from flyte.connectors._server import ConnectorServer
from flyte.testing._registries import isolated_registries

__all__ = ["HealthStub", "ServedConnectors", "serve_connectors"]


class HealthStub:
    """A client of the standard ``grpc.health.v1.Health`` service, shaped like a generated stub.

    ``await stub.Check(stub.Request(service=""))`` answers a ``status`` of :attr:`SERVING` or
    :attr:`NOT_SERVING`; ``stub.Watch(request)`` streams the status as it changes.
    """

    Request: Any = HealthCheckRequest
    SERVING = SERVING
    NOT_SERVING = NOT_SERVING
    SERVICE_UNKNOWN = SERVICE_UNKNOWN

    def __init__(self, channel: grpc.aio.Channel) -> None:
        serialize = HealthCheckRequest.SerializeToString
        self.Check = channel.unary_unary(
            "/grpc.health.v1.Health/Check",
            request_serializer=serialize,
            response_deserializer=HealthCheckResponse.FromString,
        )
        self.Watch = channel.unary_stream(
            "/grpc.health.v1.Health/Watch",
            request_serializer=serialize,
            response_deserializer=HealthCheckResponse.FromString,
        )


@dataclass(frozen=True)
class ServedConnectors:
    """A connector service running for a test, and stubs on a channel to it.

    ``address`` is ``"127.0.0.1:PORT"``; ``async_agent``, ``sync_agent`` and ``metadata`` are
    flyteidl's ``AsyncAgentServiceStub``, ``SyncAgentServiceStub`` and
    ``AgentMetadataServiceStub``; ``health`` is a :class:`HealthStub`; ``server`` is the
    :class:`~flyte.connectors._server.ConnectorServer` itself.
    """

    address: str
    port: int
    channel: grpc.aio.Channel
    async_agent: agent_pb2_grpc.AsyncAgentServiceStub
    sync_agent: agent_pb2_grpc.SyncAgentServiceStub
    metadata: agent_pb2_grpc.AgentMetadataServiceStub
    health: HealthStub
    server: ConnectorServer


@asynccontextmanager
async def serve_connectors(
    *connectors: ConnectorBase, host: str = "127.0.0.1"
) -> AsyncIterator[ServedConnectors]:
    """Serve ``connectors`` with the real connector service on a free port of ``host``.

    ``async with serve_connectors(MyConnector()) as service:`` then call
    ``service.async_agent.CreateTask(...)`` as a Flyte backend would. The block runs inside
    :func:`isolated_registries`: each connector is registered (replacing one that serves the
    same task type), and the registries are put back when the block ends. The service looks
    connectors up on each request, so the installed plugins' connectors, and connectors
    registered inside the block, are served too. The server stops, with no grace period, when
    the block ends.
    """
    with isolated_registries():
        for connector in connectors:
            ConnectorRegistry.register(connector, override=True)
        server = await ConnectorServer.start(host, 0)
        try:
            address = f"{host}:{server.port}"
            async with grpc.aio.insecure_channel(address) as channel:
                yield ServedConnectors(
                    address=address,
                    port=server.port,
                    channel=channel,
                    async_agent=agent_pb2_grpc.AsyncAgentServiceStub(channel),
                    sync_agent=agent_pb2_grpc.SyncAgentServiceStub(channel),
                    metadata=agent_pb2_grpc.AgentMetadataServiceStub(channel),
                    health=HealthStub(channel),
                    server=server,
                )
        finally:
            await server.stop(None)
