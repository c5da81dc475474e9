"""Transformers of structured values carried as msgpack: dataclasses, tuples, pydantic models."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, get_origin

from flyteidl.core import types_pb2
from flyteidl.core.literals_pb2 import Literal

from flyte.errors import TypeTransformerFailedError
from flyte.types._codec import CodecError, decoder, encoder, is_named_tuple, type_hints
from flyte.types._msgpack import fill_msgpack, read_msgpack, struct_literal_type, struct_to_dict
from flyte.types._schema import json_schema, python_type_from_schema
from flyte.types._transformer import SyncTypeTransformer

__all__ = ["DataclassTransformer", "PydanticTransformer", "TupleTransformer"]


def _field_types(fields: dict[str, Any]) -> dict[str, types_pb2.LiteralType]:
    """Each field's literal type, leaving out fields no transformer claims (as flytekit does)."""
    from flyte.types._engine import TypeEngine

    out: dict[str, types_pb2.LiteralType] = {}
    for name, field_type in fields.items():
        if get_origin(field_type) is tuple or is_named_tuple(field_type):
            continue  # flytekit has no literal type for tuples and leaves them out
        if field_type is bytes:
            # flytekit types a bytes field as its pickle blob, though the msgpack holds bin;
            # the same field type keeps the dataclass's literal type equal to flytekit's.
            out[name] = _FLYTEKIT_BYTES_FIELD
            continue
        try:
            out[name] = TypeEngine.to_literal_type(field_type)
        except TypeTransformerFailedError:
            continue
    return out


_FLYTEKIT_BYTES_FIELD = types_pb2.LiteralType(
    blob=types_pb2.BlobType(format="PythonPickle", dimensionality=types_pb2.BlobType.SINGLE)
)
_FLYTEKIT_BYTES_FIELD.metadata.update({"python_class_name": "<class 'bytes'>"})


class _MsgpackTransformer(SyncTypeTransformer[Any]):
    """A transformer that writes values through the msgpack codec of their type."""

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Encode each value and write it as a msgpack binary literal."""
        try:
            fill_msgpack(values, targets, encoder(python_type))
        except CodecError as exc:
            raise TypeTransformerFailedError(f"{exc} (in a {self.name} value)") from None

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """Decode msgpack binary literals to values of ``python_type``."""
        return read_msgpack(literals, decoder(python_type))


class DataclassTransformer(_MsgpackTransformer):
    """Dataclasses as msgpack maps, with their JSON schema and per-field literal types."""

    def __init__(self) -> None:
        super().__init__("Object-Dataclass-Transformer", object)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """STRUCT in msgpack, the JSON schema in ``metadata``, fields in ``dataclass_type``."""
        encoder(t)  # a field msgpack cannot carry is an error now, not at the first value
        return struct_literal_type(json_schema(t), _field_types(type_hints(t)))

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """A dataclass rebuilt from the JSON schema in the literal type's metadata."""
        schema = struct_to_dict(literal_type.metadata)
        if "properties" not in schema:
            raise TypeTransformerFailedError("a dataclass literal type without a JSON schema")
        return python_type_from_schema(schema)


class TupleTransformer(_MsgpackTransformer):
    """Tuples and NamedTuples as msgpack arrays (flytekit refuses them as values)."""

    def __init__(self) -> None:
        super().__init__("Tuple", tuple)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """STRUCT in msgpack with the tuple's JSON schema (an array of ``prefixItems``)."""
        if t is tuple:
            raise TypeTransformerFailedError(
                "a bare tuple has no item types: write tuple[int, str] or tuple[int, ...]"
            )
        encoder(t)
        return struct_literal_type(json_schema(t))

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """The tuple type described by the literal type's JSON schema."""
        return python_type_from_schema(struct_to_dict(literal_type.metadata))


class PydanticTransformer(SyncTypeTransformer[Any]):
    """Pydantic models as msgpack maps of their JSON form, as flytekit writes them.

    pydantic is never imported here: the model class the user passes brings it.
    """

    def __init__(self) -> None:
        super().__init__("Pydantic Transformer", object)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """STRUCT in msgpack, the model's JSON schema in ``metadata``."""
        fields = {name: info.annotation for name, info in t.model_fields.items()}
        return struct_literal_type(t.model_json_schema(), _field_types(fields))

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each model's JSON form as msgpack."""

        def encode(value: Any) -> Any:
            if not isinstance(value, python_type):
                from flyte.types._errors import mismatch

                raise mismatch(python_type, value)
            return json.loads(value.model_dump_json())

        fill_msgpack(values, targets, encode)

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """Validate each msgpack map into the model."""

        def decode(data: Any) -> Any:
            return python_type.model_validate_json(json.dumps(data), strict=False)

        return read_msgpack(literals, decode)
