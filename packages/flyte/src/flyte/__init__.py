"""flyte: a thin, extensible Python SDK for Flyte.

    import flyte

    env = flyte.TaskEnvironment(name="hello")

    @env.task
    def greet(name: str) -> str:
        return f"hello {name}"

    print(flyte.run(greet, name="world"))

Importing flyte imports no plugin and reads no entry point: attributes resolve on first use.
"""

from __future__ import annotations

import importlib

__all__: list[str] = []

#: Public attribute -> the module that defines it, imported on first access.
_LAZY: dict[str, str] = {
    "Resources": "flyte._tasks._resources",
    "TaskEnvironment": "flyte._tasks._environment",
    "run": "flyte._runtime._local",
    "run_async": "flyte._runtime._local",
    "serialize": "flyte._serialize._package",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flyte' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
