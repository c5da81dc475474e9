"""A connector's task config: the template's ``custom`` decoded into the type the connector declares.

    @dataclass
    class WarehouseConfig:
        warehouse: str
        retries: int = 3

    class WarehouseConnector(AsyncConnector):
        config_type = WarehouseConfig

        async def create(self, task_template, inputs=None, *, config: WarehouseConfig, **kwargs):
            ...  # config is a WarehouseConfig whose fields have their declared types

The template comes from the caller, so its ``custom`` is checked before the connector sees it:
a dataclass is decoded field by field with the type system's codec (nested dataclasses, lists,
dicts, enums, Optional), a field it does not declare is refused, and its ``__post_init__`` may
refuse values; a pydantic model validates it. A config that does not fit is a
:class:`ConnectorRequestError` naming the field, raised before ``create`` (or ``do``) is called,
so no half-created job is left; the service answers it ``INVALID_ARGUMENT``.

A ``Struct`` holds every number as a double, so a whole number is read back as an ``int`` before
decoding: an ``int`` field gets ``3`` for ``3.0`` and a ``float`` field still a float.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flyteidl.core import tasks_pb2

from flyte.connectors._errors import ConnectorRequestError
from flyte.errors import TypeTransformerFailedError
from flyte.types._codec import CodecError, decoder
from flyte.types._msgpack import struct_to_dict

__all__ = ["check_config_type", "read_config"]


def _is_pydantic_model(t: object) -> bool:
    # Checked by shape: pydantic is never imported here, the model class brings it.
    return isinstance(t, type) and hasattr(t, "model_validate") and hasattr(t, "model_fields")


def check_config_type(config_type: object, where: str) -> None:
    """Refuse a ``config_type`` that is not None, a dataclass or a pydantic model.

    A dataclass's decoder is compiled here, so that a field no codec can carry is refused when
    the connector is registered, not on its first request. Raises ``TypeError`` naming ``where``.
    """
    if config_type is None or _is_pydantic_model(config_type):
        return
    if not (isinstance(config_type, type) and dataclasses.is_dataclass(config_type)):
        raise TypeError(
            f"{where}: config_type must be a dataclass or a pydantic model, got {config_type!r}"
        )
    try:
        decoder(config_type)
    except TypeTransformerFailedError as exc:
        raise TypeError(f"{where}: config_type {config_type.__qualname__}: {exc}") from None


def read_config(config_type: type | None, template: tasks_pb2.TaskTemplate) -> Any:
    """The template's ``custom`` as a ``config_type`` (None when the connector declares none).

    Raises :class:`ConnectorRequestError` naming the task and the field that does not fit.
    """
    if config_type is None:
        return None
    data = _whole_numbers(struct_to_dict(template.custom))
    try:
        if _is_pydantic_model(config_type):
            return _validated(config_type, data)
        return _decoded(config_type, data)
    except ConnectorRequestError as exc:
        task = f" of '{template.id.name}'" if template.id.name else ""
        raise ConnectorRequestError(
            f"the task config{task} is not a valid {config_type.__qualname__}: {exc}"
        ) from None


def _decoded(config_type: type, data: dict[str, Any]) -> Any:
    names = [f.name for f in dataclasses.fields(config_type) if f.init]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ConnectorRequestError(
            f"it has no field {', '.join(repr(u) for u in unknown)} (its fields: {', '.join(names)})"
        )
    try:
        return decoder(config_type)(data)
    except CodecError as exc:
        if not exc.path:
            raise ConnectorRequestError(exc.message) from None
        raise ConnectorRequestError(
            f"field '{''.join(exc.path).lstrip('.')}': {exc.message}"
        ) from None
    except (TypeError, ValueError) as exc:
        # The config's own checks (__post_init__) refusing a value.
        raise ConnectorRequestError(str(exc) or type(exc).__name__) from None


def _validated(model: Any, data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValueError as exc:  # pydantic's ValidationError
        errors = exc.errors() if hasattr(exc, "errors") else None
        if not errors:
            raise ConnectorRequestError(str(exc)) from None
        reasons = [
            f"field '{'.'.join(str(part) for part in error['loc'])}': {error['msg']}"
            for error in errors
        ]
        raise ConnectorRequestError("; ".join(reasons)) from None


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value
