"""Prometheus metrics of the connector service: requests and failures by method and code, latency.

Metrics are optional: ``pip install 'flyte-core[metrics]'`` brings ``prometheus-client``, the
field's standard exporter, and ``flyte serve connector --metrics-port N`` serves them over HTTP.
Without a port, :class:`Metrics` records nothing and costs nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

from flyte.errors import FlyteError

__all__ = ["Metrics", "PrometheusMetrics", "start_metrics"]


class Metrics:
    """Records nothing: the service's metrics when no metrics port is given."""

    def observe(self, method: str, code: str, seconds: float) -> None:
        """Record one call of ``method`` that ended with status ``code`` after ``seconds``."""

    def stop(self) -> None:
        """Stop serving the metrics."""


class PrometheusMetrics(Metrics):
    """Counts and times calls in a registry of its own, served over HTTP on ``port``."""

    def __init__(self, host: str, port: int) -> None:
        try:
            # Imported by name: the optional extra may be absent where the type checker runs.
            prom: Any = importlib.import_module("prometheus_client")
        except ImportError as exc:
            raise FlyteError(
                "metrics need prometheus-client: pip install 'flyte-core[metrics]', or leave "
                "out --metrics-port"
            ) from exc
        self.registry = prom.CollectorRegistry()
        self._requests = prom.Counter(
            "flyte_connector_requests",
            "Connector service calls, by method and status code.",
            ["method", "code"],
            registry=self.registry,
        )
        self._failures = prom.Counter(
            "flyte_connector_failures",
            "Connector service calls that did not end OK, by method and status code.",
            ["method", "code"],
            registry=self.registry,
        )
        self._latency = prom.Histogram(
            "flyte_connector_request_seconds",
            "Connector service call latency, by method.",
            ["method"],
            registry=self.registry,
        )
        served: Any = prom.start_http_server(port, addr=host, registry=self.registry)
        # prometheus-client >= 0.20 returns the server and its thread; older ones return None.
        self._http = served[0] if isinstance(served, tuple) else None

    def observe(self, method: str, code: str, seconds: float) -> None:
        """Count the call, and its failure when ``code`` is not OK; time it."""
        self._requests.labels(method, code).inc()
        if code != "OK":
            self._failures.labels(method, code).inc()
        self._latency.labels(method).observe(seconds)

    def stop(self) -> None:
        """Shut the HTTP endpoint down."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()


def start_metrics(host: str, port: int | None) -> Metrics:
    """Prometheus metrics served on ``host:port``, or no metrics when ``port`` is None."""
    return Metrics() if port is None else PrometheusMetrics(host, port)
