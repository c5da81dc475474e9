"""AsyncConnector and ConnectorRegistry: the contract of a connector and where it is found."""

from __future__ import annotations

from typing import Any, ClassVar

from flyte import _discovery
from flyte._registry import Registry
from flyte.errors import FlyteError

__all__ = ["AsyncConnector", "ConnectorNotFoundError", "ConnectorRegistry"]


class ConnectorNotFoundError(FlyteError, LookupError):
    """No connector serves a task type and version."""


class AsyncConnector:
    """Runs tasks of one task type on an external system: create a job, poll it, delete it."""

    name: ClassVar[str] = "Async Connector"
    task_type_name: ClassVar[str] = ""
    task_type_version: ClassVar[int] = 0
    metadata_type: ClassVar[type] = object

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> Any:
        """Start the job for ``task_template`` with ``inputs``; return its resource metadata."""
        raise NotImplementedError

    async def get(self, resource_meta: Any, **kwargs: Any) -> Any:
        """Return the job's current :class:`Resource`."""
        raise NotImplementedError

    async def delete(self, resource_meta: Any, **kwargs: Any) -> None:
        """Cancel the job and release what it holds."""
        raise NotImplementedError


_connectors: Registry[tuple[str, int], AsyncConnector] = Registry(
    "flyte.connectors",
    describe=lambda key: f"the task type '{key[0]}' version {key[1]}",
    describe_value=lambda c: f"connector '{c.name}' ({type(c).__module__}.{type(c).__qualname__})",
)


class ConnectorRegistry:
    """The connectors by the task type and version they serve."""

    @classmethod
    def register(cls, connector: AsyncConnector, *, override: bool = False) -> None:
        """Make ``connector`` serve its ``task_type_name`` and ``task_type_version``."""
        if not isinstance(connector, AsyncConnector):
            raise TypeError(
                f"ConnectorRegistry.register takes an AsyncConnector, got {connector!r}"
            )
        key = (connector.task_type_name, connector.task_type_version)
        _connectors.register(key, connector, override=override)

    @classmethod
    def get_connector(cls, task_type: str, version: int = 0) -> AsyncConnector:
        """The connector for ``task_type`` and ``version``, loading ``flyte.connectors`` on a miss."""
        found = _connectors.get((task_type, version))
        if found is None:
            served = ", ".join(f"{t} v{v}" for t, v in sorted(_connectors.registered())) or "none"
            raise ConnectorNotFoundError(
                f"no connector serves the task type '{task_type}' version {version} "
                f"(registered: {served}); install a plugin that declares one under the "
                f"'flyte.connectors' entry points, or call ConnectorRegistry.register"
            )
        return found

    @classmethod
    def registered(cls) -> dict[tuple[str, int], AsyncConnector]:
        """Every connector registered now, by task type and version."""
        return _connectors.registered()


def _adopt(obj: object) -> bool:
    if isinstance(obj, type) and issubclass(obj, AsyncConnector):
        obj = obj()
    if isinstance(obj, AsyncConnector):
        ConnectorRegistry.register(obj)
        return True
    return False


_discovery.define_group(
    _discovery.GroupKind("flyte.connectors", "an AsyncConnector instance or subclass", _adopt)
)
