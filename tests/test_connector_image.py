"""The example app's Dockerfile, run without Docker: its install and start commands in a fresh venv.

The Dockerfile's instructions are read and carried out in order on a folder standing for the
image's file system: ``WORKDIR`` and ``COPY`` (from the build context, the repository's root,
where ``dist/`` holds the wheels nox built), ``ENV``, each ``RUN`` with bash and the venv's
``pip`` first on ``PATH``, then ``CMD`` itself, with its ports swapped for free ones and its host
for loopback. The started service must answer its gRPC health check, list the app's connectors
and serve its metrics; then it must stop cleanly on SIGTERM, as a pod does.

Runs on the Python the image's ``FROM`` names (elsewhere it is skipped: the wheels are tested on
every Python by the other tests), with the package index pip is configured with.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import grpc
import pytest

from flyte.testing import HealthStub, free_port, list_agents

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "apps" / "custom_connector_app"
DOCKERFILE = APP / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions, (INSTRUCTION, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


class Image:
    """A folder standing for the image's file system, and the venv that stands for its Python."""

    def __init__(self, root: Path, venv: Path, wheelhouse: Path) -> None:
        self.root = root
        self.venv = venv
        self.wheelhouse = wheelhouse
        self.workdir = root
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
            "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def path(self, text: str) -> str:
        """``text`` with each absolute path of the image moved under the folder."""
        return re.sub(r"(?<![\w.$/-])/(?=[\w.-])", f"{self.root}/", text)

    def copy(self, arguments: str) -> None:
        *sources, target = arguments.split()
        destination = Path(self.path(target))
        for source in sources:
            # The build context is the repository's root; its dist/ is the wheels nox built.
            context = str(self.wheelhouse) if source.startswith("dist/") else str(ROOT)
            pattern = source.removeprefix("dist/") if source.startswith("dist/") else source
            matches = sorted(glob.glob(os.path.join(context, pattern)))
            assert matches, f"COPY {source}: nothing matches in the build context"
            for match in matches:
                if os.path.isdir(match):
                    shutil.copytree(match, destination, dirs_exist_ok=True)
                else:
                    destination.mkdir(parents=True, exist_ok=True)
                    shutil.copy(match, destination)

    def run(self, command: str) -> None:
        out = subprocess.run(
            ["bash", "-c", self.path(command)],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, f"RUN {command} failed:\n{out.stdout}\n{out.stderr}"


def _image_python() -> str:
    (image,) = [rest for keyword, rest in instructions(DOCKERFILE.read_text()) if keyword == "FROM"]
    match = re.match(r"python:(\d+\.\d+)", image)
    assert match, f"FROM {image}: expected a python:X.Y image"
    return match.group(1)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    python = _image_python()
    if f"{sys.version_info.major}.{sys.version_info.minor}" != python:
        pytest.skip(f"the image runs Python {python}; this is Python {sys.version.split()[0]}")
    wheelhouse = os.environ.get("FLYTE_TEST_WHEELHOUSE")
    if not wheelhouse:
        pytest.fail("FLYTE_TEST_WHEELHOUSE is not set: run through `nox -s installed_wheels`")
    base = tmp_path_factory.mktemp("image")
    venv = base / "venv"
    # The image's own Python comes with pip, as python:*-slim does.
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return Image(base / "fs", venv, Path(wheelhouse))


def test_the_dockerfile_installs_and_starts_a_healthy_service(image: Image) -> None:
    command: list[str] = []
    for keyword, arguments in instructions(DOCKERFILE.read_text()):
        if keyword == "WORKDIR":
            image.workdir = Path(image.path(arguments))
            image.workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            image.copy(arguments)
        elif keyword == "ENV":
            name, _, value = arguments.partition("=")
            image.env[name] = image.path(value)
        elif keyword == "RUN":
            image.run(arguments)
        elif keyword == "CMD":
            command = json.loads(arguments)
        else:
            assert keyword in ("FROM", "EXPOSE"), f"the test does not know {keyword}"
    assert command[:3] == ["flyte", "serve", "connector"], command
    port, metrics_port = free_port(), free_port()
    swapped = {"0.0.0.0": "127.0.0.1", "8000": str(port), "9090": str(metrics_port)}
    command = [swapped.get(part, part) for part in command]
    command[0] = str(image.venv / "bin" / "flyte")
    service = subprocess.Popen(
        command,
        cwd=image.workdir,
        env=image.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    printed: list[str] = []
    try:
        assert service.stdout is not None
        for line in service.stdout:
            printed.append(line)
            if line.startswith("serving"):
                break
        assert printed, "the service printed nothing"
        assert printed[-1].startswith("serving"), "".join(printed)
        address = f"127.0.0.1:{port}"

        async def check() -> tuple[int, list[str]]:
            async with grpc.aio.insecure_channel(address) as channel:
                health = await HealthStub(channel).Check(HealthStub.Request(service=""))
            agents = await list_agents(address)
            return health.status, sorted(agent.name for agent in agents)

        status, agents = asyncio.run(check())
        assert status == HealthStub.SERVING
        assert agents == ["Batch Job Connector", "Word Count Connector"]
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics") as response:
            assert response.status == 200
    finally:
        service.send_signal(signal.SIGTERM)
        rest, _ = service.communicate(timeout=60)
    assert service.returncode == 0, "".join(printed) + rest
    assert "started 2 workers" in "".join(printed)
    assert rest.strip().endswith("stopped")


def test_the_guide_shows_the_example_dockerfile() -> None:
    guide = (ROOT / "docs" / "backend.md").read_text()
    blocks = re.findall(r"```dockerfile\n(.*?)```", guide, re.DOTALL)
    assert blocks == [DOCKERFILE.read_text()], "docs/backend.md must show the example's Dockerfile"
