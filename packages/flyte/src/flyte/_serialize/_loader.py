"""Loading the tasks of a Python file or module, by path or dotted name."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from flyte._serialize._location import module_name_for_file
from flyte._tasks._template import TaskTemplate
from flyte._workflows._workflow import WorkflowTemplate
from flyte.errors import TaskDefinitionError

__all__ = ["find_entities", "find_tasks", "load_module", "root_of"]


def load_module(file_or_module: str, root_dir: str | None = None) -> ModuleType:
    """Import a ``.py`` file (named by its path under ``root_dir``) or a dotted module name.

    ``root_dir`` (default: the file's folder, or the working directory for a module name) is
    put first on ``sys.path``, as the container does with the unpacked code bundle.
    """
    path = Path(file_or_module)
    is_file = _is_file(file_or_module)
    root = Path(root_dir) if root_dir else root_of(file_or_module)
    if is_file:
        if not path.is_file():
            raise TaskDefinitionError(f"no such Python file: {file_or_module}")
        name = module_name_for_file(path, root)
        _refuse_shadowing(name, path, root)
    root_str = str(root.resolve())
    if root_str not in sys.path:
        sys.path.insert(0, root_str)
    if not is_file:
        return importlib.import_module(file_or_module)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path.resolve())
    if spec is None or spec.loader is None:
        raise TaskDefinitionError(f"cannot import {file_or_module} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _refuse_shadowing(name: str, path: Path, root: Path) -> None:
    """Refuse a file whose module name is another module's: the container would import that one.

    Checked before the file's folder goes on ``sys.path``, so that what is found is what the
    name means without it.
    """
    top = name.partition(".")[0]
    other = None
    if top in sys.stdlib_module_names:
        other = "the standard library's"
    else:
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        if (
            origin
            and origin != "built-in"
            and not Path(origin).resolve().is_relative_to(root.resolve())
        ):
            other = f"already the one at {origin}"
    if other is not None:
        raise TaskDefinitionError(
            f"{path} would be imported as the module {name!r}, but {top!r} is {other}; rename "
            f"the file (a task's container imports it by module name, and would get the other)"
        )


def root_of(file_or_module: str) -> Path:
    """The folder a file or module is imported from by default: the file's, or the working one."""
    return Path(file_or_module).resolve().parent if _is_file(file_or_module) else Path.cwd()


def _is_file(file_or_module: str) -> bool:
    return file_or_module.endswith(".py") or Path(file_or_module).is_file()


def find_tasks(module: ModuleType) -> dict[str, TaskTemplate]:
    """The tasks a module defines, by attribute name, in definition order (imported ones left out)."""
    return {k: v for k, v in find_entities(module).items() if isinstance(v, TaskTemplate)}


def find_entities(module: ModuleType) -> dict[str, TaskTemplate | WorkflowTemplate]:
    """The tasks and workflows a module defines, by attribute name, in definition order."""
    found: dict[str, TaskTemplate | WorkflowTemplate] = {}
    for attribute, value in vars(module).items():
        if (isinstance(value, TaskTemplate) and value.module == module.__name__) or (
            isinstance(value, WorkflowTemplate) and value.func.__module__ == module.__name__
        ):
            found[attribute] = value
    return found
