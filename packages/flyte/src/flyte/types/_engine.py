"""The TypeEngine: the registry of type transformers and the entry to every conversion.

Every Python value that enters or leaves a task goes through here, one interface at a time
(:meth:`TypeEngine.to_literal_map`, :meth:`TypeEngine.literal_map_to_python`). A type whose
transformers all derive from :class:`SyncTypeTransformer` converts in one synchronous pass, even
inside the async API; only a transformer of a plugin that is truly async is awaited, value by
value, never through a task per element.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from flyteidl.core import interface_pb2, literals_pb2, types_pb2

from flyte import _discovery
from flyte._registry import Registry
from flyte.errors import FlyteError, TypeTransformerFailedError
from flyte.io._threads import run_in_loop
from flyte.types._errors import describe_type
from flyte.types._keys import candidates, never_unpickled, normalize
from flyte.types._transformer import SyncTypeTransformer, TypeTransformer

__all__ = ["TypeEngine", "add_miss_hint", "add_shape_reader"]

R = TypeVar("R")


class _TransformerRegistry(Registry[Any, TypeTransformer[Any]]):
    """Transformers keyed by Python type; a miss walks :func:`candidates`, then loads plugins.

    Lookups, literal types and the sync check are cached per Python type; any change of the
    registry (a registration, a plugin that failed and was taken back) clears the caches.
    """

    group = _discovery.TRANSFORMERS
    expected = "a TypeTransformer instance or subclass"

    def __init__(self) -> None:
        self.found: dict[Any, TypeTransformer[Any]] = {}
        self.literal_types: dict[Any, types_pb2.LiteralType] = {}
        self.sync: dict[Any, bool] = {}
        super().__init__()

    def coerce(self, obj: object) -> TypeTransformer[Any] | None:
        """A transformer, or an instance of a transformer class (whose constructor takes nothing)."""
        if isinstance(obj, type) and issubclass(obj, TypeTransformer):
            obj = obj()  # type: ignore[call-arg]  # a plugin's subclass takes no arguments
        return obj if isinstance(obj, TypeTransformer) else None

    def key_of(self, value: TypeTransformer[Any]) -> Any:
        """The transformer's own Python type."""
        return normalize(value.python_type)

    def validate(self, value: TypeTransformer[Any]) -> None:
        """Only transformers."""
        if not isinstance(value, TypeTransformer):
            raise TypeError(f"TypeEngine.register takes a TypeTransformer, got {value!r}")

    def describe_key(self, key: Any) -> str:
        """``the type list[int]``."""
        return f"the type {describe_type(key)}"

    def get(self, key: Any) -> TypeTransformer[Any] | None:
        """The transformer for ``key``, cached per Python type."""
        try:
            return self.found[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable annotation, such as Literal[[1]]
            return super().get(key)
        value = super().get(key)
        if value is not None:
            self.found[key] = value
        return value

    def _candidates(self, key: Any) -> Iterator[Any]:
        return candidates(key)

    def _changed(self) -> None:
        self.found.clear()
        self.literal_types.clear()
        self.sync.clear()


_transformers = _TransformerRegistry()

#: What names a transformer by a literal type's shape when no tag does. The built-in transformers
#: add theirs when ``flyte.types`` registers them, so the engine depends on none of them.
ShapeReader = Callable[[types_pb2.LiteralType], "TypeTransformer[Any] | None"]
_shape_readers: list[ShapeReader] = []


#: What adds a way out to the error for a type no transformer claims (the plugin that would).
_miss_hints: list[Callable[[Any], str]] = []


def add_miss_hint(hint: Callable[[Any], str]) -> None:
    """Let ``hint`` add to the error for a Python type that no transformer claims."""
    if hint not in _miss_hints:
        _miss_hints.append(hint)


def add_shape_reader(reader: ShapeReader) -> None:
    """Let ``reader`` name the transformer of literal types that carry no known tag."""
    if reader not in _shape_readers:
        _shape_readers.append(reader)


class TypeEngine:
    """Finds the transformer for a Python type and converts values through it."""

    @classmethod
    def register(cls, transformer: TypeTransformer[Any], *, override: bool = False) -> None:
        """Register ``transformer`` for its Python type.

        Raises :class:`flyte.errors.RegistrationError`, naming both transformers, when user code
        already registered another transformer for that type and ``override`` is false.
        """
        cls.register_additional_type(transformer, transformer.python_type, override=override)

    @classmethod
    def register_additional_type(
        cls, transformer: TypeTransformer[Any], additional_type: Any, *, override: bool = False
    ) -> None:
        """Register ``transformer`` for ``additional_type`` as well as for its own type."""
        _transformers.add(normalize(additional_type), transformer, override=override)

    @classmethod
    def get_transformer(cls, python_type: Any) -> TypeTransformer[Any]:
        """The transformer for ``python_type``, loading ``flyte.transformers`` plugins on a miss.

        Raises :class:`TypeTransformerFailedError` naming the type and the ways out when no
        transformer claims it. Nothing is ever pickled silently: unpickling runs code.
        """
        python_type = normalize(python_type)
        found = _transformers.get(python_type)
        if found is None:
            name = describe_type(python_type)
            raise TypeTransformerFailedError(
                f"no transformer for the type {name}: install a plugin that declares one under "
                f"the '{_discovery.TRANSFORMERS}' entry points, register one with TypeEngine.register, or annotate "
                f"the value as flyte.types.Pickled[{name}] to pickle it (only for trusted data: "
                f"unpickling runs code)" + "".join(hint(python_type) for hint in _miss_hints)
            )
        return found

    @classmethod
    def to_literal_type(cls, python_type: Any) -> types_pb2.LiteralType:
        """The flyteidl ``LiteralType`` of ``python_type`` (a fresh message the caller may change)."""
        copy = types_pb2.LiteralType()
        with _not_too_deep(python_type):
            copy.CopyFrom(cls._literal_type(python_type))
        return copy

    @classmethod
    async def to_literal(
        cls, value: Any, python_type: Any, literal_type: types_pb2.LiteralType | None = None
    ) -> literals_pb2.Literal:
        """Convert ``value`` of ``python_type`` to a ``Literal`` (of ``literal_type`` if given)."""
        python_type = normalize(python_type)
        with _not_too_deep(python_type):
            transformer = cls.get_transformer(python_type)
            expected = literal_type if literal_type is not None else cls._literal_type(python_type)
            sync = cls.sync_transformer(python_type)
        with _converting(transformer, python_type, "to a literal"):
            if sync is not None:
                return sync.to_literal_sync(value, python_type, expected)
            return await transformer.to_literal(value, python_type, expected)

    @classmethod
    async def to_python_value(cls, literal: literals_pb2.Literal, python_type: Any) -> Any:
        """Convert ``literal`` to a Python value of ``python_type``."""
        python_type = normalize(python_type)
        with _not_too_deep(python_type):
            transformer = cls.get_transformer(python_type)
            sync = cls.sync_transformer(python_type)
        with _converting(transformer, python_type, "from a literal"):
            if sync is not None:
                return sync.to_python_value_sync(literal, python_type)
            return await transformer.to_python_value(literal, python_type)

    @classmethod
    def to_literal_sync(
        cls, value: Any, python_type: Any, literal_type: types_pb2.LiteralType | None = None
    ) -> literals_pb2.Literal:
        """:meth:`to_literal` for code that is not a coroutine."""
        return cls._run([python_type], cls.to_literal(value, python_type, literal_type))

    @classmethod
    def to_python_value_sync(cls, literal: literals_pb2.Literal, python_type: Any) -> Any:
        """:meth:`to_python_value` for code that is not a coroutine."""
        return cls._run([python_type], cls.to_python_value(literal, python_type))

    @classmethod
    def guess_python_type(cls, literal_type: types_pb2.LiteralType) -> Any:
        """The Python type a ``LiteralType`` stands for.

        The structure tag decides first, so that a plugin's type comes back as itself and not
        as its base (an INTEGER tagged ``PositiveInt`` is a ``PositiveInt``); otherwise the
        literal type's shape. Raises :class:`TypeTransformerFailedError` when neither knows it.

        A guessed type never unpickles: a literal type, and so the literals read with it, may
        come from anyone (the connector service guesses the interface a request carries). A
        ``Pickled`` guess reads each literal as its bytes; only a ``Pickled[T]`` the user wrote
        unpickles.
        """
        tag = literal_type.structure.tag
        transformer = cls._transformer_named(tag) if tag else None
        readers = iter(_shape_readers)
        while transformer is None and (reader := next(readers, None)) is not None:
            transformer = reader(literal_type)
        if transformer is None:
            raise TypeTransformerFailedError(
                f"cannot guess a Python type for the literal type "
                f"{_one_line(literal_type)}: no transformer claims "
                f"{f'the tag {tag!r}' if tag else 'its shape'}; install the plugin that "
                f"defines it or pass the Python type explicitly"
            )
        with _guessing(transformer):
            guessed = transformer.guess_python_type(literal_type)
        # Checked here, for every transformer's guess, so that a container guessing its
        # elements through this method can never hold a type that unpickles either.
        return never_unpickled(guessed)

    @classmethod
    async def to_literal_map(
        cls, values: Mapping[str, Any], python_types: Mapping[str, Any]
    ) -> literals_pb2.LiteralMap:
        """Convert a whole interface's values, by name, to a ``LiteralMap``.

        Raises :class:`TypeTransformerFailedError` naming the variable that failed, that is
        missing, or that the interface does not declare.
        """
        _check_names(values, python_types)
        literal_map = literals_pb2.LiteralMap()
        for name, python_type in python_types.items():
            with _variable(name, python_type):
                literal = await cls.to_literal(values[name], python_type)
                literal_map.literals[name].CopyFrom(literal)
        return literal_map

    @classmethod
    async def literal_map_to_python(
        cls, literal_map: literals_pb2.LiteralMap, python_types: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Convert a ``LiteralMap`` to Python values by name; a missing name is an error."""
        literals = literal_map.literals
        missing = [name for name in python_types if name not in literals]
        if missing:
            raise TypeTransformerFailedError(
                f"the literal map has no value for {_names(missing)}; it holds "
                f"{_names(sorted(literals)) or 'nothing'}"
            )
        values: dict[str, Any] = {}
        for name, python_type in python_types.items():
            with _variable(name, python_type):
                values[name] = await cls.to_python_value(literals[name], python_type)
        return values

    @classmethod
    def to_literal_map_sync(
        cls, values: Mapping[str, Any], python_types: Mapping[str, Any]
    ) -> literals_pb2.LiteralMap:
        """:meth:`to_literal_map` for code that is not a coroutine."""
        return cls._run(python_types.values(), cls.to_literal_map(values, python_types))

    @classmethod
    def literal_map_to_python_sync(
        cls, literal_map: literals_pb2.LiteralMap, python_types: Mapping[str, Any]
    ) -> dict[str, Any]:
        """:meth:`literal_map_to_python` for code that is not a coroutine."""
        return cls._run(python_types.values(), cls.literal_map_to_python(literal_map, python_types))

    @classmethod
    def to_variable_map(
        cls, python_types: Mapping[str, Any], descriptions: Mapping[str, str] | None = None
    ) -> interface_pb2.VariableMap:
        """The ``VariableMap`` of an interface: each name's literal type and description."""
        variables = interface_pb2.VariableMap()
        for name, python_type in python_types.items():
            with _variable(name, python_type):
                variable = variables.variables[name]
                variable.type.CopyFrom(cls._literal_type(python_type))
                variable.description = (descriptions or {}).get(name, "")
        return variables

    @classmethod
    def sync_transformer(cls, python_type: Any) -> SyncTypeTransformer[Any] | None:
        """The transformer of ``python_type`` when it and every type inside convert synchronously."""
        transformer = cls.get_transformer(python_type)
        if isinstance(transformer, SyncTypeTransformer) and cls._is_sync(python_type):
            return transformer
        return None

    @classmethod
    def _literal_type(cls, python_type: Any) -> types_pb2.LiteralType:
        python_type = normalize(python_type)
        try:
            return _transformers.literal_types[python_type]
        except (KeyError, TypeError):
            pass
        transformer = cls.get_transformer(python_type)
        with _converting(transformer, python_type, "to a literal type"):
            literal_type = transformer.get_literal_type(python_type)
        _cache(_transformers.literal_types, python_type, literal_type)
        return literal_type

    @classmethod
    def _is_sync(cls, python_type: Any) -> bool:
        try:
            return _transformers.sync[python_type]
        except (KeyError, TypeError):
            pass
        transformer = cls.get_transformer(python_type)
        sync = isinstance(transformer, SyncTypeTransformer) and all(
            cls._is_sync(normalize(inner)) for inner in transformer.inner_types(python_type)
        )
        _cache(_transformers.sync, python_type, sync)
        return sync

    @classmethod
    def _run(cls, python_types: Iterable[Any], coro: Coroutine[Any, Any, R]) -> R:
        """Run ``coro`` from synchronous code; without an event loop when no type needs one."""
        try:
            sync = True
            for python_type in python_types:
                with _not_too_deep(python_type):
                    sync = sync and cls.sync_transformer(python_type) is not None
        except BaseException:
            coro.close()
            raise
        if sync:
            # Every transformer involved converts synchronously, so the coroutine finishes
            # on its first step: no event loop is started for it.
            try:
                coro.send(None)
            except StopIteration as done:
                result: R = done.value
                return result
            coro.close()
            raise RuntimeError("a synchronous conversion suspended")
        return run_in_loop(coro)

    @classmethod
    def _transformer_named(cls, name: str) -> TypeTransformer[Any] | None:
        def find() -> TypeTransformer[Any] | None:
            return next((t for t in _transformers.registered().values() if t.name == name), None)

        found = find()
        if found is None and _discovery.load_group(_discovery.TRANSFORMERS):
            found = find()
        return found


def _cache(cache: dict[Any, R], key: Any, value: R) -> None:
    # An unhashable annotation is converted, just not cached.
    with contextlib.suppress(TypeError):
        cache[key] = value


@contextmanager
def _converting(transformer: TypeTransformer[Any], python_type: Any, what: str) -> Iterator[None]:
    """Turn what a transformer raises into the one error type callers catch."""
    try:
        yield
    except FlyteError:
        raise
    except RecursionError as exc:
        raise TypeTransformerFailedError(
            f"cannot convert {describe_type(python_type)} {what}: the value is nested too deeply"
        ) from exc
    except Exception as exc:
        # A plugin's own exception (a ValueError from its type's constructor, say) becomes an
        # error that names the transformer, so the user knows whose code refused the value.
        raise TypeTransformerFailedError(
            f"transformer {transformer.name!r} ({type(transformer).__module__}) failed to "
            f"convert {describe_type(python_type)} {what}: {type(exc).__name__}: {exc}"
        ) from exc


@contextmanager
def _guessing(transformer: TypeTransformer[Any]) -> Iterator[None]:
    """Turn what a transformer's guess raises into the one error type callers catch.

    A literal type may come from anyone (a request to the connector service): whatever it
    holds, guessing from it answers with :class:`TypeTransformerFailedError`.
    """
    try:
        yield
    except FlyteError:
        raise
    except Exception as exc:
        raise TypeTransformerFailedError(
            f"transformer {transformer.name!r} ({type(transformer).__module__}) failed to guess "
            f"a Python type from its literal type: {type(exc).__name__}: {exc}"
        ) from exc


@contextmanager
def _not_too_deep(python_type: Any) -> Iterator[None]:
    try:
        yield
    except RecursionError as exc:
        raise TypeTransformerFailedError(
            f"the type {describe_type(python_type)} is nested too deeply"
        ) from exc


@contextmanager
def _variable(name: str, python_type: Any) -> Iterator[None]:
    try:
        yield
    except TypeTransformerFailedError as exc:
        raise TypeTransformerFailedError(
            f"variable {name!r} of type {describe_type(python_type)}: {exc}"
        ) from exc


def _check_names(values: Mapping[str, Any], python_types: Mapping[str, Any]) -> None:
    missing = [name for name in python_types if name not in values]
    if missing:
        raise TypeTransformerFailedError(f"no value given for {_names(missing)}")
    unexpected = [name for name in values if name not in python_types]
    if unexpected:
        raise TypeTransformerFailedError(
            f"unexpected {_names(unexpected)}: the interface declares "
            f"{_names(list(python_types)) or 'no variables'}"
        )


def _names(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _one_line(message: Any) -> str:
    from google.protobuf import text_format

    return "{" + str(text_format.MessageToString(message, as_one_line=True)) + "}"
