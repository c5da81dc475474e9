#!/usr/bin/env python3
"""Run the project's nox sessions on a machine that has nothing but Python.

    python3 noxw.py                 # the whole test suite (nox's default sessions)
    python3 noxw.py -s demo         # the demo
    python3 noxw.py -l              # every session

On first use it makes .nox-bootstrap/, a virtual environment with pinned nox and uv, and runs
nox from there; later runs reuse it. Every argument goes to nox.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
BOOTSTRAP = ROOT / ".nox-bootstrap"
REQUIREMENTS = ["nox==2026.10.20", "uv==0.13.9"]


def _python() -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return BOOTSTRAP / scripts / ("python.exe" if os.name == "nt" else "python")


def _ensure_bootstrap() -> Path:
    stamp = BOOTSTRAP / "requirements.txt"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if stamp.is_file() and stamp.read_text() == wanted and _python().is_file():
        return _python()
    print(f"noxw: installing {' '.join(REQUIREMENTS)} into {BOOTSTRAP.name}/", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(BOOTSTRAP)
    subprocess.run(
        [
            str(_python()),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *REQUIREMENTS,
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return _python()


def main() -> int:
    """Make sure the bootstrap environment exists, then hand every argument to nox."""
    python = _ensure_bootstrap()
    # nox finds the uv it drives next to its own interpreter.
    env = dict(os.environ, PATH=os.pathsep.join([str(python.parent), os.environ.get("PATH", "")]))
    command = [str(python), "-m", "nox", "-f", str(ROOT / "noxfile.py"), *sys.argv[1:]]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
