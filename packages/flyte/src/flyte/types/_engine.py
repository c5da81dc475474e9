"""The TypeEngine: the registry of type transformers and the entry to every conversion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flyte import _discovery
from flyte._registry import Registry
from flyte.errors import TypeTransformerFailedError
from flyte.types._transformer import TypeTransformer

__all__ = ["TypeEngine"]


class _TransformerRegistry(Registry[type, TypeTransformer[Any]]):
    """Transformers keyed by Python type; a subclass finds its nearest registered base."""

    def _candidates(self, key: type) -> Iterator[type]:
        yield from getattr(key, "__mro__", (key,))


def _describe_type(t: type) -> str:
    return f"the type {getattr(t, '__qualname__', t)}"


_transformers = _TransformerRegistry(
    "flyte.transformers", describe=_describe_type, describe_value=repr
)


class TypeEngine:
    """Finds the transformer for a Python type and converts values through it."""

    @classmethod
    def register(cls, transformer: TypeTransformer[Any], *, override: bool = False) -> None:
        """Register ``transformer`` for its Python type; a duplicate is refused with an error."""
        if not isinstance(transformer, TypeTransformer):
            raise TypeError(f"TypeEngine.register takes a TypeTransformer, got {transformer!r}")
        _transformers.register(transformer.python_type, transformer, override=override)

    @classmethod
    def get_transformer(cls, python_type: type) -> TypeTransformer[Any]:
        """The transformer for ``python_type``, loading ``flyte.transformers`` plugins on a miss."""
        found = _transformers.get(python_type)
        if found is None:
            raise TypeTransformerFailedError(
                f"no transformer for {_describe_type(python_type)}: install a plugin that "
                f"declares one under the 'flyte.transformers' entry points, or register one "
                f"with TypeEngine.register"
            )
        return found


def _adopt(obj: object) -> bool:
    if isinstance(obj, type) and issubclass(obj, TypeTransformer):
        obj = obj()
    if isinstance(obj, TypeTransformer):
        TypeEngine.register(obj)
        return True
    return False


_discovery.define_group(
    _discovery.GroupKind("flyte.transformers", "a TypeTransformer instance or subclass", _adopt)
)
