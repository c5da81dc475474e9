"""The transformer of ``Optional[T]``, ``Union[...]`` and ``X | Y``.

Each variant of the literal type carries its transformer's name as ``structure.tag`` (flytekit
replaces the variant's whole structure with the tag); a value becomes a ``scalar.union`` holding
the literal and the chosen variant's type. The variant is chosen by the value's exact type
first, then by the first variant that accepts the value; reading goes by the tag. A plain
literal (not a union, as another SDK may write for one member) is read by the one member that
can; when several can, the choice is ambiguous and refused, as flytekit refuses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Union, get_args, get_origin

from flyteidl.core import types_pb2
from flyteidl.core.literals_pb2 import Literal

from flyte.errors import TypeTransformerFailedError
from flyte.types._errors import describe_type, mismatch
from flyte.types._transformer import SyncTypeTransformer, TypeTransformer

__all__ = ["UnionTransformer"]


def _engine() -> Any:
    from flyte.types._engine import TypeEngine

    return TypeEngine


class _Variant:
    """One member type of a union, its transformer and its tagged literal type."""

    __slots__ = ("literal_type", "python_type", "runtime_class", "transformer")

    def __init__(self, python_type: Any) -> None:
        engine = _engine()
        self.python_type = python_type
        self.transformer: TypeTransformer[Any] = engine.get_transformer(python_type)
        self.literal_type: types_pb2.LiteralType = engine.to_literal_type(python_type)
        self.literal_type.ClearField("structure")
        self.literal_type.structure.tag = self.transformer.name
        origin = get_origin(python_type)
        self.runtime_class = origin if isinstance(origin, type) else python_type


class UnionTransformer(SyncTypeTransformer[Any]):
    """``Optional[T]``, ``Union[...]`` and ``X | Y`` as tagged union literals."""

    def __init__(self) -> None:
        super().__init__("Typed Union", Union)  # type: ignore[arg-type]
        self._variants: dict[Any, list[_Variant]] = {}

    def _variants_of(self, t: Any) -> list[_Variant]:
        try:
            return self._variants[t]
        except KeyError:
            variants = [_Variant(a) for a in get_args(t)]
            self._variants[t] = variants
            return variants

    def inner_types(self, python_type: Any) -> tuple[Any, ...]:
        """The member types."""
        return get_args(python_type)

    def get_literal_type(self, t: Any) -> types_pb2.LiteralType:
        """A ``union_type`` whose variants are tagged with their transformers' names."""
        literal_type = types_pb2.LiteralType()
        literal_type.union_type.variants.extend(v.literal_type for v in self._variants_of(t))
        return literal_type

    def guess_python_type(self, literal_type: types_pb2.LiteralType) -> Any:
        """The union of the variants' guessed types."""
        engine = _engine()
        members = tuple(engine.guess_python_type(v) for v in literal_type.union_type.variants)
        return Union[members]  # noqa: UP007 - built at run time

    def _choose(self, value: Any, python_type: Any) -> list[_Variant]:
        """The variants to try for ``value``: exact type matches first."""
        variants = self._variants_of(python_type)
        exact = [v for v in variants if type(value) is v.runtime_class]
        return exact + [v for v in variants if v not in exact]

    def fill_literals(
        self,
        values: Iterable[Any],
        python_type: Any,
        expected: types_pb2.LiteralType,
        targets: Iterator[Literal],
    ) -> None:
        """Write each value as a ``scalar.union`` of the first variant that accepts it."""
        for value, literal in zip(values, targets, strict=False):
            for variant in self._choose(value, python_type):
                transformer = variant.transformer
                assert isinstance(transformer, SyncTypeTransformer)
                attempt = Literal()
                try:
                    transformer.fill_literals(
                        (value,), variant.python_type, variant.literal_type, iter((attempt,))
                    )
                except TypeTransformerFailedError:
                    continue
                union = literal.scalar.union
                union.value.CopyFrom(attempt)
                union.type.CopyFrom(variant.literal_type)
                break
            else:
                raise mismatch(python_type, value)

    def python_values(self, literals: Iterable[Literal], python_type: Any) -> list[Any]:
        """The values of union literals, read through the variant their tag names."""
        out: list[Any] = []
        for literal in literals:
            inner, candidates = self._candidates(literal, python_type)
            read = _Reading(self, literal, python_type)
            for variant in candidates:
                transformer = variant.transformer
                assert isinstance(transformer, SyncTypeTransformer)
                try:
                    value = transformer.python_values((inner,), variant.python_type)[0]
                except TypeTransformerFailedError:
                    continue
                if read.found(variant, value):
                    break
            out.append(read.result())
        return out

    def _candidates(self, literal: Literal, python_type: Any) -> tuple[Literal, list[_Variant]]:
        """The literal inside a union literal and the variants that may read it, best first."""
        variants = self._variants_of(python_type)
        scalar = literal.scalar
        if not scalar.HasField("union"):
            # A plain literal (written for one member type) is read by whichever variant can.
            return literal, variants
        union = scalar.union
        tag = union.type.structure.tag
        tagged = [v for v in variants if v.transformer.name == tag]
        if len(tagged) > 1:
            written = union.type.SerializeToString(deterministic=True)
            same = [
                v for v in tagged if v.literal_type.SerializeToString(deterministic=True) == written
            ]
            tagged = same + [v for v in tagged if v not in same]
        return union.value, tagged or variants

    def _no_variant(self, literal: Literal, python_type: Any) -> TypeTransformerFailedError:
        tag = literal.scalar.union.type.structure.tag if literal.scalar.HasField("union") else ""
        written = f" (tagged {tag!r})" if tag else ""
        return TypeTransformerFailedError(
            f"no member of {describe_type(python_type)} can read the literal{written}; "
            f"the members' tags are {[v.transformer.name for v in self._variants_of(python_type)]}"
        )

    async def to_literal(
        self, python_val: Any, python_type: Any, expected: types_pb2.LiteralType
    ) -> Literal:
        """Convert a value of a union, awaiting a member's transformer only when it is async."""
        engine = _engine()
        if engine.sync_transformer(python_type) is not None:
            return self.to_literal_sync(python_val, python_type, expected)
        for variant in self._choose(python_val, python_type):
            try:
                inner = await engine.to_literal(
                    python_val, variant.python_type, variant.literal_type
                )
            except TypeTransformerFailedError:
                continue
            literal = Literal()
            literal.scalar.union.value.CopyFrom(inner)
            literal.scalar.union.type.CopyFrom(variant.literal_type)
            return literal
        raise mismatch(python_type, python_val)

    async def to_python_value(self, lv: Literal, expected_python_type: Any) -> Any:
        """Read a union literal, awaiting a member's transformer only when it is async."""
        engine = _engine()
        if engine.sync_transformer(expected_python_type) is not None:
            return self.to_python_value_sync(lv, expected_python_type)
        inner, candidates = self._candidates(lv, expected_python_type)
        read = _Reading(self, lv, expected_python_type)
        for variant in candidates:
            try:
                value = await engine.to_python_value(inner, variant.python_type)
            except TypeTransformerFailedError:
                continue
            if read.found(variant, value):
                break
        return read.result()


class _Reading:
    """The variants that read one literal: the first wins a union literal; a plain literal
    must be read by exactly one."""

    __slots__ = ("literal", "owner", "plain", "python_type", "value", "variant")

    def __init__(self, owner: UnionTransformer, literal: Literal, python_type: Any) -> None:
        self.owner = owner
        self.literal = literal
        self.python_type = python_type
        self.plain = not literal.scalar.HasField("union")
        self.variant: _Variant | None = None
        self.value: Any = None

    def found(self, variant: _Variant, value: Any) -> bool:
        """Record that ``variant`` read ``value``; True when no other variant needs trying."""
        if self.variant is not None:
            raise TypeTransformerFailedError(
                f"ambiguous choice of variant for {describe_type(self.python_type)}: both "
                f"{self.variant.transformer.name!r} and {variant.transformer.name!r} read the "
                f"plain literal; write it as a union literal that names its variant"
            )
        self.variant, self.value = variant, value
        return not self.plain

    def result(self) -> Any:
        """The value read; raises when no variant could read the literal."""
        if self.variant is None:
            raise self.owner._no_variant(self.literal, self.python_type)
        return self.value
