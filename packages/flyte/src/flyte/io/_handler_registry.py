"""The registry of dataframe encoders and decoders, keyed by (kind, Python type, protocol, format).

A miss loads the ``flyte.transformers`` plugins once, as a type with no transformer does; a type
no installed handler takes gets an error that names the plugin that would. This module imports
no dataframe library (and not the handlers' abstract classes, :mod:`._handlers`, which name
:class:`~flyte.io.DataFrame` in their signatures).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from flyte import _discovery, _storage
from flyte._registry import Registry
from flyte.errors import TypeTransformerFailedError

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

__all__ = ["KNOWN_PLUGINS", "Handler", "HandlerRegistry", "handlers", "plugins_for"]

T = TypeVar("T")

#: The plugins of this project that handle a library's types, by the library's top module.
KNOWN_PLUGINS = {"pandas": "flyteplugins-pandas", "pyarrow": "flyteplugins-pyarrow"}


class Handler(Generic[T]):
    """What encoders and decoders share: the key they register under."""

    #: ``encoder`` or ``decoder``.
    kind: ClassVar[str] = ""

    def __init__(
        self, python_type: type[T], protocol: str | None = None, supported_format: str | None = None
    ) -> None:
        if protocol == "":
            raise ValueError("a handler for every protocol takes protocol=None, not ''")
        self._python_type = python_type
        self._protocol = protocol.replace("://", "") if protocol else None
        self._supported_format = supported_format or ""

    @property
    def python_type(self) -> type[T]:
        """The dataframe class handled."""
        return self._python_type

    @property
    def protocol(self) -> str | None:
        """The store's protocol (``s3``, ``file``), or None for every store."""
        return self._protocol

    @property
    def supported_format(self) -> str:
        """The storage format (``parquet``); ``""`` for any."""
        return self._supported_format

    def __repr__(self) -> str:
        name = getattr(self._python_type, "__qualname__", self._python_type)
        return (
            f"{type(self).__name__}({name}, protocol={self._protocol!r}, "
            f"format={self._supported_format!r})"
        )


_Key = tuple[str, Any, str, str]  # (encoder or decoder, python type, protocol, format)


class HandlerRegistry(Registry[_Key, Handler[Any]]):
    """Encoders and decoders by (kind, Python type, protocol, format); a miss loads the
    ``flyte.transformers`` plugins once, as a type with no transformer does."""

    def validate(self, value: Handler[Any]) -> None:
        """Only encoders and decoders."""
        if not isinstance(value, Handler) or not value.kind:
            raise TypeError(
                f"DataFrameTransformerEngine.register takes a DataFrameEncoder or "
                f"DataFrameDecoder, got {value!r}"
            )

    def describe_key(self, key: _Key) -> str:
        """``the decoder of pandas.DataFrame for s3 parquet``."""
        kind, python_type, protocol, fmt = key
        return f"the {kind} of {_name(python_type)} for {protocol or 'every protocol'} {fmt or 'any format'}"

    def add_handler(self, handler: Handler[Any], *, override: bool = False) -> None:
        """Register ``handler`` under its own key."""
        self.validate(handler)
        key = (handler.kind, handler.python_type, handler.protocol or "", handler.supported_format)
        self.add(key, handler, override=override)

    def find(self, kind: str, python_type: Any, protocol: str, fmt: str) -> Handler[Any]:
        """The handler for a value of ``python_type`` in ``protocol`` and ``fmt`` (``""``: the
        type's first format); raises :class:`TypeTransformerFailedError` naming the plugins
        that would handle it."""
        found = self._lookup(kind, python_type, protocol, fmt)
        if found is None and _discovery.load_group(_discovery.TRANSFORMERS):
            found = self._lookup(kind, python_type, protocol, fmt)
        if found is None:
            raise TypeTransformerFailedError(_missing(kind, python_type, protocol, fmt, self))
        return found

    async def decode(
        self,
        python_type: Any,
        dataset: literals_pb2.StructuredDataset,
        metadata: literals_pb2.StructuredDatasetMetadata,
    ) -> Any:
        """``dataset`` read as ``python_type`` by the decoder of its store and format: one value
        or an async iterator of chunks. A failure of the store raises
        :class:`TypeTransformerFailedError`, as a failure of the conversion does."""
        decoder = self.find(
            "decoder",
            python_type,
            _storage.protocol(dataset.uri),
            dataset.metadata.structured_dataset_type.format,
        )
        try:
            return await decoder.decode(dataset, metadata)  # type: ignore[attr-defined]
        except _storage.StorageError as exc:
            raise TypeTransformerFailedError(str(exc)) from exc

    def types(self, kind: str) -> list[Any]:
        """The Python types that have a handler of ``kind``, as registered now."""
        return list(dict.fromkeys(key[1] for key in self.registered() if key[0] == kind))

    def _lookup(self, kind: str, python_type: Any, protocol: str, fmt: str) -> Handler[Any] | None:
        registered = self.registered()
        for t in _classes(python_type):
            for p in (protocol, ""):
                if fmt:
                    found = registered.get((kind, t, p, fmt)) or registered.get((kind, t, p, ""))
                else:
                    found = next(
                        (
                            h
                            for (k, ht, hp, _), h in registered.items()
                            if (k, ht, hp) == (kind, t, p)
                        ),
                        None,
                    )
                if found is not None:
                    return found
        return None


def _classes(python_type: Any) -> Iterator[Any]:
    yield python_type
    if isinstance(python_type, type):
        yield from python_type.__mro__[1:]


def _name(python_type: Any) -> str:
    module = getattr(python_type, "__module__", "")
    name = getattr(python_type, "__qualname__", repr(python_type))
    return f"{module}.{name}" if module and module != "builtins" else name


def plugins_for(python_type: Any) -> str:
    """The project's plugin that handles ``python_type``, or ``""``."""
    module = getattr(python_type, "__module__", "") or ""
    return KNOWN_PLUGINS.get(module.split(".")[0], "")


def _missing(
    kind: str, python_type: Any, protocol: str, fmt: str, registry: HandlerRegistry
) -> str:
    what = (
        f"no DataFrame {kind} for {_name(python_type)} (store {protocol}://, format {fmt or 'any'})"
    )
    plugin = plugins_for(python_type)
    known = ", ".join(_name(t) for t in registry.types(kind)) or "none"
    if plugin:
        return f"{what}: pip install {plugin}, which handles it (installed {kind}s handle: {known})"
    plugins = ", ".join(f"{p} ({m})" for m, p in KNOWN_PLUGINS.items())
    return (
        f"{what}: register a DataFrame{kind.capitalize()} for it with "
        f"flyte.io.extend.DataFrameTransformerEngine.register, or use a type a plugin handles "
        f"(installed {kind}s handle: {known}; plugins: {plugins})"
    )


#: The one registry of encoders and decoders.
handlers = HandlerRegistry()
