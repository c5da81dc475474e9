"""free_port: a loopback port for a server a test starts, such as a metrics endpoint."""

from __future__ import annotations

import socket

__all__ = ["free_port"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now.

    For a server that takes its port on the command line and cannot be given 0:
    ``connector_service_process("--metrics-port", str(free_port()))``. The port is free when this
    returns; another process could take it before the server binds it.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
