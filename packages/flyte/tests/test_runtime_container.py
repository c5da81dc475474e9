"""What `flyte serialize` writes runs as a backend would run it: the container args, the bundle, the entry point."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from flyteidl.admin import task_pb2
from flyteidl.core import errors_pb2, literals_pb2

from flyte.cli import main
from flyte.types import TypeEngine

FLOWS = """
import flyte

env = flyte.TaskEnvironment(name="shop")

@env.task
def total(prices: list[float], discount: float = 0.0) -> float:
    return sum(prices) * (1 - discount)

@env.task
def refuse(x: int) -> int:
    raise PermissionError(f"no access to {x}")
"""


@pytest.fixture
def serialized(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Path]:
    src = tmp_path / "src"
    (src / "shop").mkdir(parents=True)
    (src / "shop" / "__init__.py").write_text("")
    (src / "shop" / "flows.py").write_text(textwrap.dedent(FLOWS))
    out = tmp_path / "out"
    argv = ["serialize", str(src / "shop" / "flows.py"), "--root-dir", str(src)]
    assert main([*argv, "--project", "p", "--domain", "d", "-o", str(out)]) == 0
    assert "wrote 2 task(s) and the code bundle" in capsys.readouterr().out
    yield out
    for name in ("shop", "shop.flows"):
        sys.modules.pop(name, None)
    if str(src) in sys.path:
        sys.path.remove(str(src))


def _container_command(out: Path, index: int, work: Path) -> list[str]:
    """The container's args, with the placeholders filled in as flytectl and the backend would."""
    (spec_file,) = out.glob(f"{index}_*.pb")
    spec = task_pb2.TaskSpec()
    spec.ParseFromString(spec_file.read_bytes())
    (bundle,) = out.glob("fast*.tar.gz")
    fill = {
        "{{.input}}": str(work / "inputs.pb"),
        "{{.outputPrefix}}": str(work / "outputs"),
        "{{.rawOutputDataPrefix}}": str(work / "raw"),
        "{{ .remote_package_path }}": str(bundle),
        "{{ .dest_dir }}": str(work / "code"),
    }
    args = [fill.get(a, a) for a in spec.template.container.args]
    assert args[0] == "flyte-execute"
    executable = shutil.which("flyte-execute", path=os.path.dirname(sys.executable))
    prefix = [executable] if executable else [sys.executable, "-m", "flyte._runtime._entrypoint"]
    return prefix + args[1:]


def _write_inputs(path: Path, values: dict[str, object], types: dict[str, type]) -> None:
    literal_map = asyncio.run(TypeEngine.to_literal_map(values, types))
    path.write_bytes(literal_map.SerializeToString())


def test_a_serialized_task_runs_from_its_code_bundle_in_a_clean_process(
    serialized: Path, tmp_path: Path
) -> None:
    work = tmp_path / "pod"
    work.mkdir()
    _write_inputs(work / "inputs.pb", {"prices": [10.0, 30.0]}, {"prices": list[float]})
    done = subprocess.run(
        _container_command(serialized, 0, work), cwd=work, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    outputs = literals_pb2.LiteralMap()
    outputs.ParseFromString((work / "outputs" / "outputs.pb").read_bytes())
    assert outputs.literals["o0"].scalar.primitive.float_value == 40.0
    assert (work / "code" / "shop" / "flows.py").is_file()


def test_a_failing_task_leaves_a_user_error_document(serialized: Path, tmp_path: Path) -> None:
    work = tmp_path / "pod"
    work.mkdir()
    _write_inputs(work / "inputs.pb", {"x": 7}, {"x": int})
    done = subprocess.run(
        _container_command(serialized, 1, work), cwd=work, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    document = errors_pb2.ErrorDocument()
    document.ParseFromString((work / "outputs" / "error.pb").read_bytes())
    assert document.error.code == "USER:PermissionError"
    assert "no access to 7" in document.error.message
    assert not (work / "outputs" / "outputs.pb").exists()


def test_serialize_of_a_file_without_tasks_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty_flows.py"
    empty.write_text("x = 1\n")
    try:
        assert main(["serialize", str(empty), "-o", str(tmp_path / "out")]) == 1
    finally:
        sys.modules.pop("empty_flows", None)
    assert "defines no tasks" in capsys.readouterr().err


@pytest.mark.parametrize("output", ["flyte-package.tgz", "out"])
def test_serializing_twice_into_the_tree_gives_the_same_version(
    output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    (src / "shop").mkdir(parents=True)
    (src / "shop" / "flows.py").write_text(textwrap.dedent(FLOWS))
    argv = ["serialize", str(src / "shop" / "flows.py"), "--root-dir", str(src)]
    argv += ["-o", str(src / output)]
    printed = []
    for _ in range(2):
        assert main(argv) == 0
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    assert "version " in printed[0]
    if output.endswith(".tgz"):
        with tarfile.open(src / output) as package:
            (bundle,) = (m for m in package.getmembers() if m.name.startswith("fast"))
            data = package.extractfile(bundle)
            assert data is not None
            with tarfile.open(fileobj=data, mode="r:gz") as code:
                assert code.getnames() == ["shop/flows.py"]
