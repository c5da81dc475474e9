"""The TypeEngine: registration, lookup, discovery, interfaces, the sync API and its errors."""

from __future__ import annotations

import asyncio
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import literals_pb2, types_pb2

from flyte.errors import RegistrationError, TypeTransformerFailedError
from flyte.types import Pickled, TypeEngine, TypeTransformer

PLUGIN_MODULE = """
    from flyteidl.core import literals_pb2, types_pb2
    from flyte.types import TypeTransformer

    class Celsius:
        def __init__(self, degrees):
            self.degrees = degrees

    class CelsiusTransformer(TypeTransformer):
        def __init__(self):
            super().__init__(name="Celsius", t=Celsius)

        def get_literal_type(self, t):
            return types_pb2.LiteralType(
                simple=types_pb2.SimpleType.FLOAT, structure=types_pb2.TypeStructure(tag="Celsius")
            )

        async def to_literal(self, python_val, python_type, expected):
            return literals_pb2.Literal(
                scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(float_value=python_val.degrees))
            )

        async def to_python_value(self, lv, expected_python_type):
            return Celsius(lv.scalar.primitive.float_value)
"""


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and other.cents == self.cents


class MoneyTransformer(TypeTransformer[Money]):
    """An async-only transformer, as a plugin author writes one."""

    def __init__(self) -> None:
        super().__init__(name="Money", t=Money)

    def get_literal_type(self, t: type[Money]) -> types_pb2.LiteralType:
        return types_pb2.LiteralType(
            simple=types_pb2.SimpleType.INTEGER, structure=types_pb2.TypeStructure(tag="Money")
        )

    async def to_literal(
        self, python_val: Money, python_type: type[Money], expected: types_pb2.LiteralType
    ) -> literals_pb2.Literal:
        await asyncio.sleep(0)
        if python_val.cents < 0:
            raise ValueError("negative money")
        return literals_pb2.Literal(
            scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=python_val.cents))
        )

    async def to_python_value(
        self, lv: literals_pb2.Literal, expected_python_type: type[Money]
    ) -> Money:
        await asyncio.sleep(0)
        return Money(lv.scalar.primitive.integer)


class OtherMoneyTransformer(MoneyTransformer):
    pass


def test_register_refuses_a_second_transformer_naming_both() -> None:
    TypeEngine.register(MoneyTransformer())
    with pytest.raises(RegistrationError, match=r"MoneyTransformer.*OtherMoneyTransformer"):
        TypeEngine.register(OtherMoneyTransformer())


def test_register_with_override_replaces_the_transformer() -> None:
    TypeEngine.register(MoneyTransformer())
    replacement = OtherMoneyTransformer()
    TypeEngine.register(replacement, override=True)
    assert TypeEngine.get_transformer(Money) is replacement


def test_register_additional_type_serves_a_second_type() -> None:
    class Euros(Money):
        pass

    transformer = MoneyTransformer()
    TypeEngine.register_additional_type(transformer, Euros)
    assert TypeEngine.get_transformer(Euros) is transformer


def test_a_builtin_type_cannot_be_registered_twice_by_accident() -> None:
    class MyInt(TypeTransformer[int]):
        def __init__(self) -> None:
            super().__init__("myint", int)

    with pytest.raises(RegistrationError, match="IntTransformer"):
        TypeEngine.register(MyInt())


def test_unknown_type_error_names_the_type_and_the_ways_out() -> None:
    class Opaque:
        pass

    with pytest.raises(TypeTransformerFailedError) as caught:
        TypeEngine.to_literal_type(Opaque)
    message = str(caught.value)
    assert "Opaque" in message
    assert "flyte.transformers" in message
    assert "Pickled[" in message


def test_a_subclass_of_a_scalar_is_not_silently_converted_as_its_base() -> None:
    class Meters(float):
        pass

    with pytest.raises(TypeTransformerFailedError, match="Meters"):
        TypeEngine.get_transformer(Meters)


def test_an_unknown_type_loads_the_transformers_entry_points(make_dist) -> None:
    make_dist(
        "acme-celsius",
        entry_points={"flyte.transformers": {"celsius": "acme_celsius:CelsiusTransformer"}},
        modules={"acme_celsius": PLUGIN_MODULE},
    )
    import acme_celsius

    transformer = TypeEngine.get_transformer(acme_celsius.Celsius)
    assert transformer.name == "Celsius"
    literal = TypeEngine.to_literal_sync(acme_celsius.Celsius(21.5), acme_celsius.Celsius)
    assert literal.scalar.primitive.float_value == 21.5


def test_a_tag_no_transformer_claims_loads_the_entry_points(make_dist) -> None:
    make_dist(
        "acme-celsius",
        entry_points={"flyte.transformers": {"celsius": "acme_celsius:CelsiusTransformer"}},
        modules={"acme_celsius": PLUGIN_MODULE},
    )
    literal_type = types_pb2.LiteralType(
        simple=types_pb2.SimpleType.FLOAT, structure=types_pb2.TypeStructure(tag="Celsius")
    )
    guessed = TypeEngine.guess_python_type(literal_type)
    assert guessed.__name__ == "Celsius"


def test_guess_without_a_transformer_for_the_shape_is_a_clear_error() -> None:
    # flytekit's old FlyteSchema: no transformer reads it.
    literal_type = types_pb2.LiteralType(schema=types_pb2.SchemaType())
    with pytest.raises(TypeTransformerFailedError, match="cannot guess a Python type"):
        TypeEngine.guess_python_type(literal_type)


async def test_an_async_transformer_is_awaited_inside_a_list() -> None:
    TypeEngine.register(MoneyTransformer())
    literal = await TypeEngine.to_literal([Money(1), Money(2)], list[Money])
    assert [lit.scalar.primitive.integer for lit in literal.collection.literals] == [1, 2]
    assert await TypeEngine.to_python_value(literal, list[Money]) == [Money(1), Money(2)]


def test_the_sync_api_runs_an_async_transformer_outside_a_loop() -> None:
    TypeEngine.register(MoneyTransformer())
    literal = TypeEngine.to_literal_sync({"a": Money(5)}, dict[str, Money])
    assert TypeEngine.to_python_value_sync(literal, dict[str, Money]) == {"a": Money(5)}


async def test_the_sync_api_works_inside_a_running_loop() -> None:
    TypeEngine.register(MoneyTransformer())
    literal = TypeEngine.to_literal_sync(Money(7), Money)
    assert TypeEngine.to_python_value_sync(literal, Money) == Money(7)
    assert TypeEngine.to_python_value_sync(TypeEngine.to_literal_sync(3, int), int) == 3


def test_a_plugins_own_exception_names_the_transformer() -> None:
    TypeEngine.register(MoneyTransformer())
    with pytest.raises(TypeTransformerFailedError, match=r"'Money'.*ValueError: negative money"):
        TypeEngine.to_literal_sync(Money(-1), Money)


async def test_to_literal_map_and_back_by_name() -> None:
    types = {"n": int, "names": list[str], "ratio": float | None}
    values = {"n": 3, "names": ["a", "b"], "ratio": None}
    literal_map = await TypeEngine.to_literal_map(values, types)
    assert set(literal_map.literals) == {"n", "names", "ratio"}
    assert await TypeEngine.literal_map_to_python(literal_map, types) == values


def test_the_sync_interface_conversion_round_trips() -> None:
    types = {"x": int, "y": str}
    literal_map = TypeEngine.to_literal_map_sync({"x": 1, "y": "z"}, types)
    assert TypeEngine.literal_map_to_python_sync(literal_map, types) == {"x": 1, "y": "z"}


def test_a_wrong_value_names_the_variable_the_types_and_the_value() -> None:
    with pytest.raises(TypeTransformerFailedError) as caught:
        TypeEngine.to_literal_map_sync({"count": "three"}, {"count": int})
    message = str(caught.value)
    assert "'count'" in message
    assert "int" in message
    assert "str" in message
    assert "'three'" in message


def test_a_long_value_is_shortened_in_the_error() -> None:
    with pytest.raises(TypeTransformerFailedError) as caught:
        TypeEngine.to_literal_map_sync({"x": "a" * 10_000}, {"x": int})
    assert len(str(caught.value)) < 300


def test_a_missing_value_is_an_error_naming_it() -> None:
    with pytest.raises(TypeTransformerFailedError, match="'b'"):
        TypeEngine.to_literal_map_sync({"a": 1}, {"a": int, "b": int})


def test_an_undeclared_value_is_an_error_naming_it() -> None:
    with pytest.raises(TypeTransformerFailedError, match="unexpected 'c'"):
        TypeEngine.to_literal_map_sync({"a": 1, "c": 2}, {"a": int})


def test_a_literal_map_without_a_name_is_an_error_naming_it() -> None:
    literal_map = TypeEngine.to_literal_map_sync({"a": 1}, {"a": int})
    with pytest.raises(TypeTransformerFailedError, match="no value for 'b'"):
        TypeEngine.literal_map_to_python_sync(literal_map, {"a": int, "b": int})


def test_to_variable_map_carries_types_and_descriptions() -> None:
    variables = TypeEngine.to_variable_map({"x": int, "y": list[str]}, {"x": "the count"})
    assert variables.variables["x"].type.simple == types_pb2.SimpleType.INTEGER
    assert variables.variables["x"].description == "the count"
    assert variables.variables["y"].type.collection_type.simple == types_pb2.SimpleType.STRING


def test_to_literal_type_returns_a_copy_the_caller_may_change() -> None:
    TypeEngine.to_literal_type(int).simple = types_pb2.SimpleType.STRING
    assert TypeEngine.to_literal_type(int).simple == types_pb2.SimpleType.INTEGER


class Opaque:
    def __init__(self, x: int) -> None:
        self.x = x


def test_pickled_is_explicit_and_round_trips() -> None:
    literal = TypeEngine.to_literal_sync(Opaque(4), Pickled[Opaque])
    assert literal.scalar.binary.tag == "pickle"
    assert TypeEngine.to_python_value_sync(literal, Pickled[Opaque]).x == 4


def test_pydantic_is_not_imported_for_other_types() -> None:
    import subprocess

    code = (
        "import sys, dataclasses\n"
        "from flyte.types import TypeEngine\n"
        "@dataclasses.dataclass\nclass P:\n    x: int\n"
        "TypeEngine.to_literal_sync(P(1), P)\n"
        "TypeEngine.to_literal_sync({'a': [1]}, dict)\n"
        "assert 'pydantic' not in sys.modules, 'pydantic was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class TouchesMarker:
    """Unpickling this runs ``Path.touch`` on ``path``: what a hostile pickle would do."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


def _pickle_literal_type() -> types_pb2.LiteralType:
    """The literal type a Pickled input has on the wire: BINARY tagged FlytePickle."""
    return TypeEngine.to_literal_type(Pickled[TouchesMarker])


def _hostile_pickle(marker: Path) -> literals_pb2.Literal:
    literal = literals_pb2.Literal()
    literal.scalar.binary.value = pickle.dumps(TouchesMarker(marker))
    literal.scalar.binary.tag = "pickle"
    return literal


def test_a_pickle_type_guessed_from_a_literal_type_reads_the_bytes_and_never_unpickles(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "unpickled"
    literal = _hostile_pickle(marker)
    guessed = TypeEngine.guess_python_type(_pickle_literal_type())
    assert TypeEngine.to_python_value_sync(literal, guessed) == literal.scalar.binary.value
    assert not marker.exists()
    # Still a pickle on the wire: a value written with the guessed type is pickled, as before.
    written = TypeEngine.to_literal_type(guessed)
    assert (written.simple, written.structure.tag) == (types_pb2.SimpleType.BINARY, "FlytePickle")
    pickled = TypeEngine.to_literal_sync([1], guessed).scalar.binary.value
    assert pickle.loads(pickled) == [1]


@pytest.mark.parametrize(
    "container",
    [
        lambda t: types_pb2.LiteralType(collection_type=t),
        lambda t: types_pb2.LiteralType(map_value_type=t),
        lambda t: types_pb2.LiteralType(
            union_type=types_pb2.UnionType(variants=[types_pb2.LiteralType(simple=1), t])
        ),
    ],
    ids=["list", "dict", "union"],
)
def test_a_pickle_inside_a_guessed_container_is_never_unpickled(
    container: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "unpickled"
    guessed = TypeEngine.guess_python_type(container(_pickle_literal_type()))
    hostile = _hostile_pickle(marker)
    literal = literals_pb2.Literal()
    if guessed.__origin__ is list:
        literal.collection.literals.add().CopyFrom(hostile)
        expected: Any = [hostile.scalar.binary.value]
    elif guessed.__origin__ is dict:
        literal.map.literals["k"].CopyFrom(hostile)
        expected = {"k": hostile.scalar.binary.value}
    else:
        literal.scalar.union.value.CopyFrom(hostile)
        literal.scalar.union.type.CopyFrom(_pickle_literal_type())
        expected = hostile.scalar.binary.value
    assert TypeEngine.to_python_value_sync(literal, guessed) == expected
    assert not marker.exists()


def test_a_plugins_guess_that_would_unpickle_reads_the_bytes_instead(tmp_path: Path) -> None:
    class Model:
        pass

    class ModelTransformer(TypeTransformer[Model]):
        def __init__(self) -> None:
            super().__init__(name="Model", t=Model)

        def get_literal_type(self, t: type[Model]) -> types_pb2.LiteralType:
            literal_type = TypeEngine.to_literal_type(Pickled[Model])
            literal_type.structure.tag = "Model"
            return literal_type

        def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
            return Pickled[Model]

    TypeEngine.register(ModelTransformer())
    marker = tmp_path / "unpickled"
    guessed = TypeEngine.guess_python_type(TypeEngine.to_literal_type(Model))
    literal = _hostile_pickle(marker)
    assert TypeEngine.to_python_value_sync(literal, guessed) == literal.scalar.binary.value
    assert not marker.exists()


def test_an_explicit_pickled_type_still_unpickles(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    TypeEngine.to_python_value_sync(_hostile_pickle(marker), Pickled[TouchesMarker])
    assert marker.exists()


def test_a_guess_that_raises_is_a_type_error_naming_the_transformer() -> None:
    class Broken(TypeTransformer[Opaque]):
        def __init__(self) -> None:
            super().__init__(name="Broken", t=Opaque)

        def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
            raise KeyError("size")

    TypeEngine.register(Broken())
    tagged = types_pb2.LiteralType(simple=1, structure=types_pb2.TypeStructure(tag="Broken"))
    with pytest.raises(TypeTransformerFailedError, match=r"transformer 'Broken'.*KeyError: 'size'"):
        TypeEngine.guess_python_type(tagged)
