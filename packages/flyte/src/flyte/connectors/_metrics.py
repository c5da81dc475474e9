"""Prometheus metrics of the connector service: flytekit's names first, the service's own beside.

Metrics are optional: ``pip install 'flyte-core[metrics]'`` brings ``prometheus-client``, the
field's standard exporter, and ``flyte serve connector --metrics-port N`` serves them over HTTP.
Without a port, :class:`Metrics` records nothing and costs nothing.

flytekit's connector service exports four metrics, and dashboards and alerts built on it query
them; they are exported here under the same names, types and labels:

- ``flyte_connector_requests_success_total{task_type, operation}`` (counter);
- ``flyte_connector_requests_failure_total{task_type, operation, error_code}`` (counter);
  ``error_code`` is the HTTP status equivalent to the call's gRPC status, as flytekit writes it
  (``404`` for an unknown task type, ``500`` for a connector that raised, and here also ``400``
  for a refused request, ``501`` for a method a connector lacks);
- ``flyte_connector_request_latency_seconds{task_type, operation}`` (summary);
- ``flyte_connector_input_literal_bytes{task_type}`` (summary of ``CreateTask``'s inputs).

``operation`` is ``create``, ``get``, ``delete`` (``AsyncAgentService``) or ``do``
(``ExecuteTaskSync``); ``task_type`` is the request's, as flytekit reads it. The service's own:

- ``flyte_connector_grpc_requests_total{method, code}``: every call, by gRPC status code;
- ``flyte_connector_grpc_request_duration_seconds{method}``: a latency histogram;
- ``flyte_connector_grpc_requests_in_flight{method}``: calls being served now;
- ``flyte_connector_poll_phase_total{task_type, phase}``: ``GetTask`` answers by job phase.

Several worker processes (``--workers N``) write their values to files of prometheus-client's
multiprocess mode, and one endpoint sums them (:func:`serve_multiprocess`).
"""

from __future__ import annotations

import importlib
from typing import Any

from flyteidl.core.execution_pb2 import TaskExecution

from flyte.errors import FlyteError

__all__ = ["Metrics", "PrometheusMetrics", "serve_multiprocess", "start_metrics"]

_ASYNC = "/flyteidl.service.AsyncAgentService/"

#: flyteidl method -> flytekit's ``operation`` label; flytekit measures only these.
OPERATIONS = {
    _ASYNC + "CreateTask": "create",
    _ASYNC + "GetTask": "get",
    _ASYNC + "DeleteTask": "delete",
    "/flyteidl.service.SyncAgentService/ExecuteTaskSync": "do",
}

#: gRPC status -> the HTTP status of flytekit's ``error_code`` label (the usual gRPC-HTTP mapping).
HTTP_STATUS = {
    "CANCELLED": "499",
    "UNKNOWN": "500",
    "INVALID_ARGUMENT": "400",
    "DEADLINE_EXCEEDED": "504",
    "NOT_FOUND": "404",
    "ALREADY_EXISTS": "409",
    "PERMISSION_DENIED": "403",
    "RESOURCE_EXHAUSTED": "429",
    "FAILED_PRECONDITION": "400",
    "ABORTED": "409",
    "OUT_OF_RANGE": "400",
    "UNIMPLEMENTED": "501",
    "INTERNAL": "500",
    "UNAVAILABLE": "503",
    "DATA_LOSS": "500",
    "UNAUTHENTICATED": "401",
}

_PHASES = {number: name for name, number in TaskExecution.Phase.items()}


class Metrics:
    """Records nothing: the service's metrics when no metrics port is given."""

    def started(self, method: str) -> None:
        """A call of ``method`` (``/package.Service/Method``) began."""

    def ended(
        self, method: str, code: str, seconds: float, request: Any = None, response: Any = None
    ) -> None:
        """A call of ``method`` ended with status ``code`` after ``seconds``.

        ``request`` (for a streamed call, the first message that names the task) and
        ``response`` (the answer of a unary call) give the labels that need them; either may be
        None when the call ended before it had one.
        """

    def stop(self) -> None:
        """Stop serving the metrics."""


def prometheus() -> Any:
    """prometheus_client, or a :class:`FlyteError` that says how to install it."""
    try:
        # Imported by name: the optional extra may be absent where the type checker runs.
        return importlib.import_module("prometheus_client")
    except ImportError as exc:
        raise FlyteError(
            "metrics need prometheus-client: pip install 'flyte-core[metrics]', or leave "
            "out --metrics-port"
        ) from exc


class PrometheusMetrics(Metrics):
    """Records the service's calls in a registry of its own, served over HTTP when ``port`` is set.

    Without a port it only records: a worker process does, its values summed by the endpoint of
    :func:`serve_multiprocess` (``PROMETHEUS_MULTIPROC_DIR`` names where they are written).
    """

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        prom = prometheus()
        self.registry = registry = prom.CollectorRegistry()
        # flytekit's four, exactly as its connector service declares them.
        self._success = prom.Counter(
            "flyte_connector_requests_success",
            "Total number of successful requests",
            ["task_type", "operation"],
            registry=registry,
        )
        self._failure = prom.Counter(
            "flyte_connector_requests_failure",
            "Total number of failed requests",
            ["task_type", "operation", "error_code"],
            registry=registry,
        )
        self._latency = prom.Summary(
            "flyte_connector_request_latency_seconds",
            "Time spent processing connector request",
            ["task_type", "operation"],
            registry=registry,
        )
        self._input_size = prom.Summary(
            "flyte_connector_input_literal_bytes",
            "Size of input literal",
            ["task_type"],
            registry=registry,
        )
        # The service's own.
        self._calls = prom.Counter(
            "flyte_connector_grpc_requests",
            "Connector service calls, by gRPC method and status code.",
            ["method", "code"],
            registry=registry,
        )
        self._duration = prom.Histogram(
            "flyte_connector_grpc_request_duration_seconds",
            "Connector service call latency, by gRPC method.",
            ["method"],
            registry=registry,
        )
        self._in_flight = prom.Gauge(
            "flyte_connector_grpc_requests_in_flight",
            "Connector service calls being served, by gRPC method.",
            ["method"],
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._phases = prom.Counter(
            "flyte_connector_poll_phase",
            "GetTask answers, by task type and the job's phase.",
            ["task_type", "phase"],
            registry=registry,
        )
        # Labelled children are looked up once per label set: .labels() costs a lock and a
        # tuple each call, on every request.
        self._children: dict[tuple[Any, ...], Any] = {}
        self._endpoint = _serve(prom, host, port, registry) if port is not None else None

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def started(self, method: str) -> None:
        """Count the call in flight."""
        self._child(self._in_flight, method).inc()

    def ended(
        self, method: str, code: str, seconds: float, request: Any = None, response: Any = None
    ) -> None:
        """Count the call by its code, time it, and record flytekit's metrics of its operation."""
        self._child(self._in_flight, method).dec()
        self._child(self._calls, method, code).inc()
        self._child(self._duration, method).observe(seconds)
        operation = OPERATIONS.get(method)
        if operation is None:
            return
        task_type = _task_type(request)
        if code == "OK":
            self._child(self._success, task_type, operation).inc()
        else:
            error_code = HTTP_STATUS.get(code, "500")
            self._child(self._failure, task_type, operation, error_code).inc()
        self._child(self._latency, task_type, operation).observe(seconds)
        if operation == "create" and request is not None:
            self._child(self._input_size, task_type).observe(request.inputs.ByteSize())
        elif operation == "get" and response is not None:
            phase = _PHASES.get(response.resource.phase, str(response.resource.phase))
            self._child(self._phases, task_type, phase).inc()

    def stop(self) -> None:
        """Shut the HTTP endpoint down."""
        if self._endpoint is not None:
            self._endpoint.stop()


def _task_type(request: Any) -> str:
    """The task type a request names, read as flytekit reads it."""
    if request is None:
        return ""
    kind = request.DESCRIPTOR.name
    if kind == "CreateTaskRequest":
        return str(request.template.type)
    if kind == "ExecuteTaskSyncRequest":
        return str(request.header.template.type)
    return str(request.task_type or request.task_category.name)


def start_metrics(host: str, port: int | None) -> Metrics:
    """Prometheus metrics served on ``host:port``, or no metrics when ``port`` is None."""
    return Metrics() if port is None else PrometheusMetrics(host, port)


class _Endpoint:
    """An HTTP endpoint serving a registry's metrics (:func:`_serve`)."""

    def __init__(self, http: Any) -> None:
        self._http = http

    def stop(self) -> None:
        """Shut it down."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()


def _serve(prom: Any, host: str, port: int, registry: Any) -> _Endpoint:
    """Serve ``registry`` over HTTP on ``host:port``."""
    served: Any = prom.start_http_server(port, addr=host, registry=registry)
    # prometheus-client >= 0.20 returns the server and its thread; older ones return None.
    return _Endpoint(served[0] if isinstance(served, tuple) else None)


def serve_multiprocess(host: str, port: int, directory: str) -> _Endpoint:
    """Serve on ``host:port`` the sum of the metrics that worker processes write to ``directory``."""
    prom = prometheus()
    multiprocess = importlib.import_module("prometheus_client.multiprocess")
    registry = prom.CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return _serve(prom, host, port, registry)
