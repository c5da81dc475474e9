"""Interface extraction: a function's type hints become named inputs, defaults and outputs."""

from __future__ import annotations

import re
from typing import NamedTuple

import pytest

from flyte.extend import TaskDefinitionError
from flyte.models import NativeInterface


class Stats(NamedTuple):
    mean: float
    count: int


def test_inputs_keep_their_types_and_only_real_defaults() -> None:
    def f(x: int, name: str = "a", items: list[int] | None = None) -> None: ...

    interface = NativeInterface.from_function(f)
    assert interface.inputs == {"x": int, "name": str, "items": list[int] | None}
    assert interface.defaults == {"name": "a", "items": None}
    assert interface.outputs == {}


def test_outputs_are_named_as_flytekit_names_them() -> None:
    def one() -> int: ...
    def many() -> tuple[int, str]: ...
    def named() -> Stats: ...

    assert NativeInterface.from_function(one).outputs == {"o0": int}
    assert NativeInterface.from_function(many).outputs == {"o0": int, "o1": str}
    assert NativeInterface.from_function(named).outputs == {"mean": float, "count": int}


def test_outputs_round_trip_between_return_values_and_names() -> None:
    def many() -> tuple[int, str]: ...
    def named() -> Stats: ...

    interface = NativeInterface.from_function(many)
    assert interface.outputs_to_dict((1, "a")) == {"o0": 1, "o1": "a"}
    assert interface.outputs_from_dict({"o1": "a", "o0": 1}) == (1, "a")
    stats = NativeInterface.from_function(named).outputs_from_dict({"mean": 1.5, "count": 2})
    assert stats == Stats(1.5, 2)
    assert isinstance(stats, Stats)


def test_wrong_number_of_returned_values_names_the_outputs() -> None:
    def many() -> tuple[int, str]: ...

    with pytest.raises(TypeError, match="2 values for the outputs o0, o1"):
        NativeInterface.from_function(many).outputs_to_dict(1)


def test_missing_type_hint_names_function_and_parameter() -> None:
    def f(x, y: int) -> int: ...  # type: ignore[no-untyped-def]

    with pytest.raises(TaskDefinitionError, match=r"f: parameter 'x' has no type hint"):
        NativeInterface.from_function(f)


@pytest.mark.parametrize(
    ("source", "shown"),
    [("def f(*args: int) -> None: ...", "'*args'"), ("def f(**kw: int) -> None: ...", "'**kw'")],
)
def test_star_parameters_are_refused(source: str, shown: str) -> None:
    namespace: dict[str, object] = {}
    exec(source, namespace)
    with pytest.raises(TaskDefinitionError, match=re.escape(f"parameter {shown} is not supported")):
        NativeInterface.from_function(namespace["f"])  # type: ignore[arg-type]


def test_positional_only_parameter_is_refused() -> None:
    def f(x: int, /) -> None: ...

    with pytest.raises(TaskDefinitionError, match="'x' is positional-only"):
        NativeInterface.from_function(f)


def test_unresolvable_hint_names_the_function() -> None:
    def f(x: Missing) -> None: ...  # type: ignore[name-defined] # noqa: F821

    with pytest.raises(TaskDefinitionError, match=r"cannot resolve the type hints of .*f"):
        NativeInterface.from_function(f)


def test_variable_length_tuple_return_is_refused() -> None:
    def f() -> tuple[int, ...]: ...

    with pytest.raises(TaskDefinitionError, match="no fixed length"):
        NativeInterface.from_function(f)


def test_hints_naming_a_class_local_to_the_defining_function_resolve() -> None:
    class Local:
        pass

    def f(x: Local) -> Local: ...

    interface = NativeInterface.from_function(f)
    assert interface.inputs == {"x": Local}
    assert interface.outputs == {"o0": Local}
