"""free_port: a loopback port nothing listens on, for a server a test starts."""

from __future__ import annotations

import socket

from flyte.testing import free_port


def test_a_free_port_is_one_a_server_can_listen_on() -> None:
    port = free_port()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert server.getsockname() == ("127.0.0.1", port)
