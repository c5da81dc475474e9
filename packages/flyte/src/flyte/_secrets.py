"""Secrets as flytekit's secrets manager reads them, so one deployment's secret mounts serve both SDKs.

A secret ``key`` of ``group`` (and optionally ``group_version``) is looked for:

1. in the environment variable ``<prefix><GROUP>_<GROUP_VERSION>_<KEY>`` (upper case; the
   prefix is ``_FSEC_``, or ``FLYTE_SECRETS_ENV_PREFIX``); in a local run also without the prefix;
2. in the file ``<dir>/<group>/<group_version>/<file prefix><key>`` (lower case; the folder is
   ``/etc/secrets``, or ``FLYTE_SECRETS_DEFAULT_DIR``; the file prefix ``FLYTE_SECRETS_FILE_PREFIX``).

The value is stripped of surrounding whitespace. A secret that is in neither place raises
:class:`SecretNotFoundError`, naming the key and both places looked in; no value is ever part of
an error or a log line.
"""

from __future__ import annotations

import os

from flyte.errors import SecretNotFoundError

__all__ = ["Secrets"]

ENV_PREFIX = "_FSEC_"
DEFAULT_DIR = os.path.join(os.sep, "etc", "secrets")


class Secrets:
    """The secrets a task or a connector can read (``flyte.ctx().secrets.get("token", "vault")``).

    ``local`` also accepts the environment variable without its prefix, as flytekit does in
    local runs (``VAULT_TOKEN`` for ``_FSEC_VAULT_TOKEN``).
    """

    def __init__(self, *, local: bool = False) -> None:
        self.local = local

    def get(self, key: str, group: str = "", group_version: str = "") -> str:
        """The secret's value; raises :class:`SecretNotFoundError` naming where it looked."""
        parts = [p for p in (group, group_version, key) if p]
        prefix = os.environ.get("FLYTE_SECRETS_ENV_PREFIX", ENV_PREFIX).strip()
        variable = prefix + "_".join(p.upper() for p in parts)
        names = [variable, "_".join(p.upper() for p in parts)] if self.local else [variable]
        for name in names:
            value = os.environ.get(name)
            if value is not None:
                return value.strip()
        path = self.path(key, group, group_version)
        try:
            with open(path) as f:
                return f.read().strip()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise SecretNotFoundError(
                f"secret {_label(key, group)}: {path} exists but cannot be read "
                f"({type(exc).__name__})"
            ) from None
        raise SecretNotFoundError(
            f"secret {_label(key, group)} is not set: looked for the environment variable "
            f"{' or '.join(names)} and the file {path}; request it on the task "
            f"(secrets=[flyte.Secret(key={key!r}{f', group={group!r}' if group else ''})]) or "
            f"set one of them"
        )

    def path(self, key: str, group: str = "", group_version: str = "") -> str:
        """The file a secret is read from when no environment variable holds it."""
        folder = os.environ.get("FLYTE_SECRETS_DEFAULT_DIR", DEFAULT_DIR).strip()
        file_prefix = os.environ.get("FLYTE_SECRETS_FILE_PREFIX", "").strip()
        parts = [p.lower() for p in (group, group_version) if p]
        return os.path.join(folder, *parts, file_prefix + key.lower())

    def __repr__(self) -> str:
        return f"Secrets(local={self.local})"


def _label(key: str, group: str) -> str:
    return f"'{group}/{key}'" if group else f"'{key}'"
