"""flyte's pytest plugin (entry point ``pytest11: flyte``): fixtures of the test kit.

Loading it imports nothing but this module: the kit, protobuf and grpc are imported when a
fixture is first used. ``-p no:flyte`` turns it off.

- ``flyte_registries``: the test runs inside :func:`flyte.testing.isolated_registries`.
- ``scripted_clock``: a fresh :class:`flyte.testing.ScriptedClock`.
- ``connector_service`` (async, with pytest-asyncio): :func:`flyte.testing.serve_connectors`
  of whatever the test registers; it runs inside isolated registries too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flyte.testing._clock import ScriptedClock


@pytest.fixture
def flyte_registries() -> Iterator[None]:
    """Run the test in isolated registries: what it registers is gone after it."""
    from flyte.testing._registries import isolated_registries

    with isolated_registries():
        yield


@pytest.fixture
def scripted_clock() -> ScriptedClock:
    """A :class:`flyte.testing.ScriptedClock` at virtual time 0."""
    from flyte.testing._clock import ScriptedClock

    return ScriptedClock()


def pytest_configure(config: pytest.Config) -> None:
    """Add the async fixtures when pytest-asyncio is there to run them."""
    if config.pluginmanager.has_plugin("asyncio"):
        from flyte.testing import _pytest_asyncio_fixtures

        config.pluginmanager.register(_pytest_asyncio_fixtures, "flyte-asyncio-fixtures")
