"""Every build, test, lint and benchmark session of the project; `nox -l` shows the map.

Run through `python3 noxw.py` on a machine with nothing but Python: it installs nox and uv itself.
Sessions are parametrized by factors (package x Python version), never hand-listed. A Python
that is not installed is left out of the map, so a machine with fewer interpreters still runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nox
import nox.virtualenv

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
WHEELHOUSE = ROOT / ".nox" / "_wheelhouse"
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")

#: Each distribution of the project, by the short name sessions use, and its folder.
PACKAGES = {
    path.name if path.parent.name == "plugins" else "flyte": path
    for path in sorted([*ROOT.glob("packages/*"), *ROOT.glob("plugins/*")])
    if (path / "pyproject.toml").is_file()
}

TEST_REQUIREMENTS = ["pytest>=8", "pytest-asyncio>=0.23", "hypothesis>=6.100"]

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = [
    "lint",
    "typecheck",
    "tests",
    "installed_wheels",
    "interop",
    "soak",
    "examples",
    "demo",
]

#: flytekit, for the interop tests that check literals and templates cross between the SDKs.
FLYTEKIT = "flytekit==1.16.31"

#: What flyte-core can use but never requires: its extras, and pydantic for pydantic models.
#: flyte's tests run with them on the newest Python and without them on the others.
OPTIONAL_EXTRAS = "fsspec,metrics,s3,uvloop"
PYDANTIC = "pydantic>=2"

#: The S3-compatible server the tests, the interop session and the benchmarks start on loopback
#: (moto's server mode), pinned with the boto3 and botocore that s3fs's aiobotocore accepts: a
#: resolver left alone may pair moto's boto3 with a botocore aiobotocore refuses.
S3_TEST_SERVER = [
    "moto[server]==5.2.5",
    "s3fs==2026.9.0",
    "aiobotocore==3.10.0",
    "botocore==1.43.117",
    "boto3==1.43.117",
]


def _interpreter_version(executable: str) -> str:
    try:
        out = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _pyenv_root() -> Path | None:
    root = os.environ.get("PYENV_ROOT")
    if root:
        return Path(root)
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def _find_pythons() -> dict[str, str]:
    """Each supported Python installed here, by version; puts their real directories first on PATH.

    pyenv's shims fail for a version that PYENV_VERSION does not list, so pyenv's own version
    directories are searched first; anything else on PATH is run once to prove it works.
    """
    found: dict[str, str] = {}
    pyenv = _pyenv_root()
    for version in SUPPORTED_PYTHONS:
        candidates = []
        if pyenv is not None:
            dirs = sorted(
                (pyenv / "versions").glob(f"{version}.*"),
                key=lambda p: [int(x) for x in re.findall(r"\d+", p.name)],
                reverse=True,
            )
            candidates += [str(d / "bin" / f"python{version}") for d in dirs]
        on_path = shutil.which(f"python{version}")
        if on_path:
            candidates.append(on_path)
        if sys.version.startswith(f"{version}."):
            candidates.append(sys.executable)
        for candidate in candidates:
            if Path(candidate).is_file() and _interpreter_version(candidate) == version:
                found[version] = candidate
                break
    dirs = [str(Path(exe).parent) for exe in found.values()]
    os.environ["PATH"] = os.pathsep.join([*dirs, os.environ.get("PATH", "")])
    return found


INTERPRETERS = _find_pythons()
PYTHONS = list(INTERPRETERS)
# Sessions that need one interpreter take the newest installed one.
DEFAULT_PYTHON = PYTHONS[-1] if PYTHONS else None


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for package in PACKAGES.values():
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_wheels(session: nox.Session, out_dir: Path | None = None, *, sdist: bool = False) -> Path:
    """Build a wheel of every distribution (and sdists if asked) once per source state.

    Returns the folder holding them. Test sessions share the result, so the wheels they install
    are the ones a user would get.
    """
    target = out_dir or WHEELHOUSE / _sources_digest()
    expected = len(PACKAGES) * (2 if sdist else 1)
    if target.is_dir() and len(list(target.iterdir())) >= expected:
        return target
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    for path in PACKAGES.values():
        kinds = ["--wheel", "--sdist"] if sdist else ["--wheel"]
        session.run("uv", "build", *kinds, "--out-dir", str(staging), str(path), external=True)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def wheel_of(wheelhouse: Path, package: str) -> str:
    """The path of ``package``'s wheel in ``wheelhouse``."""
    dist = re.sub(r"[-.]", "_", _distribution_name(package))
    (wheel,) = wheelhouse.glob(f"{dist}-*.whl")
    return str(wheel)


def _distribution_name(package: str) -> str:
    text = (PACKAGES[package] / "pyproject.toml").read_text()
    match = re.search(r'^name\s*=\s*"([^"]+)"', text, re.MULTILINE)
    assert match, f"{package} has no project name"
    return match.group(1)


def install_project_wheels(session: nox.Session, *packages: str) -> Path:
    """Install the wheels of ``packages`` (and always flyte-core) as a user would get them.

    The project's own distributions come from the built files, never from the package index.
    """
    wheelhouse = build_wheels(session)
    names = dict.fromkeys(["flyte", *packages])
    session.install(*(wheel_of(wheelhouse, name) for name in names))
    return wheelhouse


@nox.session(python=PYTHONS)
@nox.parametrize("package", list(PACKAGES))
def tests(session: nox.Session, package: str) -> None:
    """Run one package's tests against its installed wheel."""
    wheelhouse = install_project_wheels(session, package)
    session.install(*TEST_REQUIREMENTS)
    if session.python == DEFAULT_PYTHON:
        # The object-store tests (the s3_store fixture) run here, and are skipped elsewhere.
        session.install(*S3_TEST_SERVER)
    if package == "flyte" and session.python == DEFAULT_PYTHON:
        core = Path(wheel_of(wheelhouse, "flyte")).as_uri()
        session.install(f"flyte-core[{OPTIONAL_EXTRAS}] @ {core}", PYDANTIC)
    session.run(
        "pytest",
        str(PACKAGES[package] / "tests"),
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        *session.posargs,
    )


@nox.session(python=PYTHONS)
def installed_wheels(session: nox.Session) -> None:
    """Run the cross-package tests of tests/ against every project wheel in a fresh venv."""
    wheelhouse = install_project_wheels(session, *PACKAGES)
    session.install(*TEST_REQUIREMENTS)
    session.run(
        "pytest",
        str(ROOT / "tests"),
        f"--ignore={ROOT / 'tests' / 'interop'}",
        f"--ignore={ROOT / 'tests' / 'soak'}",
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"FLYTE_TEST_WHEELHOUSE": str(wheelhouse)},
    )


@nox.session(python=DEFAULT_PYTHON)
def interop(session: nox.Session) -> None:
    """Check that literals and templates cross between this SDK and flytekit, both ways."""
    install_project_wheels(session, *PACKAGES)
    # kubernetes: flytekit's PodTemplate needs it to compare pod templates; prometheus-client:
    # flytekit's connector service, whose metrics ours must match.
    session.install(
        FLYTEKIT,
        "kubernetes",
        "prometheus-client",
        PYDANTIC,
        *S3_TEST_SERVER,
        *TEST_REQUIREMENTS,
    )
    session.run(
        "pytest",
        str(ROOT / "tests" / "interop"),
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        *session.posargs,
    )


@nox.session(python=DEFAULT_PYTHON)
def soak(session: nox.Session) -> None:
    """Load the connector service: 50,000 mixed requests from 32 clients, and SIGTERM under load.

    Once, on one Python, against the installed wheels as a deployment has them (on uvloop): the
    load is the point, not the interpreter, and it takes about a minute.
    """
    wheelhouse = install_project_wheels(session)
    core = Path(wheel_of(wheelhouse, "flyte")).as_uri()
    session.install(f"flyte-core[uvloop] @ {core}", *TEST_REQUIREMENTS)
    session.run(
        "pytest",
        str(ROOT / "tests" / "soak"),
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        *session.posargs,
    )


@nox.session(python=DEFAULT_PYTHON)
def build(session: nox.Session) -> None:
    """Build the wheel and sdist of every distribution into dist/."""
    shutil.rmtree(DIST, ignore_errors=True)
    build_wheels(session, DIST, sdist=True)
    session.log("built: " + ", ".join(sorted(p.name for p in DIST.iterdir())))


@nox.session(python=DEFAULT_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=DEFAULT_PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy, strict on the flyte package."""
    install_project_wheels(session, *PACKAGES)
    session.install("mypy>=1.10", *TEST_REQUIREMENTS)  # flyte.testing imports pytest
    session.run("mypy", "--strict", str(PACKAGES["flyte"] / "src" / "flyte"))


@nox.session(python=DEFAULT_PYTHON)
def examples(session: nox.Session) -> None:
    """Run every example against the installed wheels."""
    install_project_wheels(session, *PACKAGES)
    scripts = sorted((ROOT / "examples").rglob("main.py"))
    if not scripts:
        session.skip("no examples yet")
    for script in scripts:
        session.run("python", str(script))


@nox.session(python=DEFAULT_PYTHON)
def demo(session: nox.Session) -> None:
    """The main demo: install the packages, then run the local demo of every shipped plugin."""
    install_project_wheels(session, *PACKAGES)
    session.run("python", str(ROOT / "examples" / "demo.py"), *session.posargs)


@nox.session(python=DEFAULT_PYTHON)
def bench(session: nox.Session) -> None:
    """Run the benchmarks and print their tables (never part of the test suite).

    The scripts get the Pythons found here and the uv nox drives, to make each baseline SDK's
    venv on a Python that SDK supports (benchmarks/_baselines.py).
    """
    wheelhouse = install_project_wheels(session, *PACKAGES)
    # The connector service is measured as deployed: metrics on (flytekit's always are), uvloop.
    core = Path(wheel_of(wheelhouse, "flyte")).as_uri()
    session.install(f"flyte-core[metrics,uvloop] @ {core}")
    session.install(*S3_TEST_SERVER)  # bench_io's loopback S3 server
    uv = shutil.which(nox.virtualenv.UV)
    if uv is None:
        session.error(f"the benchmarks need uv; nox found none ({nox.virtualenv.UV!r})")
    env = {"FLYTE_BENCH_PYTHONS": json.dumps(INTERPRETERS), "FLYTE_BENCH_UV": uv}
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs, env=env)
