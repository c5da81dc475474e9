"""``flyte.io.DataFrame``: a table passed by reference, encoded and decoded by plugins."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from flyte.errors import TypeTransformerFailedError
from flyte.io._datasets import dataset_literal, declared_columns
from flyte.io._threads import run_in_loop

if TYPE_CHECKING:
    from flyteidl.core import literals_pb2

__all__ = ["PARQUET", "DataFrame"]

#: The storage format the shipped plugins write, and a dataset given by path is taken to be.
PARQUET = "parquet"


class DataFrame:
    """A table passed between tasks by reference; its data in the raw-data store.

        @env.task
        async def load() -> DataFrame:
            return DataFrame.from_df(pd.read_csv("scores.csv"))     # encoded by flyteplugins-pandas

        @env.task
        async def top(scores: Annotated[DataFrame, {"id": int, "score": float}]) -> float:
            table = await scores.open(pa.Table).all()               # only the declared columns
            return max(table["score"].to_pylist())

    A task may also declare a library's own type (``pd.DataFrame``, ``pa.Table``): the value is
    then decoded before the task runs. ``DataFrame`` defers that: :meth:`open` names the type
    to read it as, :meth:`all` reads it whole and :meth:`iter` in chunks (a decoder that
    streams, such as ``pa.RecordBatch``'s). Its literal is flytekit's StructuredDataset.
    """

    def __init__(self, val: Any = None, *, uri: str = "", format: str = "") -> None:
        self._val = val
        self._uri = uri
        self._format = format
        self._literal: literals_pb2.StructuredDataset | None = None
        self._metadata: literals_pb2.StructuredDatasetMetadata | None = None
        self._open_as: Any = None
        # Whether ``uri`` is already the dataset's place in a store: passed on as it is.
        self._in_store = False

    @classmethod
    def from_df(cls, val: Any, uri: str = "") -> DataFrame:
        """Wrap a dataframe of any type a plugin encodes; written (to ``uri`` if given) when
        it becomes a literal."""
        return cls(val, uri=uri)

    @classmethod
    def from_existing_remote(cls, remote_path: str, format: str = PARQUET) -> DataFrame:
        """A reference to a dataset already in a store (a parquet file or folder): nothing is
        copied or read until :meth:`all`."""
        made = cls(uri=remote_path, format=format)
        made._in_store = True
        return made

    @property
    def val(self) -> Any:
        """The wrapped dataframe, when this value was made from one."""
        return self._val

    @property
    def uri(self) -> str:
        """Where the data is (or will be written)."""
        return self._literal.uri if self._literal is not None else self._uri

    @property
    def format(self) -> str:
        """The storage format (``parquet``)."""
        if self._literal is not None:
            return str(self._literal.metadata.structured_dataset_type.format)
        return self._format

    @property
    def literal(self) -> literals_pb2.StructuredDataset | None:
        """The StructuredDataset literal this value was read from or written as."""
        return self._literal

    @property
    def metadata(self) -> literals_pb2.StructuredDatasetMetadata | None:
        """The reading task's view of the dataset: its declared columns and the format."""
        return self._metadata

    @property
    def columns(self) -> list[str]:
        """The names of the declared (or, undeclared, the literal's) columns."""
        return declared_columns(self._metadata) if self._metadata is not None else []

    def open(self, dataframe_type: Any) -> DataFrame:
        """Read the data as ``dataframe_type`` (``pd.DataFrame``, ``pa.Table``, ...): then
        :meth:`all` or :meth:`iter`."""
        self._open_as = dataframe_type
        return self

    async def all(self) -> Any:
        """The whole dataset as the type given to :meth:`open`."""
        if self._val is not None and isinstance(self._val, self._opened_type()):
            return self._val
        result = await self._decode()
        if isinstance(result, AsyncIterator):
            raise TypeTransformerFailedError(
                f"the decoder of {_type_name(self._open_as)} streams chunks: read them with "
                f"`async for chunk in df.open({_type_name(self._open_as)}).iter()`"
            )
        return result

    def all_sync(self) -> Any:
        """:meth:`all` for code that is not a coroutine."""
        return run_in_loop(self.all())

    async def iter(self) -> AsyncIterator[Any]:
        """The dataset in chunks of the type given to :meth:`open` (one chunk when the decoder
        reads it whole)."""
        result = await self._decode()
        if isinstance(result, AsyncIterator):
            async for chunk in result:
                yield chunk
        else:
            yield result

    def iter_sync(self) -> Iterator[Any]:
        """The chunks of :meth:`iter`, for code that is not a coroutine."""

        async def collect() -> list[Any]:
            return [chunk async for chunk in self.iter()]

        yield from run_in_loop(collect())

    def __repr__(self) -> str:
        where = self.uri or "not written yet"
        held = f", val={type(self._val).__name__}" if self._val is not None else ""
        return f"DataFrame({where!r}{held})"

    def _opened_type(self) -> Any:
        if self._open_as is None:
            raise TypeTransformerFailedError(
                "say which type to read the DataFrame as first: df.open(pd.DataFrame).all()"
            )
        return self._open_as

    async def _decode(self) -> Any:
        from flyteidl.core import types_pb2

        python_type = self._opened_type()
        literal = self._literal
        if literal is None:
            if not self._uri:
                raise TypeTransformerFailedError(
                    f"this DataFrame holds a {type(self._val).__name__} and no data in a "
                    f"store: it can be opened as {type(self._val).__name__} only"
                )
            dataset_type = types_pb2.StructuredDatasetType(format=self._format or PARQUET)
            literal = dataset_literal(self._uri, dataset_type)
        # Imported here: the registry brings discovery, which `import flyte.io` does not need.
        from flyte.io._handler_registry import handlers

        return await handlers.decode(python_type, literal, self._metadata or literal.metadata)


def _type_name(t: Any) -> str:
    return getattr(t, "__qualname__", repr(t))
