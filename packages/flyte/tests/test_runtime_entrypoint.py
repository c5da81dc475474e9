"""The container entry point: whatever fails, the backend gets an error document, never a bare crash."""

from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import sys
import tarfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, execution_pb2

from flyte._runtime._entrypoint import main
from flyte.types import TypeEngine

TASKS = """
import flyte

env = flyte.TaskEnvironment(name="rt")

@env.task
def hello() -> None:
    pass

@env.task
def greet(name: str, times: int = 1) -> str:
    return name * times

class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("this exception cannot be printed")

@env.task
def unprintable() -> None:
    raise Unprintable("quota", 3)

@env.task
def refuse() -> None:
    raise PermissionError("no access to the bucket")

not_a_task = 42
"""


@pytest.fixture
def code(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "rt_tasks.py").write_text(textwrap.dedent(TASKS))
    (folder / "rt_exits.py").write_text("import sys\nsys.exit('no config found')\n")
    yield folder
    sys.modules.pop("rt_tasks", None)
    sys.modules.pop("rt_exits", None)
    if str(folder) in sys.path:
        sys.path.remove(str(folder))


def _error(prefix: Path) -> errors_pb2.ContainerError:
    assert not (prefix / "outputs.pb").exists()
    document = errors_pb2.ErrorDocument()
    document.ParseFromString((prefix / "error.pb").read_bytes())
    return document.error


def _run(code: Path, inputs: Path, out: Path, module: str = "rt_tasks", task: str = "hello") -> int:
    argv = ["--inputs", str(inputs), "--output-prefix", str(out), "--dest", str(code)]
    return main([*argv, "--module", module, "--task", task])


def test_missing_inputs_file_is_a_system_error_document(code: Path, tmp_path: Path) -> None:
    assert _run(code, tmp_path / "nowhere.pb", tmp_path / "out") == 0
    error = _error(tmp_path / "out")
    assert error.code == "SYSTEM:InputsReadError"
    assert error.origin == execution_pb2.ExecutionError.SYSTEM
    assert error.kind == errors_pb2.ContainerError.NON_RECOVERABLE
    assert "nowhere.pb" in error.message


def test_inputs_that_are_not_a_literal_map_give_an_error_document(
    code: Path, tmp_path: Path
) -> None:
    inputs = tmp_path / "inputs.pb"
    inputs.write_bytes(b"h\x01p\x02")  # parses as a message, but only of unknown fields
    assert _run(code, inputs, tmp_path / "out") == 0
    error = _error(tmp_path / "out")
    assert error.code == "SYSTEM:InputsParseError"
    assert "is not a LiteralMap" in error.message


def test_a_module_that_does_not_import_is_a_user_error(code: Path, tmp_path: Path) -> None:
    assert _run(code, tmp_path / "in.pb", tmp_path / "out", module="no_such_module") == 0
    error = _error(tmp_path / "out")
    assert error.code == "USER:TaskLoadError"
    assert "No module named 'no_such_module'" in error.message


def test_an_attribute_that_is_not_a_task_is_named(code: Path, tmp_path: Path) -> None:
    assert _run(code, tmp_path / "in.pb", tmp_path / "out", task="not_a_task") == 0
    assert "rt_tasks.not_a_task is 42, not a task" in _error(tmp_path / "out").message


def test_console_script_writes_the_document_and_exits_zero(code: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["--inputs", str(tmp_path / "none.pb"), "--output-prefix", str(out)]
    argv += ["--dest", str(code), "--module", "rt_tasks", "--task", "hello"]
    script = "import sys; from flyte._runtime._entrypoint import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _error(out).code == "SYSTEM:InputsReadError"


def test_an_unwritable_output_prefix_exits_nonzero_with_the_tasks_error_on_stderr(
    code: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    inputs = tmp_path / "inputs.pb"
    inputs.write_bytes(b"")
    assert _run(code, inputs, blocker / "out", task="refuse") == 1
    err = capsys.readouterr().err
    assert f"could not write the error document to {blocker / 'out' / 'error.pb'}" in err
    assert "NotADirectoryError" in err
    assert (
        "The error it holds (USER:PermissionError):\nPermissionError: no access to the bucket"
        in err
    )


def test_an_exception_that_cannot_be_printed_is_still_the_users_error(
    code: Path, tmp_path: Path
) -> None:
    inputs = tmp_path / "inputs.pb"
    inputs.write_bytes(b"")
    assert _run(code, inputs, tmp_path / "out", task="unprintable") == 0
    error = _error(tmp_path / "out")
    assert error.code == "USER:Unprintable"
    assert error.origin == execution_pb2.ExecutionError.USER
    assert error.message.startswith("Unprintable('quota', 3) (its __str__ raised RuntimeError)")


def test_sys_exit_while_the_module_imports_is_a_user_load_error(code: Path, tmp_path: Path) -> None:
    assert _run(code, tmp_path / "in.pb", tmp_path / "out", module="rt_exits") == 0
    error = _error(tmp_path / "out")
    assert error.code == "USER:TaskLoadError"
    assert error.origin == execution_pb2.ExecutionError.USER
    assert error.message.startswith("SystemExit: no config found")


def test_object_store_uris_go_through_fsspec(code: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    store = fsspec.filesystem("memory")
    argv = ["--inputs", "memory://run/inputs.pb", "--output-prefix", "memory://run/out"]
    assert main([*argv, "--dest", str(code), "--module", "rt_tasks", "--task", "hello"]) == 0
    document = errors_pb2.ErrorDocument()
    document.ParseFromString(store.cat("memory://run/out/error.pb"))
    assert document.error.code == "SYSTEM:InputsReadError"
    store.pipe("memory://run/inputs.pb", b"")  # an empty LiteralMap: the task takes no inputs
    assert main([*argv, "--dest", str(code), "--module", "rt_tasks", "--task", "hello"]) == 0
    assert store.exists("memory://run/out/outputs.pb")
    store.rm("memory://run", recursive=True)


def test_an_input_the_task_does_not_declare_is_a_user_error_naming_it(
    code: Path, tmp_path: Path
) -> None:
    inputs = tmp_path / "inputs.pb"
    literals = TypeEngine.to_literal_map_sync({"name": "a", "time": 3}, {"name": str, "time": int})
    inputs.write_bytes(literals.SerializeToString())
    assert _run(code, inputs, tmp_path / "out", task="greet") == 0
    error = _error(tmp_path / "out")
    assert error.code == "USER:InputsMismatch"
    assert error.origin == execution_pb2.ExecutionError.USER
    assert "task 'rt.greet' has no input 'time'; its inputs are name, times" in error.message


SLEEPERS = """
import asyncio, os, signal, time
from dataclasses import dataclass
from flyteidl.core.execution_pb2 import TaskExecution
import flyte
from flyte.connectors import (AsyncConnector, AsyncConnectorExecutorMixin, ConnectorRegistry,
                              PollPolicy, Resource, ResourceMeta)
from flyte.extend import TaskTemplate
from flyte.models import NativeInterface

env = flyte.TaskEnvironment(name="sleepers")

@env.task
def sleeps() -> None:
    print("started", flush=True)
    time.sleep(60)

@env.task
async def sleeps_async() -> None:
    print("started", flush=True)
    await asyncio.sleep(60)

@env.task
async def in_a_callback() -> None:
    # SIGTERM while the event loop runs a callback: the handler runs in asyncio's own frame.
    print("started", flush=True)
    asyncio.get_running_loop().call_soon(signal.raise_signal, signal.SIGTERM)
    await asyncio.sleep(60)

@dataclass
class Meta(ResourceMeta):
    pass

class Forever(AsyncConnector):
    name = "Forever"
    task_type_name = "forever_in_a_pod"
    metadata_type = Meta

    async def create(self, task_template, inputs=None, **kwargs):
        return Meta()

    async def get(self, resource_meta, **kwargs):
        print("started", flush=True)
        return Resource(phase=TaskExecution.RUNNING)

    async def delete(self, resource_meta, **kwargs):
        await asyncio.sleep(0.05)
        with open(os.environ["DELETE_LOG"], "a") as log:
            log.write("deleted\\n")

class ForeverTask(AsyncConnectorExecutorMixin, TaskTemplate):
    task_type = "forever_in_a_pod"
    poll_policy = PollPolicy(first_interval=0.01, max_interval=0.05)

ConnectorRegistry.register(Forever())
polls = ForeverTask("polls", NativeInterface())
"""


@pytest.mark.parametrize("task", ["sleeps", "sleeps_async", "in_a_callback", "polls"])
def test_sigterm_leaves_a_recoverable_system_error_document(tmp_path: Path, task: str) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "rt_sleepers.py").write_text(SLEEPERS)
    (tmp_path / "inputs.pb").write_bytes(b"")
    out = tmp_path / "out"
    argv = ["--inputs", str(tmp_path / "inputs.pb"), "--output-prefix", str(out)]
    argv += ["--dest", str(code), "--module", "rt_sleepers", "--task", task]
    log = tmp_path / "deleted.log"
    # faulthandler: a child that hangs is made to print every thread's stack (SIGABRT).
    env = {**os.environ, "DELETE_LOG": str(log), "PYTHONFAULTHANDLER": "1"}
    command = [sys.executable, "-m", "flyte._runtime._entrypoint", *argv]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"started\n"
        if task != "in_a_callback":  # which signals itself
            proc.send_signal(signal.SIGTERM)
        try:
            _, stderr = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            _, stderr = proc.communicate()
            pytest.fail(f"flyte-execute did not end after SIGTERM; its stacks:\n{stderr.decode()}")
        finally:
            proc.kill()
    assert proc.returncode == 0, stderr.decode()
    error = _error(out)
    assert error.code == "SYSTEM:Terminated"
    assert error.kind == errors_pb2.ContainerError.RECOVERABLE
    assert error.origin == execution_pb2.ExecutionError.SYSTEM
    assert error.message.startswith("Terminated: flyte-execute received SIGTERM while the task ran")
    if task == "polls":
        assert log.read_text() == "deleted\n"


def test_a_bundle_with_a_symlink_chain_is_a_user_load_error_and_writes_nothing(
    tmp_path: Path,
) -> None:
    # CVE-2025-4517's shape: links whose resolved path outgrows PATH_MAX fool tarfile's filter.
    long_name, steps, members = "d" * 247, "abcdefghijklmnop", []
    path = ""
    for step in steps:
        members += [(os.path.join(path, long_name), tarfile.DIRTYPE, "")]
        members += [(os.path.join(path, step), tarfile.SYMTYPE, long_name)]
        path = os.path.join(path, long_name)
    link = os.path.join(*steps, "l" * 254)
    members += [(link, tarfile.SYMTYPE, "../" * len(steps))]
    outside = tmp_path / "outside"
    outside.mkdir()
    members += [("escape", tarfile.SYMTYPE, link + "/.." * (len(steps) + 1) + str(outside))]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, target in members:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            tar.addfile(info)
        payload = tarfile.TarInfo("escape/rt_evil.py")
        payload.size = 5
        tar.addfile(payload, io.BytesIO(b"x = 1"))
    bundle = tmp_path / "fast1.tar.gz"
    bundle.write_bytes(gzip.compress(raw.getvalue()))
    dest, out = tmp_path / "dest", tmp_path / "out"
    argv = ["--inputs", str(tmp_path / "in.pb"), "--output-prefix", str(out)]
    argv += ["--code-bundle", str(bundle), "--dest", str(dest)]
    assert main([*argv, "--module", "rt_evil", "--task", "t"]) == 0
    assert list(outside.iterdir()) == []
    error = _error(out)
    assert error.code == "USER:TaskLoadError"
    assert "CodeBundleError" in error.message
    assert "'a' is a symbolic link" in error.message
    assert not dest.exists() or list(dest.iterdir()) == []
