"""The connector contract (AsyncConnector, SyncConnector) and the registry that finds connectors.

A connector serves one task type and version. The registry is the project's one registry
mechanism (:class:`flyte._registry.Registry`): user code registers explicitly, and a lookup that
misses loads the ``flyte.connectors`` entry points once, then looks again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from flyte import _discovery
from flyte._registry import Registry
from flyte.connectors._errors import ConnectorNotFoundError
from flyte.connectors._resource import Resource, ResourceMeta

if TYPE_CHECKING:
    from flyteidl.admin import agent_pb2
    from flyteidl.core import tasks_pb2

__all__ = ["AsyncConnector", "ConnectorBase", "ConnectorRegistry", "SyncConnector"]


class ConnectorBase:
    """What every connector states: its name and the task type and version it serves."""

    name: ClassVar[str] = "Connector"
    task_type_name: ClassVar[str] = ""
    task_type_version: ClassVar[int] = 0

    def describe(self) -> str:
        """The connector as error messages name it: its name and its class."""
        cls = type(self)
        return f"connector '{self.name}' ({cls.__module__}.{cls.__qualname__})"


class AsyncConnector(ConnectorBase):
    """Runs tasks of one task type as jobs of an external system: create, poll, delete.

    ``create`` gets the serialized ``tasks_pb2.TaskTemplate`` and the inputs as Python values
    (converted with the template's interface) and returns an instance of ``metadata_type``;
    ``get`` and ``delete`` get that instance back, decoded from JSON when the call crossed a
    process boundary. Keyword arguments the caller knows are passed too (``output_prefix``,
    ``task_execution_metadata``); accept ``**kwargs`` to ignore them.
    """

    metadata_type: ClassVar[type] = ResourceMeta

    async def create(
        self,
        task_template: tasks_pb2.TaskTemplate,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Start the job; return its metadata (an instance of ``metadata_type``)."""
        raise NotImplementedError(f"{self.describe()} does not implement create")

    async def get(self, resource_meta: Any, **kwargs: Any) -> Resource:
        """The job's current :class:`Resource`."""
        raise NotImplementedError(f"{self.describe()} does not implement get")

    async def delete(self, resource_meta: Any, **kwargs: Any) -> None:
        """Cancel the job and release what it holds; called at most once per job."""
        raise NotImplementedError(f"{self.describe()} does not implement delete")

    async def get_metrics(
        self, resource_meta: Any, **kwargs: Any
    ) -> agent_pb2.GetTaskMetricsResponse:
        """The job's metrics (optional); keyword arguments are the request's query fields."""
        raise NotImplementedError(f"{self.describe()} does not report metrics")

    def get_logs(
        self, resource_meta: Any, **kwargs: Any
    ) -> Any:  # a coroutine or an async generator, of GetTaskLogsResponse messages or str lines
        """The job's logs (optional), as a coroutine or an async generator.

        Either form may produce ``GetTaskLogsResponse`` messages or plain lines (``str``); a
        coroutine may also return a list of lines.
        """
        raise NotImplementedError(f"{self.describe()} does not report logs")


class SyncConnector(ConnectorBase):
    """Runs tasks of one task type with one quick call to an external system, returning the result."""

    async def do(
        self,
        task_template: tasks_pb2.TaskTemplate,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Resource:
        """Run the task and return its terminal :class:`Resource` with the outputs."""
        raise NotImplementedError(f"{self.describe()} does not implement do")


def _describe_key(key: tuple[str, int]) -> str:
    return f"the task type '{key[0]}' version {key[1]}"


_connectors: Registry[tuple[str, int], ConnectorBase] = Registry(
    "flyte.connectors", describe=_describe_key, describe_value=lambda c: c.describe()
)


class ConnectorRegistry:
    """The connectors by the task type and version they serve."""

    @classmethod
    def register(cls, connector: ConnectorBase, *, override: bool = False) -> None:
        """Make ``connector`` serve its ``task_type_name`` and ``task_type_version``.

        Raises :class:`flyte.errors.RegistrationError` when user code already registered another
        connector for that task type and version, unless ``override`` is true.
        """
        if not isinstance(connector, (AsyncConnector, SyncConnector)):
            raise TypeError(
                f"ConnectorRegistry.register takes an AsyncConnector or SyncConnector instance, "
                f"got {connector!r}"
            )
        if not connector.task_type_name:
            raise TypeError(f"{connector.describe()} does not set task_type_name")
        key = (connector.task_type_name, connector.task_type_version)
        _connectors.register(key, connector, override=override)

    @classmethod
    def get_connector(cls, task_type: str, version: int = 0) -> ConnectorBase:
        """The connector for ``task_type`` and ``version``, loading ``flyte.connectors`` on a miss.

        Raises :class:`ConnectorNotFoundError` naming the task type and version and listing
        what is registered.
        """
        found = _connectors.get((task_type, version))
        if found is None:
            served = ", ".join(f"'{t}' v{v}" for t, v in sorted(_connectors.registered()))
            raise ConnectorNotFoundError(
                f"no connector serves the task type '{task_type}' version {version} "
                f"(registered: {served or 'none'}); install a plugin that declares one under the "
                f"'flyte.connectors' entry points, or call ConnectorRegistry.register"
            )
        return found

    @classmethod
    def list_connectors(cls) -> list[ConnectorBase]:
        """Every connector, after loading the ``flyte.connectors`` entry points; sorted by key."""
        _discovery.load_group("flyte.connectors")
        return [c for _, c in sorted(_connectors.registered().items(), key=lambda kv: kv[0])]

    @classmethod
    def registered(cls) -> dict[tuple[str, int], ConnectorBase]:
        """Every connector registered now, by task type and version, without loading anything."""
        return _connectors.registered()


def _adopt(obj: object) -> bool:
    if isinstance(obj, type) and issubclass(obj, (AsyncConnector, SyncConnector)):
        obj = obj()
    if isinstance(obj, (AsyncConnector, SyncConnector)):
        ConnectorRegistry.register(obj)
        return True
    return False


_discovery.define_group(
    _discovery.GroupKind(
        "flyte.connectors", "an AsyncConnector or SyncConnector instance or subclass", _adopt
    )
)
