"""``flyte serve connector``: the gRPC connector service a Flyte backend calls."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from flyte.cli._table import format_table

__all__ = ["add_parser"]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def add_parser(commands: Any) -> None:
    """Add ``serve connector`` to the ``flyte`` command."""
    serve = commands.add_parser("serve", help="serve the SDK to a Flyte backend")
    what = serve.add_subparsers(dest="what", metavar="WHAT", required=True)
    parser = what.add_parser(
        "connector",
        help="the gRPC connector service",
        description="Serve every registered connector over flyteidl's AsyncAgentService, "
        "SyncAgentService and AgentMetadataService, with grpc.health.v1 health checks. "
        "Connectors come from the flyte.connectors entry points and from --modules.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free)")
    parser.add_argument(
        "--modules",
        nargs="*",
        default=[],
        metavar="MODULE",
        help="modules to import first; their ConnectorRegistry.register calls add connectors",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve Prometheus metrics on this port (needs flyte-core[metrics])",
    )
    parser.add_argument("--tls-cert", default=None, help="PEM certificate: serve over TLS")
    parser.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert")
    parser.add_argument(
        "--grace-period",
        type=float,
        default=10.0,
        help="seconds calls in flight may take to finish after SIGTERM",
    )
    parser.add_argument(
        "--loop",
        choices=["auto", "asyncio", "uvloop"],
        default="auto",
        help="the event loop: uvloop when it is installed (flyte-core[uvloop]), else asyncio's",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes sharing the port, each with its own event loop (default 1); "
        "a worker that ends is replaced",
    )
    # A process started by --workers: it prints only where it serves, records metrics for the
    # supervisor's endpoint instead of serving them, and stops when its supervisor is gone.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from flyte.connectors._server import load_connectors, redact_logs
    from flyte.errors import FlyteError

    try:
        report = load_connectors(args.modules)
        redact_logs()
        if not args.worker:
            _print_report(report)
        if args.workers > 1 and not args.worker:
            code = _supervise(args)
        else:
            code = _run_loop(args.loop, lambda: _serve(args))
    except FlyteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if code == 0 and not args.worker:
        print("stopped", flush=True)
    return code


def _print_report(report: Any) -> None:
    if report.connectors:
        rows = [
            [c.name, c.task_type_name, str(c.task_type_version), _kind(c)]
            for c in report.connectors
        ]
        print(format_table(["CONNECTOR", "TASK TYPE", "VERSION", "KIND"], rows))
    else:
        print(
            "no connectors: install a plugin with flyte.connectors entry points, or use --modules"
        )
    for record in report.failed:
        print(f"{record.status.value}: {record.label}: {record.error}", file=sys.stderr)


def _kind(connector: object) -> str:
    from flyte.connectors import SyncConnector

    return "sync" if isinstance(connector, SyncConnector) else "async"


def _uvloop(loop: str) -> Any:
    """uvloop when ``loop`` asks for it (``auto``: when it is installed), else None."""
    from flyte.errors import FlyteError

    if loop == "asyncio":
        return None
    try:
        # Imported by name: the optional extra may be absent where the type checker runs.
        return importlib.import_module("uvloop")
    except ImportError:
        if loop == "uvloop":
            raise FlyteError(
                "--loop uvloop needs uvloop: pip install 'flyte-core[uvloop]', or leave out --loop"
            ) from None
        return None


def _run_loop(loop: str, main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run ``main()`` on the event loop ``loop`` names (``auto``: uvloop when installed)."""
    # Imported here, not with the module: `flyte --help` needs no event loop.
    import asyncio

    uvloop = _uvloop(loop)
    code: int = asyncio.run(main()) if uvloop is None else uvloop.run(main())
    return code


def _scheme(args: argparse.Namespace) -> str:
    return "grpcs" if args.tls_cert else "grpc"


async def _serve(args: argparse.Namespace) -> int:
    import asyncio

    from flyte.connectors._metrics import Metrics, PrometheusMetrics
    from flyte.connectors._server import ConnectorServer

    metrics: Metrics | None = None
    if args.worker:
        # The supervisor serves the sum of its workers' metrics; a worker only records them.
        metrics = PrometheusMetrics() if args.metrics_port is not None else Metrics()
    server = await ConnectorServer.start(
        args.host,
        args.port,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        metrics_port=None if args.worker else args.metrics_port,
        metrics=metrics,
    )
    print(f"serving connectors on {_scheme(args)}://{args.host}:{server.port}", flush=True)
    watch = asyncio.ensure_future(_stop_when_orphaned(os.getppid())) if args.worker else None
    try:
        await server.serve_until_signalled(args.grace_period)
    finally:
        if watch is not None:
            watch.cancel()
    return 0


async def _stop_when_orphaned(parent: int) -> None:
    """SIGTERM this worker once its supervisor is gone (it is then adopted by another parent)."""
    import asyncio

    while os.getppid() == parent:
        await asyncio.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _supervise(args: argparse.Namespace) -> int:
    from flyte.connectors._metrics import prometheus
    from flyte.connectors._workers import WorkerSupervisor

    if args.metrics_port is not None:
        prometheus()  # refuse at once, before any worker starts, when the extra is missing
    _uvloop(args.loop)  # the same for --loop uvloop

    def command(port: int) -> list[str]:
        line = [sys.executable, "-m", "flyte.cli", "serve", "connector", "--worker"]
        line += ["--host", args.host, "--port", str(port), "--grace-period", str(args.grace_period)]
        line += ["--loop", args.loop]
        if args.modules:
            line += ["--modules", *args.modules]
        if args.metrics_port is not None:
            line += ["--metrics-port", str(args.metrics_port)]
        if args.tls_cert:
            line += ["--tls-cert", args.tls_cert, "--tls-key", args.tls_key or ""]
        return line

    metrics = None if args.metrics_port is None else (args.host, args.metrics_port)
    supervisor = WorkerSupervisor(
        command,
        args.workers,
        address=f"{_scheme(args)}://{args.host}",
        port=args.port,
        grace=args.grace_period,
        metrics=metrics,
    )
    return supervisor.run()
