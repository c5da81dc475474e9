"""Property tests: value to literal to value is the identity, for every built-in type and nests."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import itertools
from typing import Any, Literal, Optional, Union, get_args, get_origin

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte.types import TypeEngine

UTC = datetime.timezone.utc


class Fruit(enum.Enum):
    APPLE = "apple"
    PEAR = "pear"


LEAVES: dict[Any, st.SearchStrategy[Any]] = {
    int: st.integers(min_value=-(2**63), max_value=2**63 - 1),
    float: st.floats(allow_nan=False),
    str: st.text(),
    bool: st.booleans(),
    bytes: st.binary(),
    type(None): st.none(),
    datetime.datetime: st.datetimes(timezones=st.just(UTC)),
    datetime.date: st.dates(),
    # Inside msgpack a duration is float seconds (flytekit's format): exact to the microsecond
    # within about 285 years, which bounds the generated values.
    datetime.timedelta: st.timedeltas(
        min_value=datetime.timedelta(days=-36_500), max_value=datetime.timedelta(days=36_500)
    ),
    Fruit: st.sampled_from(Fruit),
    Literal["x", "y"]: st.sampled_from(["x", "y"]),
}

# Inside msgpack a union's members must differ on the wire to come back as themselves (a str
# and a str-valued Enum do not, there or in flytekit); these pairs do.
DISTINCT_UNIONS = [
    Union[int, str],  # noqa: UP007 - the typing form is what is tested
    Union[int, float],  # noqa: UP007
    Union[bool, int],  # noqa: UP007
    Union[bytes, str],  # noqa: UP007
    Union[Fruit, int],  # noqa: UP007
    Union[datetime.datetime, float],  # noqa: UP007
    Union[list[int], str],  # noqa: UP007
    Union[dict[str, int], int],  # noqa: UP007
]

_names = (f"Generated{i}" for i in itertools.count())


def _dataclass_of(field_types: list[Any]) -> type:
    fields = [(f"f{i}", t) for i, t in enumerate(field_types)]
    return dataclasses.make_dataclass(next(_names), fields)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        inner.map(lambda t: list[t]),
        inner.map(lambda t: dict[str, t]),
        inner.map(lambda t: Optional[t]),  # noqa: UP045 - the typing form is what is tested
        st.sampled_from(DISTINCT_UNIONS),
        st.lists(inner, min_size=1, max_size=4).map(_dataclass_of),
        st.tuples(inner, inner).map(lambda ts: tuple[ts]),
    )


python_types = st.recursive(st.sampled_from(list(LEAVES)), _containers, max_leaves=6)


def values_of(t: Any) -> st.SearchStrategy[Any]:
    """A strategy for values of the Python type ``t``."""
    if t in LEAVES:
        return LEAVES[t]
    origin, args = get_origin(t), get_args(t)
    if origin is list:
        return st.lists(values_of(args[0]), max_size=4)
    if origin is dict:
        return st.dictionaries(st.text(max_size=5), values_of(args[1]), max_size=4)
    if origin is Union:
        return st.one_of([values_of(a) for a in args])
    if origin is tuple:
        return st.tuples(*(values_of(a) for a in args))
    assert dataclasses.is_dataclass(t)
    fields = {f.name: values_of(f.type) for f in dataclasses.fields(t)}
    return st.builds(t, **fields)


@st.composite
def typed_values(draw: st.DrawFn) -> tuple[Any, Any]:
    python_type = draw(python_types)
    return python_type, draw(values_of(python_type))


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 and 1.0 are not the same value)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return bool(a == b)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_values())
def test_value_to_literal_and_back_is_the_identity(typed: tuple[Any, Any]) -> None:
    python_type, value = typed
    literal = TypeEngine.to_literal_sync(value, python_type)
    back = TypeEngine.to_python_value_sync(literal, python_type)
    assert _same(back, value), (python_type, value, back)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_values())
def test_a_literal_survives_the_wire(typed: tuple[Any, Any]) -> None:
    python_type, value = typed
    literal = TypeEngine.to_literal_sync(value, python_type)
    wire = type(literal).FromString(literal.SerializeToString())
    assert _same(TypeEngine.to_python_value_sync(wire, python_type), value)


@settings(max_examples=100, deadline=None)
@given(python_types)
def test_the_literal_type_is_stable_and_guessable(python_type: Any) -> None:
    literal_type = TypeEngine.to_literal_type(python_type)
    assert TypeEngine.to_literal_type(python_type) == literal_type
    guessed = TypeEngine.guess_python_type(literal_type)
    assert guessed is not None
