"""The connector contract (AsyncConnector, SyncConnector) and the registry that finds connectors.

A connector serves one task type and version. The registry is the project's one registry
mechanism (:class:`flyte._registry.Registry`): user code registers explicitly, and a lookup that
misses loads the ``flyte.connectors`` entry points once, then looks again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from flyte import _discovery
from flyte._registry import Registry
from flyte.connectors._config import check_config_type
from flyte.connectors._errors import ConnectorNotFoundError
from flyte.connectors._resource import Resource, ResourceMeta

if TYPE_CHECKING:
    from flyteidl.admin import agent_pb2
    from flyteidl.core import tasks_pb2

__all__ = ["AsyncConnector", "ConnectorBase", "ConnectorRegistry", "SyncConnector"]


class ConnectorBase:
    """What every connector states: its name, the task type and version it serves, and the type
    of its tasks' config.

    ``config_type`` (a dataclass or a pydantic model, or None) is what the task template's
    ``custom`` is decoded into and checked against before ``create`` or ``do`` is called; they
    receive it as ``config=`` (see :mod:`._config`).
    """

    name: ClassVar[str] = "Connector"
    task_type_name: ClassVar[str] = ""
    task_type_version: ClassVar[int] = 0
    config_type: ClassVar[type | None] = None

    def describe(self) -> str:
        """The connector as error messages name it: its name and its class."""
        cls = type(self)
        return f"connector '{self.name}' ({cls.__module__}.{cls.__qualname__})"


class AsyncConnector(ConnectorBase):
    """Runs tasks of one task type as jobs of an external system: create, poll, delete.

    ``create`` gets the serialized ``tasks_pb2.TaskTemplate`` and the inputs as Python values
    (converted with the template's interface) and returns an instance of ``metadata_type``;
    ``get`` and ``delete`` get that instance back, decoded from JSON when the call crossed a
    process boundary. Keyword arguments the caller knows are passed too (``config``,
    ``output_prefix``, ``task_execution_metadata``, ``ctx``); accept ``**kwargs`` to ignore them.
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


class _Connectors(Registry[tuple[str, int], ConnectorBase]):
    """The connectors by the task type and version they serve."""

    group = _discovery.CONNECTORS
    expected = "an AsyncConnector or SyncConnector instance or subclass"

    def register(self, connector: ConnectorBase, *, override: bool = False) -> None:
        """Make ``connector`` serve its ``task_type_name`` and ``task_type_version``.

        Raises :class:`flyte.errors.RegistrationError` when user code already registered another
        connector for that task type and version, unless ``override`` is true.
        """
        self.add(self.key_of(connector), connector, override=override)

    def get_connector(self, task_type: str, version: int = 0) -> ConnectorBase:
        """The connector for ``task_type`` and ``version``, loading ``flyte.connectors`` on a miss.

        Raises :class:`ConnectorNotFoundError` naming the task type and version and listing
        what is registered.
        """
        found = self.get((task_type, version))
        if found is None:
            served = ", ".join(f"'{t}' v{v}" for t, v in sorted(self.registered()))
            raise ConnectorNotFoundError(
                f"no connector serves the task type '{task_type}' version {version} "
                f"(registered: {served or 'none'}); install a plugin that declares one under the "
                f"'{self.group}' entry points, or call ConnectorRegistry.register"
            )
        return found

    def list_connectors(self) -> list[ConnectorBase]:
        """Every connector, after loading the ``flyte.connectors`` entry points; sorted by key."""
        _discovery.load_group(self.group)
        return [c for _, c in sorted(self.registered().items(), key=lambda kv: kv[0])]

    def coerce(self, obj: object) -> ConnectorBase | None:
        """A connector, or an instance of a connector class."""
        if isinstance(obj, type) and issubclass(obj, (AsyncConnector, SyncConnector)):
            obj = obj()
        return obj if isinstance(obj, (AsyncConnector, SyncConnector)) else None

    def key_of(self, value: ConnectorBase) -> tuple[str, int]:
        """The task type and version the connector serves."""
        self.validate(value)
        return value.task_type_name, value.task_type_version

    def validate(self, value: ConnectorBase) -> None:
        """Only AsyncConnector and SyncConnector instances that name their task type."""
        if not isinstance(value, (AsyncConnector, SyncConnector)):
            raise TypeError(
                f"ConnectorRegistry.register takes an AsyncConnector or SyncConnector instance, "
                f"got {value!r}"
            )
        if not value.task_type_name:
            raise TypeError(f"{value.describe()} does not set task_type_name")
        check_config_type(value.config_type, value.describe())

    def describe_key(self, key: tuple[str, int]) -> str:
        """``the task type 'batch_job' version 0``."""
        return f"the task type '{key[0]}' version {key[1]}"

    def describe_value(self, value: ConnectorBase) -> str:
        """The connector's name and class."""
        return value.describe()


ConnectorRegistry = _Connectors()
