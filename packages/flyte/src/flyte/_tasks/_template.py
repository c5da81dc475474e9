"""TaskTemplate and AsyncFunctionTaskTemplate: what a task is, before it is serialized or run.

Both are dataclasses, so a task plugin may add settings as fields of its own::

    @dataclass(kw_only=True)
    class DaskTask(AsyncFunctionTaskTemplate):
        plugin_config: Dask
        task_type: str = "dask"
        workers: int = 2
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from flyte._tasks._docstring import Docstring, parse_docstring
from flyte._tasks._interface import describe_function, extract_interface, typed_interface
from flyte._tasks._options import Cache, PodTemplate, Secret, as_cache, as_secret
from flyte._tasks._resources import Resources
from flyte._workflows._building import add_node, current_builder
from flyte.errors import TaskDefinitionError
from flyte.models import NativeInterface, SerializationContext

if TYPE_CHECKING:
    from flyteidl.core import interface_pb2, tasks_pb2

__all__ = ["AsyncFunctionTaskTemplate", "TaskTemplate"]


@dataclass(eq=False, repr=False)
class TaskTemplate:
    """A task: its name, task type and version, interface, plugin config and runtime settings.

    Task plugins subclass it (or :class:`AsyncFunctionTaskTemplate`), annotate ``plugin_config``
    with their config type, set ``task_type`` and override what they change: ``custom_config``,
    ``config``, ``container_args``, ``sql``, ``execute`` (with ``pre`` and ``post`` around it),
    or ``validate`` to refuse an interface when the task is defined.

    The settings a backend reads: ``image``; ``resources``; ``env_vars``; ``secrets`` (names
    ``"group/key"``, ``"key"`` or :class:`flyte.Secret`); ``cache`` (False, True for a version
    derived from the task's definition, a version string, or :class:`flyte.Cache`);
    ``retries``; ``timeout`` (seconds or a timedelta); ``interruptible``; ``pod_template`` (a
    :class:`flyte.PodTemplate`, or the name of one in the cluster); ``description`` (else the
    docstring's first line); ``deprecated`` (the warning the backend shows). After the task is
    defined, ``cache`` is a :class:`flyte.Cache`, ``secrets`` a tuple of :class:`flyte.Secret`
    and ``timeout`` a timedelta or None.
    """

    # Keyword-only fields are marked one by one: the KW_ONLY marker breaks get_type_hints on 3.10.
    name: str = ""
    interface: NativeInterface = field(default_factory=NativeInterface)
    plugin_config: Any = field(default=None, kw_only=True)
    image: str | None = field(default=None, kw_only=True)
    resources: Resources | None = field(default=None, kw_only=True)
    env_vars: Mapping[str, str] = field(default_factory=dict, kw_only=True)
    secrets: Sequence[str | Secret] = field(default=(), kw_only=True)
    cache: bool | str | Cache = field(default=False, kw_only=True)
    retries: int = field(default=0, kw_only=True)
    timeout: datetime.timedelta | float | None = field(default=None, kw_only=True)
    interruptible: bool | None = field(default=None, kw_only=True)
    pod_template: PodTemplate | str | None = field(default=None, kw_only=True)
    description: str | None = field(default=None, kw_only=True)
    deprecated: str = field(default="", kw_only=True)

    task_type: ClassVar[str] = "python-task"
    task_type_version: ClassVar[int] = 0

    def __post_init__(self) -> None:
        where = self._describe()
        if not self.name or not isinstance(self.name, str):
            raise TaskDefinitionError(f"a task needs a non-empty name, got {self.name!r}")
        if not isinstance(self.retries, int) or isinstance(self.retries, bool) or self.retries < 0:
            raise TaskDefinitionError(f"{where}: retries must be an int >= 0, got {self.retries!r}")
        if self.resources is not None and not isinstance(self.resources, Resources):
            raise TaskDefinitionError(
                f"{where}: resources must be flyte.Resources, got {type(self.resources).__name__}"
            )
        if self.interruptible is not None and not isinstance(self.interruptible, bool):
            raise TaskDefinitionError(
                f"{where}: interruptible must be True, False or None, got {self.interruptible!r}"
            )
        if not isinstance(self.pod_template, (PodTemplate, str, type(None))):
            raise TaskDefinitionError(
                f"{where}: pod_template must be flyte.PodTemplate or the name of a cluster's "
                f"PodTemplate, got {self.pod_template!r}"
            )
        try:
            self.cache = as_cache(self.cache, where)
            self.secrets = tuple(as_secret(s, where) for s in self.secrets)
        except ValueError as exc:
            raise TaskDefinitionError(str(exc)) from None
        self.timeout = _timeout(self.timeout, where)
        self.env_vars = _env_vars(self.env_vars, where)
        unknown = [n for n in self.cache.ignored_inputs if n not in self.interface.inputs]
        if unknown:
            raise TaskDefinitionError(
                f"{where}: the cache ignores {', '.join(map(repr, unknown))}, which the task "
                f"does not take (its inputs: {', '.join(self.interface.inputs) or 'none'})"
            )
        #: The module the task is defined in; the runtime imports it to load the task.
        self.module = _caller_module(self)
        self._typed_interface = typed_interface(self.interface, where, self.docs)
        self.validate()

    @property
    def typed_interface(self) -> interface_pb2.TypedInterface:
        """The flyteidl interface, with the docstring's descriptions, computed when defined."""
        return self._typed_interface

    @property
    def docs(self) -> Docstring:
        """The task's descriptions: ``description`` and, for a function task, its docstring's."""
        return Docstring(short=self.description)

    def validate(self) -> None:
        """Refuse a task this class cannot serve by raising ``TaskDefinitionError`` (a plugin hook)."""

    def cache_version(self) -> str:
        """The cache version: the one ``cache`` gives, else a hash of the task's definition."""
        cache = as_cache(self.cache, self._describe())
        if cache.version_override:
            return cache.version_override
        digest = hashlib.sha256(self._typed_interface.SerializeToString(deterministic=True))
        digest.update(f"{self.task_type}:{self.task_type_version}:{self._source()}".encode())
        return digest.hexdigest()[:16]

    def _source(self) -> str:
        return self.name

    def _describe(self) -> str:
        return f"task '{self.name}'"

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        """The task's ``custom`` struct for the backend plugin; empty by default."""
        return {}

    def config(self, sctx: SerializationContext) -> dict[str, str]:
        """The task template's ``config`` map; empty by default."""
        return {}

    def container_args(self, sctx: SerializationContext) -> list[str]:
        """The container's command line: the runtime entry point, where the task lives, the paths."""
        from flyte._serialize._location import runtime_args

        return runtime_args(self, sctx)

    def sql(self, sctx: SerializationContext) -> tasks_pb2.Sql | None:
        """A SQL target instead of a container; None (a container) by default."""
        return None

    async def pre(self, **inputs: Any) -> dict[str, Any]:
        """Runs before ``execute`` with its inputs; returns the inputs ``execute`` gets.

        A plugin hook (unchanged inputs by default), run wherever the task runs: locally, in
        its container, through its connector.
        """
        return inputs

    async def execute(self, **inputs: Any) -> Any:
        """Run the task on Python inputs; return None, the single output or a tuple of outputs."""
        raise NotImplementedError(
            f"{type(self).__qualname__} (task type '{self.task_type}') does not implement execute"
        )

    async def post(self, result: Any) -> Any:
        """Runs after ``execute`` succeeded with what it returned; returns the task's outputs.

        A plugin hook (the result unchanged by default), run wherever ``pre`` runs.
        """
        return result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Inside a workflow's body, a node running this task, and promises of its outputs.

        A task is called with keyword arguments there; outside a workflow, run it with
        ``flyte.run``.
        """
        return add_node(
            self,
            args,
            kwargs,
            described=self._describe(),
            run_as="flyte.run(task, ...)",
            error=TaskDefinitionError,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, task_type={self.task_type!r})"


@dataclass(eq=False, repr=False)
class AsyncFunctionTaskTemplate(TaskTemplate):
    """A task whose body is a Python function, sync or async; its interface comes from the hints.

    ``AsyncFunctionTaskTemplate(func=f)``: the name defaults to the function's, the
    descriptions of the task, its inputs and its outputs to what the docstring says
    (``:param x:`` or Google ``Args:``).
    """

    func: Callable[..., Any] = field(default=None, kw_only=True)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.func is None and callable(self.name):
            raise TaskDefinitionError(
                f"pass the function by keyword: {type(self).__name__}(func={self.name.__name__})"
            )
        if not callable(self.func) or isinstance(self.func, TaskTemplate):
            raise TaskDefinitionError(f"a function task needs a function, got {self.func!r}")
        self.interface = extract_interface(self.func)
        self.name = self.name or self.func.__name__
        super().__post_init__()
        self.module = self.func.__module__

    @property
    def docs(self) -> Docstring:
        """The function's docstring, its first line replaced by ``description`` when given."""
        parsed = parse_docstring(self.func.__doc__)
        if self.description:
            return Docstring(self.description, parsed.long, parsed.params, parsed.returns)
        return parsed

    def _describe(self) -> str:
        return f"task '{self.name}' (function {describe_function(self.func)})"

    def _source(self) -> str:
        try:
            return inspect.getsource(self.func)
        except (OSError, TypeError):
            return describe_function(self.func)

    async def execute(self, **inputs: Any) -> Any:
        """Call the function with ``inputs``, awaiting it when it is a coroutine function."""
        result = self.func(**inputs)
        if inspect.isawaitable(result):
            result = await result
        return result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Inside a workflow's body, a node running this task; elsewhere, the function itself."""
        if current_builder() is not None:
            return super().__call__(*args, **kwargs)
        return self.func(*args, **kwargs)


def _timeout(value: datetime.timedelta | float | None, where: str) -> datetime.timedelta | None:
    if value is None or isinstance(value, datetime.timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return datetime.timedelta(seconds=value)
    raise TaskDefinitionError(
        f"{where}: timeout must be a timedelta or a number of seconds > 0, got {value!r}"
    )


def _env_vars(value: Mapping[str, str], where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise TaskDefinitionError(f"{where}: env_vars must map str to str, got {value!r:.80}")
    return dict(value)


def _caller_module(task: TaskTemplate) -> str:
    """The module of the code that constructed ``task``, past the ``__init__`` chain of its classes."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_locals.get("self") is task:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return type(task).__module__
    return str(frame.f_globals.get("__name__", type(task).__module__))
