"""``Pickled[T]``: the explicit, opt-in way to carry a value no transformer knows.

    from flyte.types import Pickled

    @env.task
    def fit(model: Pickled[Model]) -> Pickled[Model]: ...

The value travels as pickle bytes in a ``Binary`` literal tagged ``pickle``. Unpickling runs
code chosen by whoever wrote the literal, so it is never done for a type the user did not
mark: only trusted literals should reach a ``Pickled`` input. A pickle type guessed from a
literal type (as the connector service guesses a template's interface, which arrives over the
wire) is not one the user marked: it reads each literal as its bytes, never unpickled, and
still pickles the values written with it. flytekit carries pickles as files in blob storage
instead, so these literals do not cross to flytekit.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, get_args

from flyteidl.core import literals_pb2, types_pb2

from flyte.errors import TypeTransformerFailedError
from flyte.types._errors import describe_type
from flyte.types._keys import NEVER_UNPICKLED, PICKLED
from flyte.types._primitives import wrong_shape
from flyte.types._transformer import SyncTypeTransformer

__all__ = ["PickleTransformer", "Pickled"]

TAG = "pickle"


class Pickled:
    """``Pickled[T]`` annotates ``T`` to be carried as pickle bytes (trusted data only)."""

    def __class_getitem__(cls, t: Any) -> Any:
        return Annotated[t, PICKLED]


class PickleTransformer(SyncTypeTransformer[Any]):
    """Values of ``Pickled[T]`` as pickle bytes in a Binary literal tagged ``pickle``."""

    def __init__(self) -> None:
        super().__init__("FlytePickle", object)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """BINARY tagged ``pickle``, the Python type's name in ``metadata``."""
        literal_type = types_pb2.LiteralType(
            simple=types_pb2.SimpleType.BINARY, structure=types_pb2.TypeStructure(tag=self.name)
        )
        literal_type.metadata.update({"python_class_name": describe_type(get_args(t)[0])})
        return literal_type

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """A pickle of any object whose literals are read as bytes, never unpickled.

        The literal type comes from whoever wrote it, and so would the bytes its literals hold.
        """
        return Annotated[object, PICKLED, NEVER_UNPICKLED]

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[literals_pb2.Literal],
    ) -> None:
        """Pickle each value into a Binary literal tagged ``pickle``."""
        for value, literal in zip(values, targets, strict=False):
            try:
                data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                raise TypeTransformerFailedError(
                    f"cannot pickle {type(value).__name__}: {type(exc).__name__}: {exc}"
                ) from None
            binary = literal.scalar.binary
            binary.value = data
            binary.tag = TAG

    def python_values(
        self, literals: Iterable[literals_pb2.Literal], python_type: Any
    ) -> list[Any]:
        """Unpickle each Binary literal tagged ``pickle``; only its bytes for a guessed type."""
        unpickle = NEVER_UNPICKLED not in get_args(python_type)[1:]
        out: list[Any] = []
        for literal in literals:
            binary = literal.scalar.binary
            if binary.tag != TAG:
                raise wrong_shape(literal, "pickle bytes")
            if not unpickle:
                out.append(binary.value)
                continue
            try:
                out.append(pickle.loads(binary.value))
            except Exception as exc:
                raise TypeTransformerFailedError(
                    f"cannot unpickle the literal: {type(exc).__name__}: {exc}"
                ) from None
        return out
