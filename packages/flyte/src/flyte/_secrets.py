"""Secrets as flytekit's secrets manager reads them, so one deployment's secret mounts serve both SDKs.

A secret ``key`` of ``group`` (and optionally ``group_version``) is looked for:

1. in the environment variable ``<prefix><GROUP>_<GROUP_VERSION>_<KEY>`` (upper case; the
   prefix is ``_FSEC_``, or ``FLYTE_SECRETS_ENV_PREFIX``); in a local run also without the prefix;
2. in the file ``<dir>/<group>/<group_version>/<file prefix><key>`` (lower case; the folder is
   ``/etc/secrets``, or ``FLYTE_SECRETS_DEFAULT_DIR``; the file prefix ``FLYTE_SECRETS_FILE_PREFIX``).

The value is stripped of surrounding whitespace. A secret that is in neither place raises
:class:`SecretNotFoundError`, naming the key and both places looked in; no value is ever part of
an error or a log line.

Every value read is remembered by the process, so that :func:`redact` can take it out of text
that leaves it: the connector service's status messages and log lines (see
:class:`RedactSecrets`). Values shorter than four characters are not remembered: no real secret
is that short, and blanking them would garble ordinary text.
"""

from __future__ import annotations

import logging
import os
import threading

from flyte.errors import SecretNotFoundError

__all__ = ["RedactSecrets", "Secrets", "read_secret", "redact"]

ENV_PREFIX = "_FSEC_"
DEFAULT_DIR = os.path.join(os.sep, "etc", "secrets")
#: What a secret's value is replaced with in text that leaves the process.
MASK = "***"
_SHORTEST_REDACTED = 4


class Secrets:
    """The secrets a task or a connector can read (``flyte.ctx().secrets.get("token", "vault")``).

    ``local`` also accepts the environment variable without its prefix, as flytekit does in
    local runs (``VAULT_TOKEN`` for ``_FSEC_VAULT_TOKEN``).
    """

    def __init__(self, *, local: bool = False) -> None:
        self.local = local

    def get(self, key: str, group: str = "", group_version: str = "") -> str:
        """The secret's value; raises :class:`SecretNotFoundError` naming where it looked."""
        remedy = (
            f"request it on the task (secrets=[flyte.Secret(key={key!r}"
            f"{f', group={group!r}' if group else ''})]) or set one of them"
        )
        return read_secret(self, key, group, group_version, remedy=remedy)

    def path(self, key: str, group: str = "", group_version: str = "") -> str:
        """The file a secret is read from when no environment variable holds it."""
        folder = os.environ.get("FLYTE_SECRETS_DEFAULT_DIR", DEFAULT_DIR).strip()
        file_prefix = os.environ.get("FLYTE_SECRETS_FILE_PREFIX", "").strip()
        parts = [p.lower() for p in (group, group_version) if p]
        return os.path.join(folder, *parts, file_prefix + key.lower())

    def __repr__(self) -> str:
        return f"Secrets(local={self.local})"


def read_secret(
    secrets: Secrets, key: str, group: str = "", group_version: str = "", *, remedy: str
) -> str:
    """The secret's value as ``secrets`` reads it; a :class:`SecretNotFoundError` that names the
    places looked in and ends with ``remedy`` when it is in none of them."""
    parts = [p for p in (group, group_version, key) if p]
    prefix = os.environ.get("FLYTE_SECRETS_ENV_PREFIX", ENV_PREFIX).strip()
    variable = prefix + "_".join(p.upper() for p in parts)
    names = [variable, "_".join(p.upper() for p in parts)] if secrets.local else [variable]
    for name in names:
        value = os.environ.get(name)
        if value is not None:
            return _remembered(value.strip())
    path = secrets.path(key, group, group_version)
    try:
        with open(path) as f:
            return _remembered(f.read().strip())
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise SecretNotFoundError(
            f"secret {_label(key, group)}: {path} exists but cannot be read ({type(exc).__name__})"
        ) from None
    raise SecretNotFoundError(
        f"secret {_label(key, group)} is not set: looked for the environment variable "
        f"{' or '.join(names)} and the file {path}; {remedy}"
    )


def _label(key: str, group: str) -> str:
    return f"'{group}/{key}'" if group else f"'{key}'"


# Longest first, so that a secret containing another is masked whole. Replaced, never changed
# in place, so that redact() reads it without the lock.
_values: tuple[str, ...] = ()
_values_lock = threading.Lock()


def _remembered(value: str) -> str:
    global _values
    if len(value) >= _SHORTEST_REDACTED and value not in _values:
        with _values_lock:
            if value not in _values:
                _values = tuple(sorted((*_values, value), key=len, reverse=True))
    return value


def redact(text: str) -> str:
    """``text`` with every secret value this process has read replaced by ``***``."""
    for value in _values:
        if value in text:
            text = text.replace(value, MASK)
    return text


class RedactSecrets(logging.Filter):
    """A logging filter that takes secret values out of each record, its traceback included.

    Put it on a handler: it then covers the records of every logger that handler serves.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message (and traceback) by their redacted text; keep the record."""
        if not _values:
            return True
        try:
            message = record.getMessage()
        except Exception:
            return True  # a malformed record: the handler reports it, as it would unfiltered
        record.msg, record.args = redact(message), None
        if record.exc_info:
            # Formatters print exc_text when it is set, and format exc_info only when it is not.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
