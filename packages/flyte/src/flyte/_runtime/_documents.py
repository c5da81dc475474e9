"""Error documents: how a failed task tells the backend what went wrong and whether to retry."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from flyteidl.core import errors_pb2, execution_pb2

__all__ = ["Failure", "error_document"]


@dataclass(frozen=True)
class Failure:
    """Why a task run failed: the exception, whose fault it is, and whether a retry may help.

    ``user`` marks errors of the user's code or inputs (``USER`` origin), else the platform's
    (``SYSTEM``). ``stage`` says where it happened, as the error code's suffix shows it;
    ``raised_by_task`` marks an exception of the task's own body.
    """

    exception: BaseException
    stage: str
    user: bool
    recoverable: bool = False
    raised_by_task: bool = False

    @property
    def code(self) -> str:
        """``USER:<stage>`` or ``SYSTEM:<stage>``."""
        return f"{'USER' if self.user else 'SYSTEM'}:{self.stage}"

    @property
    def headline(self) -> str:
        """``Type: text`` of the exception, in one line."""
        return _headline(self.exception).split("\n", 1)[0]

    @property
    def message(self) -> str:
        """The error and its traceback, as the backend shows them to the user."""
        exc = self.exception
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return f"{_headline(exc)}\n\n{trace}"


def _headline(exc: BaseException) -> str:
    """``Type: text`` of ``exc``; its repr when its own ``__str__`` raises.

    The exception is the task's, whatever its ``__str__`` does: a failure to print it must not
    turn into an error of the runtime's.
    """
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception as error:
        try:
            shown = repr(exc)
        except Exception:
            shown = f"<{type(exc).__name__} object>"
        return f"{shown} (its __str__ raised {type(error).__name__})"


def error_document(failure: Failure) -> errors_pb2.ErrorDocument:
    """The ``ErrorDocument`` of ``failure``."""
    kind = errors_pb2.ContainerError
    return errors_pb2.ErrorDocument(
        error=errors_pb2.ContainerError(
            code=failure.code,
            message=failure.message,
            kind=kind.RECOVERABLE if failure.recoverable else kind.NON_RECOVERABLE,
            origin=execution_pb2.ExecutionError.USER
            if failure.user
            else execution_pb2.ExecutionError.SYSTEM,
        )
    )
