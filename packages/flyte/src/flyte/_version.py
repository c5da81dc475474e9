"""The version of the flyte-core distribution, read from its metadata.

Imported only when ``flyte.__version__`` is first asked for: reading metadata imports
``importlib.metadata`` and its email parser, which ``import flyte`` must not pay for.
"""

from __future__ import annotations

import importlib.metadata

__all__ = ["__version__"]

try:
    __version__ = importlib.metadata.version("flyte-core")
except importlib.metadata.PackageNotFoundError:
    # A source tree on sys.path, not installed as a distribution: there is no version to read.
    __version__ = "0+unknown"
