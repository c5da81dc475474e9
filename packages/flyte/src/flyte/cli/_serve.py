"""``flyte serve connector``: the gRPC connector service a Flyte backend calls."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from flyte.cli._table import format_table

__all__ = ["add_parser"]


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
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from flyte.connectors._server import load_connectors, redact_logs
    from flyte.errors import FlyteError

    try:
        report = load_connectors(args.modules)
    except FlyteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    redact_logs()
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
        print(f"failed: {record.label}: {record.error}", file=sys.stderr)
    try:
        return asyncio.run(_serve(args))
    except FlyteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _kind(connector: object) -> str:
    from flyte.connectors import SyncConnector

    return "sync" if isinstance(connector, SyncConnector) else "async"


async def _serve(args: argparse.Namespace) -> int:
    from flyte.connectors._server import ConnectorServer

    server = await ConnectorServer.start(
        args.host,
        args.port,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        metrics_port=args.metrics_port,
    )
    scheme = "grpcs" if args.tls_cert else "grpc"
    print(f"serving connectors on {scheme}://{args.host}:{server.port}", flush=True)
    await server.serve_until_signalled(args.grace_period)
    print("stopped", flush=True)
    return 0
