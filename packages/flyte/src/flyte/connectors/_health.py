"""The standard gRPC health service (``grpc.health.v1.Health``), without another dependency.

Its two messages are built from the published proto definition at import time, in a descriptor
pool of their own, so that load balancers and ``grpc_health_probe`` can check the connector
service without ``grpcio-health-checking`` being installed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from flyte.connectors._rpc import RpcAbort

__all__ = [
    "HEALTH_SERVICE",
    "NOT_SERVING",
    "SERVICE_UNKNOWN",
    "SERVING",
    "HealthCheckRequest",
    "HealthCheckResponse",
    "HealthServicer",
]

SERVING, NOT_SERVING, SERVICE_UNKNOWN = 1, 2, 3


def _health_file() -> descriptor_pb2.FileDescriptorProto:
    fdp = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="grpc/health/v1/health.proto", package="grpc.health.v1", syntax="proto3"
    )
    request = proto.message_type.add(name="HealthCheckRequest")
    request.field.add(name="service", number=1, type=fdp.TYPE_STRING, label=fdp.LABEL_OPTIONAL)
    response = proto.message_type.add(name="HealthCheckResponse")
    status = response.enum_type.add(name="ServingStatus")
    for number, name in enumerate(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]):
        status.value.add(name=name, number=number)
    response.field.add(
        name="status",
        number=1,
        type=fdp.TYPE_ENUM,
        type_name=".grpc.health.v1.HealthCheckResponse.ServingStatus",
        label=fdp.LABEL_OPTIONAL,
    )
    service = proto.service.add(name="Health")
    for name, streaming in (("Check", False), ("Watch", True)):
        service.method.add(
            name=name,
            input_type=".grpc.health.v1.HealthCheckRequest",
            output_type=".grpc.health.v1.HealthCheckResponse",
            server_streaming=streaming,
        )
    return proto


_pool = descriptor_pool.DescriptorPool()
_file = _pool.Add(_health_file())
HEALTH_SERVICE = _file.services_by_name["Health"]
HealthCheckRequest: Any = message_factory.GetMessageClass(
    _file.message_types_by_name["HealthCheckRequest"]
)
HealthCheckResponse: Any = message_factory.GetMessageClass(
    _file.message_types_by_name["HealthCheckResponse"]
)


class HealthServicer:
    """Answers health checks for the server as a whole (``""``) and for each service it serves.

    A ``Watch`` stream lasts as long as its client keeps it open, so a server stopping with a
    grace period would wait the whole period for an idle one: :meth:`stop` tells every watcher
    NOT_SERVING and ends its stream at once.
    """

    def __init__(self, services: list[str]) -> None:
        self._status = dict.fromkeys(["", *services], SERVING)
        self._changed = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        """Report NOT_SERVING for every service, and end every ``Watch`` stream once told."""
        self._stopping = True
        self._status = dict.fromkeys(self._status, NOT_SERVING)
        self._changed.set()
        self._changed = asyncio.Event()

    async def check(self, request: Any) -> Any:
        """The service's status; ``NOT_FOUND`` for a service this server does not serve."""
        status = self._status.get(request.service)
        if status is None:
            raise RpcAbort(grpc.StatusCode.NOT_FOUND, f"unknown service '{request.service}'")
        return HealthCheckResponse(status=status)

    async def watch(self, request: Any) -> AsyncIterator[Any]:
        """The service's status now and after each change, until the server stops."""
        last = None
        while True:
            status = self._status.get(request.service, SERVICE_UNKNOWN)
            if status != last:
                last = status
                yield HealthCheckResponse(status=status)
                continue  # the status may have changed while the answer was sent
            if self._stopping:
                return
            await self._changed.wait()
