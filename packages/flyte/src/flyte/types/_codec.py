"""Python values to msgpack-ready builtins and back, compiled once per Python type.

This is what a dataclass, a tuple or a dict that is not a ``dict[str, T]`` holds inside its
msgpack ``Binary`` literal, encoded as flytekit's mashumaro does: fields by name in a map,
datetimes and dates as ISO strings, durations as float seconds, bytes as msgpack bin, enums by
value, tuples as arrays. Each dataclass gets a generated pair of functions (as mashumaro does),
so that a list of ten thousand dataclasses costs about what hand-written code would; values are
checked on the way in and out, and an error names the field path (``Order.items[].price``).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgpack  # type: ignore[import-untyped]

from flyte.errors import TypeTransformerFailedError
from flyte.types._errors import describe_type, short_repr
from flyte.types._references import reference_for

__all__ = ["CodecError", "decoder", "encoder", "is_named_tuple", "type_hints"]

Convert = Callable[[Any], Any]
_NoneType = type(None)
_MISSING = object()


class CodecError(TypeTransformerFailedError):
    """A value inside a msgpack structure that does not fit its type; knows where it sits."""

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        self.message = message
        self.path = path
        where = f" at {''.join(path).lstrip('.')}" if path else ""
        super().__init__(f"{message}{where}")

    def at(self, step: str) -> CodecError:
        """The same error one level further out (``step`` is ``.field`` or ``[]``)."""
        return CodecError(self.message, (step, *self.path))


def _bad(expected: Any, value: Any, detail: str = "") -> CodecError:
    reason = f" ({detail})" if detail else ""
    return CodecError(
        f"expected {describe_type(expected)}, got {type(value).__name__} {short_repr(value)}{reason}"
    )


def type_hints(cls: type) -> dict[str, Any]:
    """The resolved annotations of a dataclass or NamedTuple (string annotations evaluated)."""
    return typing.get_type_hints(cls, include_extras=False)


def is_named_tuple(t: Any) -> bool:
    """Whether ``t`` is a NamedTuple class."""
    return isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields")


_encoders: dict[Any, Convert] = {}
_decoders: dict[Any, Convert] = {}


def encoder(t: Any) -> Convert:
    """The function that turns a value of ``t`` into msgpack-ready builtins, checking it."""
    return _compiled(_encoders, t, _build_encoder)


def decoder(t: Any) -> Convert:
    """The function that turns msgpack builtins back into a value of ``t``, checking them."""
    return _compiled(_decoders, t, _build_decoder)


def _compiled(cache: dict[Any, Convert], t: Any, build: Callable[[Any], Convert]) -> Convert:
    try:
        return cache[t]
    except KeyError:
        pass
    # A dataclass may refer to itself (``next: Optional["Node"]``): while it compiles, its
    # fields see a trampoline to the finished function.
    cache[t] = lambda value: cache[t](value)
    try:
        built = build(t)
    except BaseException:
        del cache[t]
        raise
    cache[t] = built
    return built


# --- scalars ------------------------------------------------------------------------------------


def _enc_int(v: Any) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        if -(2**63) <= v < 2**64:
            return int(v)
        raise _bad(int, v, "too large for msgpack")
    raise _bad(int, v)


def _enc_float(v: Any) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    raise _bad(float, v)


def _check(t: type) -> Convert:
    def check(v: Any) -> Any:
        if isinstance(v, t) and (t is not int or not isinstance(v, bool)):
            return v
        raise _bad(t, v)

    return check


def _enc_bool(v: Any) -> bool:
    if type(v) is bool:
        return v
    raise _bad(bool, v)


def _enc_bytes(v: Any) -> bytes:
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    raise _bad(bytes, v)


def _enc_none(v: Any) -> None:
    if v is not None:
        raise _bad(_NoneType, v)


def _enc_datetime(v: Any) -> str:
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    raise _bad(datetime.datetime, v)


def _enc_date(v: Any) -> str:
    if isinstance(v, datetime.date) and not isinstance(v, datetime.datetime):
        return v.isoformat()
    raise _bad(datetime.date, v)


def _enc_timedelta(v: Any) -> float:
    if isinstance(v, datetime.timedelta):
        return v.total_seconds()
    raise _bad(datetime.timedelta, v)


def _dec_int(v: Any) -> int:
    if type(v) is int:
        return v
    raise _bad(int, v)


def _dec_float(v: Any) -> float:
    if type(v) is float:
        return v
    if type(v) is int:
        return float(v)
    raise _bad(float, v)


def _dec_str(v: Any) -> str:
    if type(v) is str:
        return v
    raise _bad(str, v)


def _dec_parsed(t: type, parse: Callable[[Any], Any]) -> Convert:
    def dec(v: Any) -> Any:
        try:
            return parse(v)
        except (TypeError, ValueError, OverflowError):
            raise _bad(t, v) from None

    return dec


def _timedelta_from_seconds(v: Any) -> datetime.timedelta:
    if type(v) not in (int, float):
        raise TypeError
    return datetime.timedelta(seconds=v)


def _date_from_iso(v: str) -> datetime.date:
    # A date field written by a datetime-aware writer may carry a time; the date part is kept.
    return datetime.date.fromisoformat(v[:10]) if len(v) > 10 else datetime.date.fromisoformat(v)


_SCALAR_ENCODERS: dict[Any, Convert] = {
    int: _enc_int,
    float: _enc_float,
    str: _check(str),
    bool: _enc_bool,
    bytes: _enc_bytes,
    _NoneType: _enc_none,
    datetime.datetime: _enc_datetime,
    datetime.date: _enc_date,
    datetime.timedelta: _enc_timedelta,
}

_SCALAR_DECODERS: dict[Any, Convert] = {
    int: _dec_int,
    float: _dec_float,
    str: _dec_str,
    bool: _enc_bool,
    bytes: _enc_bytes,
    _NoneType: _enc_none,
    datetime.datetime: _dec_parsed(datetime.datetime, datetime.datetime.fromisoformat),
    datetime.date: _dec_parsed(datetime.date, _date_from_iso),
    datetime.timedelta: _dec_parsed(datetime.timedelta, _timedelta_from_seconds),
}

#: Types whose values are their own msgpack form when their type is exact.
_EXACT = (int, float, str, bool)


# --- building -------------------------------------------------------------------------------------


def _passthrough(v: Any) -> Any:
    return v


def _unsupported(t: Any) -> TypeTransformerFailedError:
    return TypeTransformerFailedError(
        f"{describe_type(t)} cannot be carried inside a msgpack structure (a dataclass, tuple or "
        f"dict): use bool, int, float, str, bytes, datetime, date, timedelta, None, an Enum, a "
        f"Literal, a list, dict, tuple, Optional or Union of them, or a nested dataclass"
    )


def _build_encoder(t: Any) -> Convert:
    return _build(t, encode=True)


def _build_decoder(t: Any) -> Convert:
    return _build(t, encode=False)


def _build(t: Any, *, encode: bool) -> Convert:
    scalars = _SCALAR_ENCODERS if encode else _SCALAR_DECODERS
    convert = encoder if encode else decoder
    if t is None:
        t = _NoneType
    if t in scalars:
        return scalars[t]
    if t is Any:
        return _passthrough
    if t is dict or t is list:
        return _untyped(t, encode=encode)
    origin = get_origin(t)
    args = get_args(t)
    if origin is Annotated:
        return convert(args[0])
    if origin is Union or origin is types.UnionType:
        return _union([(_runtime_class(a), convert(a)) for a in args], t)
    if origin is Literal:
        return _literal(args, t)
    if origin is list:
        return _sequence(args[0], t, encode=encode)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            items = _sequence(args[0], t, encode=encode)
            return items if encode else (lambda v: tuple(items(v)))
        return _fixed_tuple([convert(a) for a in args], t, tuple, encode=encode)
    if origin is dict:
        return _mapping(args[0], args[1], t, encode=encode)
    if isinstance(t, type):
        if issubclass(t, enum.Enum):
            return _enum(t, encode=encode)
        if dataclasses.is_dataclass(t):
            return _dataclass(t, encode=encode)
        if is_named_tuple(t):
            hints = type_hints(t)
            fields: tuple[str, ...] = t._fields  # type: ignore[attr-defined]
            converters = [convert(hints.get(name, Any)) for name in fields]
            return _fixed_tuple(converters, t, t, encode=encode)
    reference = reference_for(t)
    if reference is not None:
        return _checked(reference.encode if encode else reference.decode, t)
    raise _unsupported(t)


def _checked(convert: Convert, t: Any) -> Convert:
    """A reference type's converter, its refusals as this module's error."""

    def checked(v: Any) -> Any:
        try:
            return convert(v)
        except (TypeError, ValueError) as exc:
            raise _bad(t, v, str(exc)) from exc

    return checked


def _untyped(t: type, *, encode: bool) -> Convert:
    """A bare ``dict`` or ``list``: a value of that class, holding msgpack's plain data only."""
    accepted = (list, tuple) if encode and t is list else (t,)

    def convert(v: Any) -> Any:
        if not isinstance(v, accepted) or isinstance(v, _EXTENSIONS):
            raise _bad(t, v)
        _refuse_extensions(v)
        return v

    return convert


#: What msgpack carries besides plain data; no Python type of a task maps to it.
_EXTENSIONS = (msgpack.ExtType, msgpack.Timestamp)
_PLAIN_SCALARS = frozenset({str, int, float, bool, bytes, type(None)})


def _refuse_extensions(value: Any) -> None:
    """Raise :class:`CodecError` at the first msgpack extension inside a plain container."""
    if isinstance(value, dict):
        groups: tuple[Any, ...] = (value.keys(), value.values())
    elif isinstance(value, (list, tuple)):
        groups = (value,)
    else:
        return
    for group in groups:
        # The types of a group are collected in C: a dict of a hundred thousand floats costs
        # milliseconds, and only the containers in it are walked in Python.
        if set(map(type, group)) <= _PLAIN_SCALARS:
            continue
        for child in group:
            if isinstance(child, _EXTENSIONS):
                raise CodecError(
                    f"expected plain msgpack data, got the msgpack extension {short_repr(child)}",
                    ("[]",),
                )
            try:
                _refuse_extensions(child)
            except CodecError as exc:
                raise exc.at("[]") from None


def _runtime_class(t: Any) -> Any:
    """The class a value of ``t`` has at run time (``list`` for ``list[int]``)."""
    origin = get_origin(t)
    return origin if isinstance(origin, type) else t


def _union(members: list[tuple[Any, Convert]], t: Any) -> Convert:
    def convert(v: Any) -> Any:
        # A member of the value's exact type first, so that 1 stays an int in int | float.
        exact = [c for cls, c in members if type(v) is cls]
        for c in exact + [c for _, c in members]:
            try:
                return c(v)
            except TypeTransformerFailedError:
                continue
        raise _bad(t, v)

    return convert


def _literal(values: tuple[Any, ...], t: Any) -> Convert:
    allowed = {(type(v), v) for v in values}

    def convert(v: Any) -> Any:
        if (type(v), v) in allowed:
            return v
        raise _bad(t, v)

    return convert


def _enum(t: type[enum.Enum], *, encode: bool) -> Convert:
    def enc(v: Any) -> Any:
        if isinstance(v, t):
            return v.value
        raise _bad(t, v)

    def dec(v: Any) -> Any:
        try:
            return t(v)
        except ValueError:
            raise _bad(t, v, f"not one of {[m.value for m in t]}") from None

    return enc if encode else dec


def _sequence(item_type: Any, t: Any, *, encode: bool) -> Convert:
    item = (encoder if encode else decoder)(item_type)
    exact = item_type if item_type in _EXACT else None
    accepted = (list, tuple) if encode else (list,)

    def convert(v: Any) -> Any:
        if not isinstance(v, accepted):
            raise _bad(t, v)
        if exact is not None:
            # The common case, a list of ints or strs: checked in one loop, never copied.
            for x in v:
                if type(x) is not exact:
                    break
            else:
                return v if type(v) is list else list(v)
        out = []
        try:
            for x in v:
                out.append(item(x))
        except CodecError as exc:
            raise exc.at("[]") from None
        return out

    return convert


def _fixed_tuple(
    converters: list[Convert], t: Any, make: Callable[..., Any], *, encode: bool
) -> Convert:
    size = len(converters)
    build = make if make is tuple else (lambda items: make(*items))

    def convert(v: Any) -> Any:
        if not isinstance(v, (list, tuple)) or len(v) != size:
            raise _bad(t, v, f"expected {size} items")
        try:
            items = [c(x) for c, x in zip(converters, v, strict=True)]
        except CodecError as exc:
            raise exc.at("[]") from None
        return items if encode else build(items)

    return convert


def _mapping(key_type: Any, value_type: Any, t: Any, *, encode: bool) -> Convert:
    convert_key = (encoder if encode else decoder)(key_type)
    convert_value = (encoder if encode else decoder)(value_type)
    exact_key = key_type if key_type in _EXACT else None
    exact_value = value_type if value_type in _EXACT else None

    def convert(v: Any) -> Any:
        if not isinstance(v, dict):
            raise _bad(t, v)
        if exact_key is not None and exact_value is not None and type(v) is dict:
            for key, value in v.items():
                if type(key) is not exact_key or type(value) is not exact_value:
                    break
            else:
                return v
        try:
            return {convert_key(key): convert_value(value) for key, value in v.items()}
        except CodecError as exc:
            raise exc.at("[]") from None

    return convert


# --- dataclasses ----------------------------------------------------------------------------------


def _dataclass(cls: type, *, encode: bool) -> Convert:
    """Generate the encoder or decoder of one dataclass: straight-line code, one line per field.

    The generated code tracks nothing on its way; when a field fails, :func:`_locate` finds
    which one to name, so that the common case pays for no bookkeeping.
    """
    hints = type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]
    convert = encoder if encode else decoder
    converters: list[Convert] = []
    for field in fields:
        try:
            converters.append(convert(hints.get(field.name, Any)))
        except CodecError as exc:
            raise exc.at(f".{field.name}") from None
        except TypeTransformerFailedError as exc:
            raise TypeTransformerFailedError(
                f"field {field.name!r} of {cls.__qualname__}: {exc}"
            ) from None
    namespace: dict[str, Any] = {
        "cls": cls,
        "CodecError": CodecError,
        "_bad": _bad,
        "MISSING": _MISSING,
        "missing": _missing_field,
        "locate": functools.partial(_locate, fields, converters, encode),
    }
    namespace.update((f"c{i}", c) for i, c in enumerate(converters))

    def check(i: int) -> str:
        field_type = hints.get(fields[i].name, Any)
        return f"type(x{i}) is not {field_type.__name__}" if field_type in _EXACT else "True"

    if encode:
        lines = [
            "def convert(v):",
            "    if type(v) is not cls and not isinstance(v, cls): raise _bad(cls, v)",
            "    try:",
        ]
        for i, field in enumerate(fields):
            lines.append(f"        x{i} = v.{field.name}")
            lines.append(f"        if {check(i)}: x{i} = c{i}(x{i})")
        body = ", ".join(f"{f.name!r}: x{i}" for i, f in enumerate(fields))
        lines += [
            "    except CodecError as exc:",
            "        raise locate(v, exc) from None",
            f"    return {{{body}}}",
        ]
    else:
        lines = ["def convert(d):", "    if type(d) is not dict: raise _bad(cls, d)", "    try:"]
        for i, field in enumerate(fields):
            lookup = (
                f"d.get({field.name!r}, MISSING)" if _has_default(field) else f"d[{field.name!r}]"
            )
            lines.append(f"        x{i} = {lookup}")
        lines += [
            "    except KeyError as exc:",
            "        raise missing(cls, exc.args[0]) from None",
            "    try:",
        ]
        for i, field in enumerate(fields):
            present = f"x{i} is not MISSING and " if _has_default(field) else ""
            lines.append(f"        if {present}{check(i)}: x{i} = c{i}(x{i})")
        lines += ["    except CodecError as exc:", "        raise locate(d, exc) from None"]
        lines += _construct(fields)
    exec("\n".join(lines), namespace)
    generated: Convert = namespace["convert"]
    return generated


def _construct(fields: list[dataclasses.Field[Any]]) -> list[str]:
    """The lines that call the class: leading required fields by position, the rest by name."""
    arguments: list[str] = []
    lines: list[str] = []
    by_position = True
    for i, field in enumerate(fields):
        if _has_default(field):
            by_position = False
            if not lines:
                lines.append("    kw = {}")
            lines.append(f"    if x{i} is not MISSING: kw[{field.name!r}] = x{i}")
            continue
        by_position = by_position and field.kw_only is not True
        arguments.append(f"x{i}" if by_position else f"{field.name}=x{i}")
    if lines:
        arguments.append("**kw")
    return [*lines, f"    return cls({', '.join(arguments)})"]


def _locate(
    fields: list[dataclasses.Field[Any]],
    converters: list[Convert],
    encode: bool,
    value: Any,
    error: CodecError,
) -> CodecError:
    """``error`` one level further out, at the first field of ``value`` that fails again."""
    for field, convert in zip(fields, converters, strict=True):
        item = getattr(value, field.name) if encode else value.get(field.name, _MISSING)
        if item is _MISSING:
            continue
        try:
            convert(item)
        except CodecError as found:
            return found.at(f".{field.name}")
    return error


def _has_default(field: dataclasses.Field[Any]) -> bool:
    return (
        field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
    )


def _missing_field(cls: type, name: str) -> CodecError:
    return CodecError(f"{cls.__qualname__} has no value for its field {name!r}")
