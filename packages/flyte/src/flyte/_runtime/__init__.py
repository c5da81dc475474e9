"""The container entry point and local runs, which take the same path (private; see flyte.run)."""

from flyte._runtime._entrypoint import main
from flyte._runtime._local import run, run_async

__all__ = ["main", "run", "run_async"]
