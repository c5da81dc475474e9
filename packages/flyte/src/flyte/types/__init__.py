"""The type system: how Python values become flyteidl literals and back.

Extend it with a :class:`TypeTransformer` for your own type::

    from flyte.types import TypeEngine, TypeTransformer

    TypeEngine.register(PositiveIntTransformer())

or declare the transformer under the ``flyte.transformers`` entry points of your distribution.
"""

from flyte.errors import TypeTransformerFailedError
from flyte.types._engine import TypeEngine
from flyte.types._transformer import TypeTransformer

__all__ = ["TypeEngine", "TypeTransformer", "TypeTransformerFailedError"]
