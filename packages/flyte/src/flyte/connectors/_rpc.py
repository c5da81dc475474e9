"""Serving a protobuf service descriptor with a servicer object, one policy for every method.

Handlers receive raw bytes and parse them here, so that a malformed request is answered with
``INVALID_ARGUMENT`` (grpc's own deserializer would answer ``INTERNAL``). Every call's request,
status code and latency go to the server's :class:`Metrics`. A servicer method signals a status
with :class:`RpcAbort`; any other exception is ``INTERNAL`` with its message, and the server goes
on. No status message carries the value of a secret the process has read
(:func:`flyte._secrets.redact`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError, Message

from flyte._secrets import redact
from flyte.connectors._metrics import Metrics

__all__ = ["RpcAbort", "service_handler"]

logger = logging.getLogger("flyte.connectors")


class RpcAbort(Exception):
    """End the current call with ``code`` and ``message``."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _parse(cls: type[Message], data: bytes, method: str) -> Message:
    try:
        return cls.FromString(data)
    except DecodeError as exc:
        raise RpcAbort(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"{method}: the request is not a valid {cls.DESCRIPTOR.full_name}: {exc}",
        ) from exc


def _serialize(message: Message) -> bytes:
    data: bytes = message.SerializeToString()
    return data


class _Call:
    """The scope of one call: its failure answered with a status, the call observed by the metrics.

    ``async with _Call(...) as call`` around a handler's work, setting ``call.request`` and
    ``call.response`` as they are known: an exception leaving the block aborts the call with its
    status (:class:`RpcAbort`'s, ``INTERNAL`` for any other, nothing for a cancellation), and
    every call, however it ends, is observed by the metrics.
    """

    def __init__(
        self, method: str, metrics: Metrics, context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        self.method = method
        self.metrics = metrics
        self.context = context
        self.code = grpc.StatusCode.OK
        self.request: Message | None = None
        self.response: Message | None = None
        self.start = time.perf_counter()

    async def __aenter__(self) -> _Call:
        self.metrics.started(self.method)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        try:
            if exc is not None:
                await self._fail(exc)
        finally:
            seconds = time.perf_counter() - self.start
            self.metrics.ended(self.method, self.code.name, seconds, self.request, self.response)

    async def _fail(self, exc: BaseException) -> None:
        if isinstance(exc, asyncio.CancelledError):
            self.code = grpc.StatusCode.CANCELLED
            return
        if isinstance(exc, RpcAbort):
            self.code, message = exc.code, exc.message
        else:
            logger.error("%s failed", self.method, exc_info=exc)
            self.code, message = grpc.StatusCode.INTERNAL, f"{type(exc).__name__}: {exc}"
        # A connector's exception may quote a secret it read; the caller never sees one.
        await self.context.abort(self.code, redact(message))


def _unary_unary(
    impl: Callable[[Any], Any], request_cls: type[Message], method: str, metrics: Metrics
) -> Callable[..., Any]:
    async def handle(data: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> Message:
        async with _Call(method, metrics, context) as call:
            call.request = _parse(request_cls, data, method)
            call.response = await impl(call.request)
            return call.response

    return handle


def _unary_stream(
    impl: Callable[[Any], AsyncIterator[Message]],
    request_cls: type[Message],
    method: str,
    metrics: Metrics,
) -> Callable[..., Any]:
    async def handle(
        data: bytes, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Message]:
        async with _Call(method, metrics, context) as call:
            call.request = _parse(request_cls, data, method)
            async for response in impl(call.request):
                yield response

    return handle


def _stream_stream(
    impl: Callable[[AsyncIterator[Message]], AsyncIterator[Message]],
    request_cls: type[Message],
    method: str,
    metrics: Metrics,
) -> Callable[..., Any]:
    async def handle(
        requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Message]:
        async def parsed(call: _Call) -> AsyncIterator[Message]:
            async for data in requests:
                message = _parse(request_cls, data, method)
                if call.request is None:
                    call.request = message  # the header, which names the task
                yield message

        async with _Call(method, metrics, context) as call:
            async for response in impl(parsed(call)):
                yield response

    return handle


def service_handler(
    service: ServiceDescriptor, servicer: object, metrics: Metrics
) -> grpc.GenericRpcHandler:
    """A handler serving every method of ``service`` with the same-named method of ``servicer``.

    ``GetTaskLogs`` is served by ``servicer.get_task_logs``; a method is awaited for a unary
    answer and iterated for a streamed one.
    """
    handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    for method in service.methods:
        impl = getattr(servicer, _snake(method.name))
        request_cls = message_factory.GetMessageClass(method.input_type)
        full_name = f"/{service.full_name}/{method.name}"
        if method.client_streaming:
            handler = _stream_stream(impl, request_cls, full_name, metrics)
            handlers[method.name] = grpc.stream_stream_rpc_method_handler(
                handler, response_serializer=_serialize
            )
        elif method.server_streaming:
            handler = _unary_stream(impl, request_cls, full_name, metrics)
            handlers[method.name] = grpc.unary_stream_rpc_method_handler(
                handler, response_serializer=_serialize
            )
        else:
            handler = _unary_unary(impl, request_cls, full_name, metrics)
            handlers[method.name] = grpc.unary_unary_rpc_method_handler(
                handler, response_serializer=_serialize
            )
    return grpc.method_handlers_generic_handler(service.full_name, handlers)
