"""Bench-only virtual environments for the SDKs the benchmarks compare against.

    python = baseline_python("flytekit", ["flytekit==1.16.31"])
    subprocess.run([python, "-c", code])

Each environment lives under .nox/bench-<name>/ and is made once with uv, then reused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["baseline_python", "run_in"]

ROOT = Path(__file__).resolve().parent.parent


def baseline_python(name: str, requirements: list[str]) -> str:
    """The interpreter of a bench-only venv named ``name`` holding ``requirements``."""
    home = ROOT / ".nox" / f"bench-{name}"
    python = home / "bin" / "python"
    stamp = home / "requirements.txt"
    wanted = "\n".join(requirements)
    if python.is_file() and stamp.is_file() and stamp.read_text() == wanted:
        return str(python)
    uv = shutil.which("uv") or "uv"
    subprocess.run(
        [uv, "venv", "--quiet", "--clear", "--python", sys.executable, str(home)], check=True
    )
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(python), *requirements], check=True
    )
    stamp.write_text(wanted)
    return str(python)


def run_in(python: str, code: str, *args: str) -> str:
    """Run ``code`` with the interpreter ``python`` and return what it printed."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [python, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"baseline run failed:\n{out.stderr}")
    return out.stdout
