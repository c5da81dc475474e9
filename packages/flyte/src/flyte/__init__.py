"""flyte: a thin, extensible Python SDK for Flyte.

    import flyte

    env = flyte.TaskEnvironment(name="hello")

    @env.task
    def greet(name: str) -> str:
        return f"hello {name}"

    print(flyte.run(greet, name="world"))

Importing flyte imports no plugin and reads no entry point: attributes resolve on first use.
``flyte.__version__`` is the installed flyte-core's version, read from its metadata.
"""

from __future__ import annotations

from flyte._lazy import lazy_attributes as _lazy_attributes

# typing costs `import flyte` milliseconds; the checker alone needs what follows.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from flyte._context import ctx
    from flyte._runtime._local import run, run_async
    from flyte._serialize._package import serialize
    from flyte._serialize._task import serialize_task
    from flyte._tasks._environment import TaskEnvironment
    from flyte._tasks._options import Cache, PodTemplate, Secret
    from flyte._tasks._resources import GPU, Resources
    from flyte._version import __version__ as __version__
    from flyte._workflows._map import map
    from flyte._workflows._workflow import workflow

__all__ = [
    "GPU",
    "Cache",
    "PodTemplate",
    "Resources",
    "Secret",
    "TaskEnvironment",
    "ctx",
    "map",
    "run",
    "run_async",
    "serialize",
    "serialize_task",
    "workflow",
]

#: Public attribute -> the module that defines it, imported on first access.
_LAZY: dict[str, str] = {
    "Cache": "flyte._tasks._options",
    "GPU": "flyte._tasks._resources",
    "PodTemplate": "flyte._tasks._options",
    "Resources": "flyte._tasks._resources",
    "Secret": "flyte._tasks._options",
    "TaskEnvironment": "flyte._tasks._environment",
    "__version__": "flyte._version",
    "ctx": "flyte._context",
    "map": "flyte._workflows._map",
    "run": "flyte._runtime._local",
    "run_async": "flyte._runtime._local",
    "serialize": "flyte._serialize._package",
    "serialize_task": "flyte._serialize._task",
    "workflow": "flyte._workflows._workflow",
}


__getattr__, __dir__ = _lazy_attributes(__name__, _LAZY)
