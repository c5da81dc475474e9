"""The type system: how Python values become flyteidl literals and back.

Built in: bool, int, float, str, bytes, datetime, date, timedelta, None, ``list[T]``, ``dict``,
``Optional``/``Union``/``X | Y``, ``Enum``, ``typing.Literal``, dataclasses, pydantic models,
tuples and NamedTuples, and ``Pickled[T]`` for anything else you trust. Literals match
flytekit's, so they cross between the two SDKs.

Extend it with a :class:`TypeTransformer` for your own type::

    from flyte.types import TypeEngine, TypeTransformer

    TypeEngine.register(PositiveIntTransformer())

or declare the transformer under the ``flyte.transformers`` entry points of your distribution.
"""

from flyte.errors import TypeTransformerFailedError
from flyte.types._builtins import register_builtins as _register_builtins
from flyte.types._engine import TypeEngine
from flyte.types._pickle import Pickled
from flyte.types._transformer import SyncTypeTransformer, TypeTransformer

_register_builtins()

__all__ = [
    "Pickled",
    "SyncTypeTransformer",
    "TypeEngine",
    "TypeTransformer",
    "TypeTransformerFailedError",
]
