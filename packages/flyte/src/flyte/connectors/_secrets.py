"""A connector's own secrets (API keys, credentials), read as flytekit's ``get_connector_secret``.

    from flyte.connectors import get_connector_secret

    async def create(self, task_template, inputs=None, **kwargs):
        client = WarehouseClient(api_key=get_connector_secret("warehouse_api_key"))

flytekit's connectors read their keys with ``flytekit.extend.backend.utils.get_connector_secret``
(``get_agent_secret`` before the rename), so the secrets of a connector deployment are mounted for
that lookup: this one takes the same variable and file, and a deployment's mounts work unchanged.
"""

from __future__ import annotations

from flyte._context import ctx
from flyte._secrets import Secrets, read_secret

__all__ = ["get_connector_secret"]


def get_connector_secret(key: str) -> str:
    """The connector secret ``key``, as flytekit's ``get_connector_secret(key)`` reads it.

    First the environment variable ``_FSEC_<KEY>`` (the prefix is ``FLYTE_SECRETS_ENV_PREFIX``
    when set; in a local run the variable ``<KEY>`` too), then the file ``/etc/secrets/<key>``
    (the folder is ``FLYTE_SECRETS_DEFAULT_DIR``, the name prefixed with
    ``FLYTE_SECRETS_FILE_PREFIX``), as the task's secrets are read (``flyte.ctx().secrets``) but
    without a group. The value is stripped; the connector service keeps it out of every status
    message and log line it writes. Raises :class:`flyte.errors.SecretNotFoundError` naming the
    key, the variable and the file when it is in neither.
    """
    context = ctx()
    # Outside a running task (the connector's __init__, a background refresh) the service's own.
    secrets = context.secrets if context is not None else Secrets()
    remedy = (
        "a connector's secrets belong to the connector service: mount the secret into its "
        "deployment as that variable or that file"
    )
    return read_secret(secrets, key, remedy=remedy)
