"""The connector service: a ``grpc.aio`` server a Flyte backend calls to run connector tasks.

    from flyte.connectors._server import ConnectorServer

    server = await ConnectorServer.start(host="127.0.0.1", port=8000)
    await server.wait()

It serves flyteidl's ``AsyncAgentService``, ``SyncAgentService`` and ``AgentMetadataService``
over every registered connector, plus ``grpc.health.v1.Health``. On stop it reports
NOT_SERVING, ends health ``Watch`` streams, takes no new calls and lets the calls in flight
finish within the grace period.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
from dataclasses import dataclass
from pathlib import Path

import grpc
from flyteidl.service import agent_pb2 as service_pb2

from flyte import _discovery
from flyte._discovery import PluginRecord, PluginStatus
from flyte._secrets import RedactSecrets
from flyte.connectors._connector import ConnectorBase, ConnectorRegistry
from flyte.connectors._health import HEALTH_SERVICE, HealthServicer
from flyte.connectors._metrics import Metrics, start_metrics
from flyte.connectors._rpc import service_handler
from flyte.connectors._service import ConnectorService
from flyte.errors import FlyteError

__all__ = ["AGENT_SERVICES", "ConnectorServer", "LoadReport", "load_connectors", "redact_logs"]

#: The flyteidl services the server implements, by full name.
AGENT_SERVICES = tuple(
    service_pb2.DESCRIPTOR.services_by_name[name]
    for name in ("AsyncAgentService", "SyncAgentService", "AgentMetadataService")
)


@dataclass(frozen=True)
class LoadReport:
    """What the server serves after loading its connectors, and the plugins loading them left
    out (failed, incompatible, or in conflict over a key)."""

    connectors: list[ConnectorBase]
    failed: list[PluginRecord]


_NOT_SERVED = (PluginStatus.FAILED, PluginStatus.INCOMPATIBLE, PluginStatus.CONFLICT)


def load_connectors(modules: list[str] | tuple[str, ...] = ()) -> LoadReport:
    """Import ``modules`` (their ``ConnectorRegistry.register`` calls register connectors), then
    load every ``flyte.connectors`` entry point; a plugin that fails is reported, not raised.

    Discovery does not warn of failed plugins while it loads: the report names the same
    plugins, and says it once however many worker processes load them.
    """
    with _discovery.records_reported_by_caller():
        return _load(modules)


def _load(modules: list[str] | tuple[str, ...]) -> LoadReport:
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:
            raise FlyteError(f"cannot import the connector module '{module}': {exc}") from exc
    connectors = ConnectorRegistry.list_connectors()
    # Every group's: loading the connectors may have loaded plugins of other groups too.
    failed = [r for r in _discovery.records() if r.status in _NOT_SERVED]
    return LoadReport(connectors, failed)


def redact_logs() -> None:
    """Make the process's log lines free of secret values: every handler of the root logger
    redacts them (:class:`RedactSecrets`), and one that writes to stderr is added if there is none.

    Call it once the connectors are imported, since a connector module may add its own handlers.
    The level stays the root logger's (warnings and errors unless configured).
    """
    root = logging.getLogger()
    if not root.handlers:
        stderr = logging.StreamHandler()
        stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(stderr)
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())


def _credentials(tls_cert: str | None, tls_key: str | None) -> grpc.ServerCredentials | None:
    if not tls_cert and not tls_key:
        return None
    if not (tls_cert and tls_key):
        raise FlyteError("TLS needs both a certificate (--tls-cert) and its key (--tls-key)")
    pair = (_read(tls_key, "--tls-key"), _read(tls_cert, "--tls-cert"))
    return grpc.ssl_server_credentials([pair])


def _read(path: str, flag: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise FlyteError(f"cannot read {flag} {path}: {exc.strerror or exc}") from None


class ConnectorServer:
    """A running connector service; make one with :meth:`start`."""

    def __init__(
        self, server: grpc.aio.Server, port: int, health: HealthServicer, metrics: Metrics
    ) -> None:
        self._server = server
        self.port = port
        self._health = health
        self._metrics = metrics

    @classmethod
    async def start(
        cls,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        tls_cert: str | None = None,
        tls_key: str | None = None,
        metrics_port: int | None = None,
        metrics: Metrics | None = None,
    ) -> ConnectorServer:
        """Start serving on ``host:port`` (port 0 picks a free one, see :attr:`port`).

        TLS is on when ``tls_cert`` and ``tls_key`` (PEM files) are given; Prometheus metrics are
        served on ``metrics_port`` when given (needs the ``metrics`` extra), or recorded by
        ``metrics`` when given (a worker's, summed by its supervisor).
        """
        credentials = _credentials(tls_cert, tls_key)
        if metrics is None:
            metrics = start_metrics(host, metrics_port)
        service = ConnectorService()
        health = HealthServicer([s.full_name for s in AGENT_SERVICES])
        server = grpc.aio.server()
        handlers = [service_handler(s, service, metrics) for s in AGENT_SERVICES]
        handlers.append(service_handler(HEALTH_SERVICE, health, metrics))
        server.add_generic_rpc_handlers(handlers)
        address = f"{host}:{port}"
        try:
            if credentials is None:
                bound = server.add_insecure_port(address)
            else:
                bound = server.add_secure_port(address, credentials)
        except RuntimeError as exc:
            metrics.stop()
            raise FlyteError(f"cannot listen on {address}: {exc}") from exc
        await server.start()
        return cls(server, bound, health, metrics)

    async def stop(self, grace: float | None = 10.0) -> None:
        """Report NOT_SERVING, refuse new calls, let calls in flight finish within ``grace`` seconds.

        Health ``Watch`` streams are told NOT_SERVING and end at once: they never hold the stop.
        """
        self._health.stop()
        await self._server.stop(grace)
        self._metrics.stop()

    async def wait(self) -> None:
        """Wait until the server has stopped."""
        await self._server.wait_for_termination()

    async def serve_until_signalled(self, grace: float = 10.0) -> None:
        """Serve until SIGTERM or SIGINT, then stop gracefully."""
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        try:
            await stopping.wait()
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            await self.stop(grace)
