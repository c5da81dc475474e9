"""How to reach each object store: the options its fsspec filesystem gets, from the environment.

The variables are flytekit's (``FLYTE_<SECTION>_<OPTION>``, as flytekit's configuration reads
them), so that one configuration serves both SDKs and a Flyte 1 backend's pods:

=====================  ==========================================  ==========================
store                  variable                                    fsspec option
=====================  ==========================================  ==========================
``s3://`` (s3fs)       ``FLYTE_AWS_ENDPOINT``                      ``client_kwargs.endpoint_url``
                       ``FLYTE_AWS_ACCESS_KEY_ID``                 ``key``
                       ``FLYTE_AWS_SECRET_ACCESS_KEY``             ``secret``
                       ``FLYTE_AWS_ADDRESSING_STYLE``              ``config_kwargs.s3.addressing_style``
``abfs://`` (adlfs)    ``FLYTE_AZURE_STORAGE_ACCOUNT_NAME``        ``account_name``
                       ``FLYTE_AZURE_STORAGE_ACCOUNT_KEY``         ``account_key``
                       ``FLYTE_AZURE_TENANT_ID``                   ``tenant_id``
                       ``FLYTE_AZURE_CLIENT_ID``                   ``client_id``
                       ``FLYTE_AZURE_CLIENT_SECRET``               ``client_secret``
``gs://`` (gcsfs)      none: gcsfs finds Google's credentials itself (``GOOGLE_APPLICATION_CREDENTIALS``)
=====================  ==========================================  ==========================

An unset variable leaves the store's own defaults in place (for S3, boto's chain: ``AWS_*``
variables, ``~/.aws``, the pod's role).
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["AZURE_VARIABLES", "S3_VARIABLES", "storage_options"]

#: flytekit's S3 variables and the s3fs options they set.
S3_VARIABLES = {
    "FLYTE_AWS_ACCESS_KEY_ID": "key",
    "FLYTE_AWS_SECRET_ACCESS_KEY": "secret",
}
S3_ENDPOINT = "FLYTE_AWS_ENDPOINT"
S3_ADDRESSING_STYLE = "FLYTE_AWS_ADDRESSING_STYLE"

#: flytekit's Azure variables and the adlfs options they set.
AZURE_VARIABLES = {
    "FLYTE_AZURE_STORAGE_ACCOUNT_NAME": "account_name",
    "FLYTE_AZURE_STORAGE_ACCOUNT_KEY": "account_key",
    "FLYTE_AZURE_TENANT_ID": "tenant_id",
    "FLYTE_AZURE_CLIENT_ID": "client_id",
    "FLYTE_AZURE_CLIENT_SECRET": "client_secret",
}


def storage_options(protocol: str) -> dict[str, Any]:
    """The options of the fsspec filesystem for ``protocol``, read from the environment now."""
    env = os.environ
    if protocol == "file":
        return {"auto_mkdir": True}
    if protocol in ("s3", "s3a"):
        options: dict[str, Any] = {
            option: env[name] for name, option in S3_VARIABLES.items() if env.get(name)
        }
        if env.get(S3_ENDPOINT):
            options["client_kwargs"] = {"endpoint_url": env[S3_ENDPOINT]}
        if env.get(S3_ADDRESSING_STYLE):
            options["config_kwargs"] = {"s3": {"addressing_style": env[S3_ADDRESSING_STYLE]}}
        return options
    if protocol in ("abfs", "abfss"):
        return {option: env[name] for name, option in AZURE_VARIABLES.items() if env.get(name)}
    return {}
