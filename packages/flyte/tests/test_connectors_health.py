"""The health service's Watch stream: every change reaches a watcher, the last one included."""

from __future__ import annotations

from flyte.connectors._health import NOT_SERVING, SERVING, HealthCheckRequest, HealthServicer


async def test_a_stop_while_a_watcher_is_being_answered_still_reaches_it() -> None:
    health = HealthServicer(["flyteidl.service.AsyncAgentService"])
    stream = health.watch(HealthCheckRequest(service=""))
    assert (await anext(stream)).status == SERVING
    # The stop lands while the watcher's first answer is still on its way (a loaded server):
    # the watcher must still be told NOT_SERVING before its stream ends.
    health.stop()
    assert (await anext(stream)).status == NOT_SERVING
    assert [r async for r in stream] == []
