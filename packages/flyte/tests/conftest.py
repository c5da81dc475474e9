"""Fixtures of flyte-core's own tests: isolated registries and real distributions on sys.path."""

from __future__ import annotations

import ast
import io
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flyte.extend import TaskTemplate


@pytest.fixture(autouse=True)
def _local_cache_of_its_own(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test has an empty local cache of its own, never the user's (nor another test's)."""
    monkeypatch.setenv("FLYTE_LOCAL_CACHE_DIR", str(tmp_path_factory.mktemp("local-cache")))


@pytest.fixture(autouse=True)
def _isolated_registries(flyte_registries: None) -> None:
    """Every test starts from a fresh scan and leaves the registries as it found them.

    ``flyte_registries`` is the fixture of flyte's own pytest plugin (``flyte.testing``).
    """


@pytest.fixture(autouse=True)
def _user_modules_forgotten(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Task files a test loads (from its temporary folder) are forgotten after it.

    Loading a task file puts its folder on ``sys.path`` and its module in ``sys.modules``, as a
    container does; left there, the next test's ``wf.py`` would meet the last one's.
    """
    base = str(tmp_path_factory.getbasetemp())
    path = list(sys.path)
    yield
    sys.path[:] = path
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(base):
            del sys.modules[name]


MakeDist = Callable[..., Path]


@pytest.fixture
def make_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeDist]:
    """Write a distribution (dist-info, entry points, modules) that importlib.metadata finds.

    ``make_dist("acme-types", entry_points={"flyte.transformers": {"acme": "acme_types"}},
    modules={"acme_types": "..."}, requires=["flyte-core>=99"])``
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    made_modules: list[str] = []

    def make(
        name: str,
        *,
        version: str = "1.0",
        entry_points: dict[str, dict[str, str]],
        modules: dict[str, str] | None = None,
        requires: list[str] | None = None,
    ) -> Path:
        for module, source in (modules or {}).items():
            (site / f"{module}.py").write_text(textwrap.dedent(source))
            made_modules.append(module)
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        metadata += [f"Requires-Dist: {r}" for r in requires or []]
        (info / "METADATA").write_text("\n".join(metadata) + "\n")
        sections = []
        for group, entries in entry_points.items():
            sections.append(f"[{group}]")
            sections += [f"{ep} = {value}" for ep, value in entries.items()]
        (info / "entry_points.txt").write_text("\n".join(sections) + "\n")
        return info

    yield make
    for module in made_modules:
        sys.modules.pop(module, None)


ModulesLoadedBy = Callable[..., list[str]]


@pytest.fixture
def modules_loaded_by() -> ModulesLoadedBy:
    """Run Python code in a fresh interpreter and name the modules it has loaded by its end.

    ``modules_loaded_by("import flyte", "flyteidl", "grpc")``: the sorted names in the child's
    ``sys.modules`` that start with one of the prefixes given after the code.
    """

    def loaded(code: str, *prefixes: str) -> list[str]:
        # Printed to stderr, as the last line: the code may print to stdout (a --help).
        probe = (
            f"{code}\nimport sys\n"
            f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})), file=sys.stderr)\n"
        )
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        names: list[str] = ast.literal_eval(done.stderr.splitlines()[-1])
        return names

    return loaded


@dataclass
class Interrupted:
    """What a script interrupted by :func:`interrupt` did: its exit code, stderr and log."""

    returncode: int
    stderr: str
    log: str


Interrupt = Callable[..., Interrupted]


def _as_a_terminal_starts_it() -> None:
    # A shell without job control starts background commands with SIGINT ignored, and a
    # Python started so never raises KeyboardInterrupt: give the child a terminal's Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def interrupt(tmp_path: Path) -> Interrupt:
    """Run a script until it prints ``polling``, send it a signal, and report how it ended.

    ``interrupt(source, signum, *arguments)`` writes ``source`` to a file and runs it with the
    path of a log file as its first argument, then ``arguments``; the script gets 30 seconds
    to end after the signal.
    """

    def run(source: str, signum: int, *arguments: str) -> Interrupted:
        script = tmp_path / "interrupted.py"
        script.write_text(source)
        log = tmp_path / "log"
        command = [sys.executable, str(script), str(log), *arguments]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            preexec_fn=_as_a_terminal_starts_it,
        ) as proc:
            assert proc.stdout is not None
            assert proc.stdout.readline() == b"polling\n"
            proc.send_signal(signum)
            try:
                _, stderr = proc.communicate(timeout=30)
            finally:
                proc.kill()
        return Interrupted(
            proc.returncode, stderr.decode(), log.read_text() if log.exists() else ""
        )

    return run


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """The process's status line drawn on a terminal, quiet unset."""
    from flyte._progress import QUIET_ENV, status

    stream = Terminal()
    # pytest swaps sys.stderr at every phase of a test, so the line gets its stream directly.
    monkeypatch.setattr(status, "_stream", stream)
    monkeypatch.delenv(QUIET_ENV, raising=False)
    return stream


@pytest.fixture
def count_orders() -> TaskTemplate:
    """A SQL task (a warehouse plugin's shape: a SQL target, no body) counting a day's orders,
    its toy warehouse's connector registered: the count is the length of the day."""
    from flyteidl.core import tasks_pb2
    from flyteidl.core.execution_pb2 import TaskExecution

    from flyte.connectors import AsyncConnector, ConnectorRegistry, Resource, ResourceMeta
    from flyte.models import NativeInterface, SerializationContext

    @dataclass
    class QueryMeta(ResourceMeta):
        day: str

    class Query(TaskTemplate):
        task_type = "toy_sql"

        def sql(self, sctx: SerializationContext) -> tasks_pb2.Sql:
            return tasks_pb2.Sql(
                statement="select count(*) from orders where day = {{ .inputs.day }}"
            )

    class ToyWarehouse(AsyncConnector):
        name = "Toy Warehouse"
        task_type_name = "toy_sql"
        metadata_type = QueryMeta

        async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> QueryMeta:
            assert task_template.sql.statement.startswith("select count(*)")
            return QueryMeta(day=inputs["day"])

        async def get(self, resource_meta: QueryMeta, **kwargs: Any) -> Resource:
            return Resource(phase=TaskExecution.SUCCEEDED, outputs={"o0": len(resource_meta.day)})

    ConnectorRegistry.register(ToyWarehouse())
    return Query("count_orders", NativeInterface(inputs={"day": str}, outputs={"o0": int}))
