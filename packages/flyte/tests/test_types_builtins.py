"""The built-in types: the literals they make, the values they give back, and bad input."""
# ruff: noqa: UP007, UP045 - the typing forms users write are what these tests convert

from __future__ import annotations

import dataclasses
import datetime
import enum
import typing
from typing import Literal, NamedTuple, Optional, Union

import msgpack  # type: ignore[import-untyped]
import pytest
from flyteidl.core import literals_pb2, types_pb2

from flyte.errors import TypeTransformerFailedError
from flyte.types import TypeEngine

UTC = datetime.timezone.utc
SimpleType = types_pb2.SimpleType


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.Enum):
    LOW = 1


@dataclasses.dataclass
class Point:
    x: int
    y: float = 0.0


@dataclasses.dataclass
class Shape:
    name: str
    points: list[Point]
    tags: dict[str, int]
    origin: Optional[Point] = None
    created: datetime.date = datetime.date(2020, 1, 1)
    at: Optional[datetime.datetime] = None
    ttl: datetime.timedelta = datetime.timedelta(seconds=5)
    blob: bytes = b""
    pair: tuple[int, str] = (0, "")
    color: Color = Color.RED
    kind: Literal["a", "b"] = "a"
    extra: dict = dataclasses.field(default_factory=dict)


class Pair(NamedTuple):
    left: int
    right: str


ROUND_TRIPS = [
    (bool, True),
    (int, -(2**63)),
    (int, 2**63 - 1),
    (float, -0.0),
    (float, float("inf")),
    (str, "héllo\x00wörld"),
    (str, ""),
    (bytes, b"\x00\xff"),
    (type(None), None),
    (datetime.datetime, datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    (datetime.date, datetime.date(1900, 2, 28)),
    (datetime.timedelta, datetime.timedelta(days=-3, microseconds=7)),
    (list[int], []),
    (list[list[str]], [["a"], [], ["b", "c"]]),
    (dict[str, float], {}),
    (dict[str, list[int]], {"a": [1], "b": []}),
    (dict, {"a": [1, 2], "b": {"c": None}}),
    (dict[int, str], {1: "a", -2: "b"}),
    (Optional[int], None),
    (Optional[Optional[int]], 5),
    (Union[int, str], "x"),
    (int | list[int], [1]),
    (Color, Color.GREEN),
    (Literal["a", "b"], "b"),
    (Point, Point(1, 2.5)),
    (list[Point], [Point(1), Point(2, 3.0)]),
    (Optional[Point], Point(3)),
    (
        Shape,
        Shape(
            "s",
            [Point(1)],
            {"k": 1},
            Point(0),
            datetime.date(1999, 1, 2),
            datetime.datetime(2000, 1, 1, 12, tzinfo=UTC),
            datetime.timedelta(seconds=-1.5),
            b"\x01",
            (2, "two"),
            Color.GREEN,
            "b",
            {"x": [1]},
        ),
    ),
    (tuple[int, str], (1, "a")),
    (tuple[int, ...], (1, 2, 3)),
    (Pair, Pair(1, "r")),
]


@pytest.mark.parametrize(("python_type", "value"), ROUND_TRIPS, ids=lambda x: repr(x)[:40])
async def test_value_to_literal_and_back_is_the_same_value(python_type, value) -> None:
    literal = await TypeEngine.to_literal(value, python_type)
    back = await TypeEngine.to_python_value(literal, python_type)
    assert back == value
    assert type(back) is type(value)


@pytest.mark.parametrize(
    ("python_type", "simple"),
    [
        (int, SimpleType.INTEGER),
        (float, SimpleType.FLOAT),
        (str, SimpleType.STRING),
        (bool, SimpleType.BOOLEAN),
        (datetime.datetime, SimpleType.DATETIME),
        (datetime.date, SimpleType.DATETIME),
        (datetime.timedelta, SimpleType.DURATION),
        (type(None), SimpleType.NONE),
        (None, SimpleType.NONE),
        (dict, SimpleType.STRUCT),
        (dict[int, str], SimpleType.STRUCT),
    ],
)
def test_simple_literal_types(python_type, simple) -> None:
    assert TypeEngine.to_literal_type(python_type).simple == simple


def test_a_naive_datetime_is_taken_as_utc_and_comes_back_aware() -> None:
    literal = TypeEngine.to_literal_sync(datetime.datetime(1970, 1, 1, 0, 0, 1), datetime.datetime)
    assert literal.scalar.primitive.datetime.seconds == 1
    back = TypeEngine.to_python_value_sync(literal, datetime.datetime)
    assert back == datetime.datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_an_aware_datetime_keeps_its_instant() -> None:
    tz = datetime.timezone(datetime.timedelta(hours=5))
    value = datetime.datetime(2020, 1, 1, 5, tzinfo=tz)
    back = TypeEngine.to_python_value_sync(
        TypeEngine.to_literal_sync(value, datetime.datetime), datetime.datetime
    )
    assert back == value
    assert back.tzinfo == UTC


def test_a_date_is_midnight_utc() -> None:
    literal = TypeEngine.to_literal_sync(datetime.date(1970, 1, 2), datetime.date)
    assert literal.scalar.primitive.datetime.seconds == 86400


def test_nan_round_trips() -> None:
    back = TypeEngine.to_python_value_sync(TypeEngine.to_literal_sync(float("nan"), float), float)
    assert back != back


def test_union_variants_are_tagged_with_transformer_names() -> None:
    literal_type = TypeEngine.to_literal_type(Optional[Union[int, list[str], Point, Color]])
    tags = [v.structure.tag for v in literal_type.union_type.variants]
    assert tags == [
        "int",
        "Typed List",
        "Object-Dataclass-Transformer",
        "DefaultEnumTransformer",
        "none",
    ]
    literal = TypeEngine.to_literal_sync(None, Optional[int])
    assert literal.scalar.union.type.structure.tag == "none"
    assert literal.scalar.union.value.scalar.HasField("none_type")


def test_a_dataclass_is_msgpack_in_a_struct_with_its_schema() -> None:
    literal_type = TypeEngine.to_literal_type(Point)
    assert literal_type.simple == SimpleType.STRUCT
    assert dict(literal_type.annotation.annotations["cache-key-metadata"]) == {
        "serialization-format": "msgpack"
    }
    assert literal_type.metadata["title"] == "Point"
    assert list(literal_type.metadata["required"]) == ["x"]
    assert literal_type.structure.dataclass_type["x"].simple == SimpleType.INTEGER
    literal = TypeEngine.to_literal_sync(Point(1, 2.0), Point)
    assert literal.scalar.binary.tag == "msgpack"
    assert literal.scalar.binary.value == b"\x82\xa1x\x01\xa1y\xcb@\x00\x00\x00\x00\x00\x00\x00"


def test_typing_literal_carries_its_values_in_an_annotation() -> None:
    literal_type = TypeEngine.to_literal_type(Literal["a", "b"])
    assert literal_type.simple == SimpleType.STRING
    assert list(literal_type.annotation.annotations["literal_values"]) == ["a", "b"]


def test_an_enum_is_carried_by_value() -> None:
    assert list(TypeEngine.to_literal_type(Color).enum_type.values) == ["red", "green"]
    literal = TypeEngine.to_literal_sync(Color.RED, Color)
    assert literal.scalar.primitive.string_value == "red"


@pytest.mark.parametrize(
    ("python_type", "value"),
    [
        (int, True),
        (int, 1.0),
        (int, 2**63),
        (float, "1.0"),
        (bool, 1),
        (str, b"x"),
        (list[int], (i for i in range(2))),
        (list[int], [1, "2"]),
        (dict[str, int], {1: 1}),
        (Color, "red"),
        (Literal["a"], "b"),
        (Point, {"x": 1}),
        (Point, Point("1")),  # type: ignore[arg-type]
        (Optional[int], "x"),
        (datetime.date, datetime.datetime(2020, 1, 1)),
        (tuple[int, str], (1,)),
        (dict, {"a": {1, 2}}),
    ],
    ids=lambda x: repr(x)[:40],
)
def test_a_wrong_value_is_refused(python_type, value) -> None:
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.to_literal_sync(value, python_type)


def test_an_int_is_a_fine_float() -> None:
    literal = TypeEngine.to_literal_sync(3, float)
    assert literal.scalar.primitive.float_value == 3.0
    assert TypeEngine.to_python_value_sync(literal, float) == 3.0


def test_a_bad_dataclass_field_is_named_with_its_path() -> None:
    with pytest.raises(TypeTransformerFailedError, match=r"points\[\]\.x"):
        TypeEngine.to_literal_sync(Shape("s", [Point("bad")], {}), Shape)  # type: ignore[arg-type]


def test_a_dataclass_field_msgpack_cannot_carry_is_refused_at_the_type() -> None:
    @dataclasses.dataclass
    class Holder:
        lock: object

    with pytest.raises(TypeTransformerFailedError, match="lock"):
        TypeEngine.to_literal_type(Holder)


def test_an_enum_with_int_values_is_refused_with_the_way_out() -> None:
    with pytest.raises(TypeTransformerFailedError, match=r"typing\.Literal"):
        TypeEngine.to_literal_type(Level)


def _int_literal(value: int) -> literals_pb2.Literal:
    return TypeEngine.to_literal_sync(value, int)


@pytest.mark.parametrize(
    ("literal", "python_type"),
    [
        (_int_literal(1), list[int]),
        (_int_literal(1), dict[str, int]),
        (TypeEngine.to_literal_sync("x", str), int),
        (TypeEngine.to_literal_sync(0.0, float), int),
        (literals_pb2.Literal(), int),
        (literals_pb2.Literal(), str),
        (literals_pb2.Literal(), bool),
        (TypeEngine.to_literal_sync([1], list[int]), int),
        (TypeEngine.to_literal_sync("x", str), Point),
        (TypeEngine.to_literal_sync("blue", str), Color),
        (TypeEngine.to_literal_sync("c", str), Literal["a", "b"]),
        (TypeEngine.to_literal_sync(1, int), datetime.datetime),
    ],
    ids=lambda x: repr(x)[:30],
)
def test_a_literal_of_the_wrong_shape_is_an_error_not_a_default(literal, python_type) -> None:
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.to_python_value_sync(literal, python_type)


def test_corrupt_msgpack_is_an_error() -> None:
    literal = TypeEngine.to_literal_sync(Point(1), Point)
    literal.scalar.binary.value = b"\xc1\x00\xff"
    with pytest.raises(TypeTransformerFailedError, match="corrupt msgpack"):
        TypeEngine.to_python_value_sync(literal, Point)
    literal.scalar.binary.value = literal.scalar.binary.value[:1]
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.to_python_value_sync(literal, Point)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ([1, 2], "expected dict, got list [1, 2]"),
        (3, "expected dict, got int 3"),
        (None, "expected dict, got NoneType None"),
        (msgpack.ExtType(1, b"x"), "expected dict, got ExtType"),
        ({"a": msgpack.ExtType(1, b"x")}, "got the msgpack extension ExtType"),
        ({"a": [msgpack.Timestamp(1)]}, "got the msgpack extension Timestamp"),
    ],
    ids=lambda x: repr(x)[:30],
)
def test_an_untyped_dict_is_a_dict_of_plain_msgpack_data_both_ways(value, said) -> None:
    with pytest.raises(TypeTransformerFailedError, match=r"variable 'd' of type dict: ") as caught:
        TypeEngine.to_literal_map_sync({"d": value}, {"d": dict})
    assert said in str(caught.value)
    literal = literals_pb2.Literal()
    literal.scalar.binary.value = msgpack.packb(value)
    literal.scalar.binary.tag = "msgpack"
    inputs = literals_pb2.LiteralMap(literals={"d": literal})
    with pytest.raises(TypeTransformerFailedError, match=r"variable 'd' of type dict: ") as caught:
        TypeEngine.literal_map_to_python_sync(inputs, {"d": dict})
    assert said in str(caught.value)


def test_an_untyped_list_field_holds_a_list() -> None:
    @dataclasses.dataclass
    class Bag:
        items: list

    with pytest.raises(TypeTransformerFailedError, match=r"expected list, got dict .* at items"):
        TypeEngine.to_literal_sync(Bag({"a": 1}), Bag)  # type: ignore[arg-type]
    assert TypeEngine.to_python_value_sync(
        TypeEngine.to_literal_sync(Bag([1, "a"]), Bag), Bag
    ) == Bag([1, "a"])


def test_msgpack_of_the_wrong_structure_names_the_missing_field() -> None:
    literal = TypeEngine.to_literal_sync({"y": 1.0}, dict)
    with pytest.raises(TypeTransformerFailedError, match="'x'"):
        TypeEngine.to_python_value_sync(literal, Point)


def test_deep_nesting_is_a_clear_error() -> None:
    value: list = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(TypeTransformerFailedError):
        TypeEngine.to_literal_sync({"deep": value}, dict)


def test_deeply_nested_list_type_is_a_clear_error() -> None:
    python_type: typing.Any = int
    value: typing.Any = 1
    for _ in range(2000):
        python_type, value = list[python_type], [value]
    with pytest.raises(TypeTransformerFailedError, match="nested too deeply"):
        TypeEngine.to_literal_sync(value, python_type)


@pytest.mark.parametrize(
    "python_type",
    [
        int,
        float,
        str,
        bool,
        datetime.datetime,
        datetime.timedelta,
        type(None),
        bytes,
        list[int],
        dict[str, list[float]],
        Optional[int],
        Union[int, str, None],
        Literal["a", "b"],
        dict,
    ],
    ids=repr,
)
def test_guess_gives_back_the_type(python_type) -> None:
    assert TypeEngine.guess_python_type(TypeEngine.to_literal_type(python_type)) == python_type


def test_guess_rebuilds_a_dataclass_from_its_schema() -> None:
    guessed = TypeEngine.guess_python_type(TypeEngine.to_literal_type(Shape))
    assert dataclasses.is_dataclass(guessed)
    assert guessed.__name__ == "Shape"
    literal = TypeEngine.to_literal_sync(Shape("s", [Point(1)], {"a": 1}), Shape)
    value = TypeEngine.to_python_value_sync(literal, guessed)
    assert value.name == "s"
    assert value.points[0].x == 1
    assert value.tags == {"a": 1}
    assert value.created == datetime.date(2020, 1, 1)


def test_guess_rebuilds_an_enum_with_the_values() -> None:
    guessed = TypeEngine.guess_python_type(TypeEngine.to_literal_type(Color))
    assert [m.value for m in guessed] == ["red", "green"]


def test_pydantic_models_are_msgpack_structs() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Model(pydantic.BaseModel):
        name: str
        size: int = 1

    literal_type = TypeEngine.to_literal_type(Model)
    assert literal_type.simple == SimpleType.STRUCT
    assert literal_type.metadata["title"] == "Model"
    literal = TypeEngine.to_literal_sync(Model(name="m"), Model)
    assert literal.scalar.binary.tag == "msgpack"
    assert TypeEngine.to_python_value_sync(literal, Model) == Model(name="m")


@pytest.mark.parametrize("value", [0, 7, -3])
def test_an_int_literal_reads_as_a_float_as_flytekit_reads_it(value: int) -> None:
    assert TypeEngine.to_python_value_sync(_int_literal(value), float) == float(value)
    assert type(TypeEngine.to_python_value_sync(_int_literal(value), float)) is float


class _MyInt(int):
    """An int subclass with a transformer of its own, as a plugin would register it."""


def test_a_plain_literal_two_union_members_read_is_ambiguous_as_in_flytekit() -> None:
    from flyte.testing import isolated_registries
    from flyte.types import TypeTransformer

    class MyIntTransformer(TypeTransformer[_MyInt]):
        def __init__(self) -> None:
            super().__init__("MyInt", _MyInt)

        def get_literal_type(self, t: type[_MyInt]) -> types_pb2.LiteralType:
            return types_pb2.LiteralType(simple=SimpleType.INTEGER)

        async def to_literal(self, python_val, python_type, expected) -> literals_pb2.Literal:
            return _int_literal(int(python_val))

        async def to_python_value(self, lv, expected_python_type) -> _MyInt:
            return _MyInt(lv.scalar.primitive.integer)

    with isolated_registries():
        TypeEngine.register(MyIntTransformer())
        with pytest.raises(TypeTransformerFailedError, match=r"[Aa]mbiguous.*int.*MyInt"):
            TypeEngine.to_python_value_sync(_int_literal(5), Union[int, _MyInt])
        # A union literal names its variant: no ambiguity.
        literal = TypeEngine.to_literal_sync(5, Union[int, _MyInt])
        assert TypeEngine.to_python_value_sync(literal, Union[int, _MyInt]) == 5


def test_a_plain_literal_one_union_member_reads_is_that_member() -> None:
    assert TypeEngine.to_python_value_sync(_int_literal(5), Optional[int]) == 5
    text = TypeEngine.to_literal_sync("x", str)
    assert TypeEngine.to_python_value_sync(text, Union[int, str]) == "x"
