"""The async fixtures of flyte's pytest plugin, registered when pytest-asyncio is active."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest_asyncio

if TYPE_CHECKING:
    from flyte.testing._service import ServedConnectors


@pytest_asyncio.fixture
async def connector_service() -> AsyncIterator[ServedConnectors]:
    """The connector service on a free loopback port, serving what the test registers."""
    from flyte.testing._service import serve_connectors

    async with serve_connectors() as service:
        yield service
