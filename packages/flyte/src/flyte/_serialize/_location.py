"""Where a task lives (module and attribute), and the container args that load it from there."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from flyte._runtime._command import EntrypointCommand

if TYPE_CHECKING:
    from flyte.models import SerializationContext

__all__ = ["Locatable", "module_name_for_file", "runtime_args", "task_location"]


class Locatable(Protocol):
    """What locating a task needs of it: its name and the module that defines it."""

    name: str
    module: str


def runtime_args(
    task: Locatable,
    sctx: SerializationContext,
    *,
    map_bound_inputs: tuple[str, ...] | None = None,
) -> list[str]:
    """The container args: the entry point, the backend's path placeholders, the task's location.

    ``map_bound_inputs`` (the inputs passed as they are) makes them run one item of a map.
    """
    module, attribute = task_location(task, sctx.root_dir)
    bundle = sctx.code_bundle
    return EntrypointCommand(
        inputs=sctx.input_path,
        output_prefix=sctx.output_path,
        raw_output_data_prefix=sctx.raw_output_path,
        module=module,
        task=attribute,
        code_bundle=bundle.location if bundle is not None else "",
        dest=bundle.destination if bundle is not None else ".",
        map=map_bound_inputs is not None,
        bound_inputs=map_bound_inputs or (),
    ).args()


def task_location(task: Locatable, root_dir: str = ".") -> tuple[str, str]:
    """The importable module of ``task`` and the attribute of that module that holds it.

    A task defined in a script run as ``__main__`` is named by the script's path under
    ``root_dir``, as the container imports it from the code bundle.
    """
    module = sys.modules.get(task.module)
    name = task.module
    if name == "__main__" and module is not None and getattr(module, "__file__", None):
        name = _module_name(str(module.__file__), root_dir)
    return name, _attribute(task, module)


def _attribute(task: Locatable, module: object) -> str:
    func = getattr(task, "func", None)
    guess = getattr(func, "__name__", None)
    namespace: dict[str, object] = vars(module) if module is not None else {}
    if isinstance(guess, str) and namespace.get(guess) is task:
        return guess
    for key, value in namespace.items():
        if value is task:
            return key
    return guess if isinstance(guess, str) else task.name


@functools.lru_cache(maxsize=256)
def _module_name(path: str, root_dir: str) -> str:
    return module_name_for_file(Path(path), Path(root_dir))


def module_name_for_file(path: Path, root_dir: Path) -> str:
    """The dotted module name of the Python file ``path`` relative to ``root_dir``."""
    path, root = path.resolve(), root_dir.resolve()
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    parts = list(relative.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)
