"""Literals cross between the SDKs: for the same type and value, flytekit and flyte-core agree.

For every case: the LiteralType is the one flytekit 1.16 builds, the Literal is byte for byte
the one flytekit writes, flyte-core reads flytekit's literal back to the value, and flytekit
reads flyte-core's. Runs in the `interop` nox session, where flytekit 1.16.31 is installed beside
the project wheels.
"""

# ruff: noqa: UP007, UP045 - the typing forms users write are what these tests convert

from __future__ import annotations

import dataclasses
import datetime
import enum
import math
from typing import TYPE_CHECKING, Any, Literal, Optional, Union, get_args, get_origin

import pytest

if TYPE_CHECKING:
    from conftest import Kit

flytekit = pytest.importorskip("flytekit")

from flytekit.core.context_manager import FlyteContextManager  # noqa: E402
from flytekit.core.type_engine import TypeEngine as KitEngine  # noqa: E402
from flytekit.models.literals import LiteralMap as KitLiteralMap  # noqa: E402
from flytekit.models.types import LiteralType as KitLiteralType  # noqa: E402

from flyte.types import TypeEngine  # noqa: E402

UTC = datetime.timezone.utc
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclasses.dataclass
class Point:
    x: int
    y: float = 0.0


@dataclasses.dataclass
class Polygon:
    name: str
    corners: list[Point]
    labels: dict[str, Point]
    center: Optional[Point] = None
    created: datetime.date = datetime.date(2020, 1, 1)
    at: Optional[datetime.datetime] = None
    ttl: datetime.timedelta = datetime.timedelta(seconds=5)
    raw: bytes = b""
    span: tuple[int, str] = (0, "")
    color: Color = Color.RED
    kind: Literal["open", "closed"] = "open"
    weights: list[float] = dataclasses.field(default_factory=list)
    maybe: Optional[list[Optional[int]]] = None
    either: Union[int, str] = 0
    loose: dict = dataclasses.field(default_factory=dict)


POLYGON = Polygon(
    name="tri\x00ängle",
    corners=[Point(0), Point(INT64_MAX, -0.0), Point(INT64_MIN, float("inf"))],
    labels={"a": Point(1, 1.5), "": Point(2)},
    center=Point(-1, -2.5),
    created=datetime.date(1901, 12, 13),
    at=datetime.datetime(1960, 6, 1, 12, 30, 15, 250, tzinfo=UTC),
    ttl=datetime.timedelta(days=-2, seconds=3, microseconds=5),
    raw=b"\x00\xff",
    span=(7, "seven"),
    color=Color.GREEN,
    kind="closed",
    weights=[0.5, -1.25],
    maybe=[1, None, 3],
    either="text",
    loose={"k": [1, "two", None, {"nested": True}]},
)

CASES: list[tuple[Any, Any]] = [
    (int, 0),
    (int, INT64_MAX),
    (int, INT64_MIN),
    (float, 0.0),
    (float, -0.0),
    (float, float("inf")),
    (float, float("-inf")),
    (float, float("nan")),
    (float, 1e-310),
    (str, ""),
    (str, "unicode ✓ 漢字 \U0001f680 and a NUL \x00 inside"),
    (bool, True),
    (bool, False),
    (type(None), None),
    (datetime.datetime, datetime.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)),
    (datetime.datetime, datetime.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC)),
    (datetime.datetime, datetime.datetime(1, 1, 1, tzinfo=UTC)),
    (datetime.date, datetime.date(1900, 1, 1)),
    (datetime.timedelta, datetime.timedelta(0)),
    (datetime.timedelta, datetime.timedelta(microseconds=-1)),
    (datetime.timedelta, datetime.timedelta(days=-400, seconds=1)),
    (list[int], []),
    (list[int], [INT64_MIN, 0, INT64_MAX]),
    (list[list[str]], [[], ["a"], ["b", "\x00"]]),
    (dict[str, float], {}),
    (dict[str, float], {"a": 1.5, "": -0.0, "ü": float("inf")}),
    (dict[str, list[int]], {"x": [], "y": [1, 2]}),
    (dict, {}),
    (dict, {"a": [1, 2.5, "s", None, True], "b": {"c": {"d": []}}}),
    (dict[int, str], {1: "one", -2: "minus two"}),
    (Optional[int], None),
    (Optional[int], 5),
    (Optional[Optional[str]], "x"),
    (Union[int, str], "s"),
    (Union[int, str, None], None),
    (int | list[int], [1, 2]),
    (list[Optional[int]], [1, None]),
    (dict[str, Optional[list[int]]], {"a": None, "b": [1]}),
    (Optional[list[Optional[Point]]], [Point(1), None]),
    (Color, Color.RED),
    (Literal["a", "b"], "b"),
    (Literal[1, 2], 2),
    (Point, Point(3, 4.5)),
    (list[Point], [Point(1), Point(2, -0.0)]),
    (dict[str, Point], {"p": Point(5)}),
    (Optional[Point], Point(6)),
    (Optional[Point], None),
    (Polygon, POLYGON),
    (Polygon, Polygon("empty", [], {})),
]


def _case_id(case: Any) -> str:
    return repr(case)[:50]


def _ctx() -> Any:
    return FlyteContextManager.current_context()


def same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to itself and -0.0 told apart from 0.0."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    return type(a) is type(b) and a == b


def wire(message: Any) -> bytes:
    return message.SerializeToString(deterministic=True)


@pytest.mark.parametrize(("python_type", "value"), CASES, ids=_case_id)
def test_the_literal_type_is_flytekits(python_type: Any, value: Any, kit: Kit) -> None:
    assert TypeEngine.to_literal_type(python_type) == kit.literal_type(python_type)


@pytest.mark.parametrize(("python_type", "value"), CASES, ids=_case_id)
def test_the_literal_is_flytekits_byte_for_byte(python_type: Any, value: Any, kit: Kit) -> None:
    ours = TypeEngine.to_literal_sync(value, python_type)
    assert wire(ours) == wire(kit.to_literal(value, python_type))


@pytest.mark.parametrize(("python_type", "value"), CASES, ids=_case_id)
def test_flyte_reads_flytekits_literal(python_type: Any, value: Any, kit: Kit) -> None:
    back = TypeEngine.to_python_value_sync(kit.to_literal(value, python_type), python_type)
    assert same(back, value)


@pytest.mark.parametrize(("python_type", "value"), CASES, ids=_case_id)
def test_flytekit_reads_flytes_literal(python_type: Any, value: Any, kit: Kit) -> None:
    back = kit.to_python(TypeEngine.to_literal_sync(value, python_type), python_type)
    assert same(back, value)


def test_a_naive_datetime_means_utc_in_both(kit: Kit) -> None:
    naive = datetime.datetime(1950, 5, 5, 5, 5, 5)
    ours = TypeEngine.to_literal_sync(naive, datetime.datetime)
    assert wire(ours) == wire(kit.to_literal(naive, datetime.datetime))
    expected = naive.replace(tzinfo=UTC)
    assert TypeEngine.to_python_value_sync(ours, datetime.datetime) == expected
    assert kit.to_python(ours, datetime.datetime) == expected


def test_interface_literal_maps_cross_both_ways() -> None:
    types = {"n": int, "names": list[str], "where": Optional[Point], "when": datetime.datetime}
    values = {
        "n": 3,
        "names": ["a", "b"],
        "where": Point(1, 2.0),
        "when": datetime.datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC),
    }
    ours = TypeEngine.to_literal_map_sync(values, types)
    theirs = KitEngine.dict_to_literal_map(_ctx(), values, types).to_flyte_idl()
    assert wire(ours) == wire(theirs)
    kit_map = KitLiteralMap.from_flyte_idl(ours)
    assert KitEngine.literal_map_to_kwargs(_ctx(), kit_map, types) == values
    assert TypeEngine.literal_map_to_python_sync(theirs, types) == values


def test_variable_maps_match_flytekits_interface() -> None:
    from flytekit.core.interface import Interface, transform_interface_to_typed_interface

    inputs = {"x": int, "points": list[Point], "color": Optional[Color]}
    typed = transform_interface_to_typed_interface(Interface(inputs=inputs, outputs={}))
    # flytekit describes a variable by its name when the docstring does not.
    ours = TypeEngine.to_variable_map(inputs, {name: name for name in inputs})
    assert set(ours.variables) == set(typed.inputs)
    for name, variable in typed.inputs.items():
        assert ours.variables[name] == variable.to_flyte_idl()


@pytest.mark.parametrize(
    "python_type",
    [int, float, str, bool, datetime.timedelta, list[int], dict[str, float], Optional[int]],
    ids=repr,
)
def test_both_guess_the_same_type_back(python_type: Any, kit: Kit) -> None:
    literal_type = kit.literal_type(python_type)
    ours = TypeEngine.guess_python_type(literal_type)
    theirs = KitEngine.guess_python_type(KitLiteralType.from_flyte_idl(literal_type))
    # flytekit spells containers the old way (typing.List[int]); the types are the same.
    assert ours == theirs or (get_origin(ours), get_args(ours)) == (
        get_origin(theirs),
        get_args(theirs),
    )


def test_a_dataclass_guessed_from_flytekits_schema_reads_flytekits_literal(kit: Kit) -> None:
    guessed = TypeEngine.guess_python_type(kit.literal_type(Polygon))
    value = TypeEngine.to_python_value_sync(kit.to_literal(POLYGON, Polygon), guessed)
    assert value.name == POLYGON.name
    assert [c.x for c in value.corners] == [c.x for c in POLYGON.corners]
    assert value.created == POLYGON.created
    assert value.at == POLYGON.at
    assert value.span == POLYGON.span


def test_pydantic_models_cross_both_ways(kit: Kit) -> None:
    pydantic = pytest.importorskip("pydantic")
    import flytekit.extras.pydantic_transformer  # noqa: F401 - registers flytekit's transformer

    class Order(pydantic.BaseModel):
        item: str
        count: int = 1
        tags: list[str] = []
        color: Color = Color.RED

    order = Order(item="pen", count=3, tags=["a"], color=Color.GREEN)
    assert TypeEngine.to_literal_type(Order) == kit.literal_type(Order)
    ours = TypeEngine.to_literal_sync(order, Order)
    assert wire(ours) == wire(kit.to_literal(order, Order))
    assert kit.to_python(ours, Order) == order
    assert TypeEngine.to_python_value_sync(kit.to_literal(order, Order), Order) == order


def test_a_positive_int_is_an_integer_flytekit_reads(kit: Kit) -> None:
    from flyteplugins.positive_int import PositiveInt

    literal = TypeEngine.to_literal_sync(PositiveInt(9), PositiveInt)
    assert kit.to_python(literal, int) == 9
    assert TypeEngine.to_python_value_sync(kit.to_literal(9, int), PositiveInt) == PositiveInt(9)
