"""What a failed read or write raises: :class:`StorageError`, naming the path and the way out."""

from __future__ import annotations

from flyte._storage._config import AZURE_VARIABLES, S3_ENDPOINT, S3_VARIABLES
from flyte._storage._paths import protocol
from flyte.errors import FlyteError

__all__ = ["EXTRAS", "StorageError", "missing_filesystem", "storage_error"]

#: The optional extra of flyte-core, and the filesystem it installs, for each store.
EXTRAS = {
    "s3": ("s3", "s3fs"),
    "s3a": ("s3", "s3fs"),
    "gs": ("gcs", "gcsfs"),
    "gcs": ("gcs", "gcsfs"),
    "abfs": ("abfs", "adlfs"),
    "abfss": ("abfs", "adlfs"),
    "az": ("abfs", "adlfs"),
}


class StorageError(FlyteError, OSError):
    """A file, folder or URI could not be read or written; the message names it and why.

    ``__cause__`` is the store's own exception (a ``FileNotFoundError`` for a path that is not
    there, a ``PermissionError`` for one the store refuses).
    """


def storage_error(action: str, uri: str, exc: BaseException) -> StorageError:
    """The :class:`StorageError` for ``exc``, raised while ``action`` (``read``, ...) ``uri``."""
    if isinstance(exc, StorageError):
        return exc
    return StorageError(f"cannot {action} {uri}: {_reason(uri, exc)}")


def missing_filesystem(uri: str) -> StorageError:
    """The error for a URI whose filesystem is not installed."""
    scheme = protocol(uri)
    extra, package = EXTRAS.get(scheme, ("", ""))
    if extra:
        how = f"pip install 'flyte-core[{extra}]' (it installs fsspec and {package})"
    else:
        how = f"install the fsspec filesystem for {scheme}://"
    return StorageError(f"cannot reach {uri}: {scheme}:// needs {how}")


def _reason(uri: str, exc: BaseException) -> str:
    name = type(exc).__name__
    scheme = protocol(uri)
    if name in ("NoCredentialsError", "PartialCredentialsError") or (
        isinstance(exc, PermissionError) and scheme not in ("file", "memory")
    ):
        return f"{name}: {exc}; {_credentials_hint(scheme)}"
    if isinstance(exc, FileNotFoundError):
        return f"it does not exist ({name}: {exc})" if str(exc) else "it does not exist"
    if isinstance(exc, IsADirectoryError):
        return f"it is a folder, not a file ({exc})"
    return f"{name}: {exc}"


def _credentials_hint(scheme: str) -> str:
    if scheme in ("s3", "s3a"):
        names = ", ".join([*S3_VARIABLES, S3_ENDPOINT])
        return (
            f"the store refused the request or found no credentials: set {names} (the variables "
            f"flytekit reads), or AWS's own (AWS_ACCESS_KEY_ID, ~/.aws, the pod's role)"
        )
    if scheme in ("abfs", "abfss", "az"):
        return f"check the credentials: set {', '.join(AZURE_VARIABLES)}"
    if scheme in ("gs", "gcs"):
        return "check the credentials: set GOOGLE_APPLICATION_CREDENTIALS"
    return "check the credentials of the store"
