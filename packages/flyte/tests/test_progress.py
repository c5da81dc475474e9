"""Long work draws a live status line on a terminal, and stays quiet otherwise."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flyteidl.core import execution_pb2, literals_pb2, tasks_pb2
from flyteidl.core.execution_pb2 import TaskExecution

import flyte
from flyte._context import local_context
from flyte._progress import QUIET_ENV, StatusLine, status
from flyte.cli import main as flyte_cli
from flyte.connectors import AsyncConnector, PollPolicy, Resource, ResourceMeta
from flyte.connectors._polling import run_job


@dataclass
class JobMeta(ResourceMeta):
    job_id: str


class TwoPollConnector(AsyncConnector):
    """A job that is RUNNING with a log link at the first poll and SUCCEEDED at the second."""

    name = "Two Poll"
    task_type_name = "two_poll"
    metadata_type = JobMeta

    def __init__(self) -> None:
        self.polls = 0

    async def create(self, task_template: Any, inputs: Any = None, **kwargs: Any) -> JobMeta:
        return JobMeta(job_id="j1")

    async def get(self, resource_meta: JobMeta, **kwargs: Any) -> Resource:
        self.polls += 1
        link = execution_pb2.TaskLog(name="console", uri="https://logs/j1")
        phase = TaskExecution.RUNNING if self.polls == 1 else TaskExecution.SUCCEEDED
        return Resource(phase=phase, log_links=[link])

    async def delete(self, resource_meta: JobMeta, **kwargs: Any) -> None:
        pass


async def run_two_polls() -> None:
    await run_job(
        TwoPollConnector(),
        tasks_pb2.TaskTemplate(),
        literals_pb2.LiteralMap(),
        local_context("nightly"),
        policy=PollPolicy(first_interval=0.001),
    )


def test_the_line_is_redrawn_in_place_and_erased(terminal: io.StringIO) -> None:
    line = status
    line.show("building: 10 files", force=True)
    line.show("building: 2 files", force=True)
    line.clear()
    assert terminal.getvalue() == (
        "\rbuilding: 10 files" + "\rbuilding: 2 files " + "\r" + " " * 17 + "\r"
    )


def test_redraws_are_limited_but_a_forced_one_always_shows(terminal: io.StringIO) -> None:
    line = status
    for n in range(100):
        line.show(f"step {n}")
    line.show("the end", force=True)
    shown = terminal.getvalue()
    assert shown.count("\r") < 10
    assert shown.endswith("\rthe end")


def test_notes_print_above_the_live_line(terminal: io.StringIO) -> None:
    line = status
    line.show("waiting", force=True)
    line.note("logs: https://logs/1")
    assert terminal.getvalue() == "\rwaiting\r       \rlogs: https://logs/1\n"


def test_no_line_off_a_terminal_or_when_quiet(
    terminal: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = io.StringIO()
    StatusLine(piped).show("hidden", force=True)
    assert piped.getvalue() == ""
    monkeypatch.setenv(QUIET_ENV, "1")
    StatusLine(terminal).show("hidden", force=True)
    StatusLine(terminal).note("but notes stay")
    assert terminal.getvalue() == "but notes stay\n"


async def test_a_connector_jobs_phase_is_shown_live_with_its_log_links(
    terminal: io.StringIO,
) -> None:
    await run_two_polls()
    shown = terminal.getvalue()
    assert "[nightly] Two Poll: STARTING" in shown
    assert "[nightly] Two Poll: RUNNING" in shown
    assert "[nightly] logs: console: https://logs/j1\n" in shown
    assert shown.endswith("\r"), "the line is erased once the job ends"


async def test_off_a_terminal_a_connector_job_prints_only_its_log_links(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await run_two_polls()
    assert capsys.readouterr().err == "[nightly] logs: console: https://logs/j1\n"


def test_serializing_many_tasks_and_the_bundle_show_progress(
    terminal: io.StringIO, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    tasks = "\n".join(f"@env.task\ndef t{i}(x: int) -> int:\n    return x\n" for i in range(3))
    (source / "wf.py").write_text(
        "import flyte\nenv = flyte.TaskEnvironment(name='p')\n" + textwrap.dedent(tasks)
    )
    flyte.serialize(str(source / "wf.py"), output_dir=tmp_path / "out")
    shown = terminal.getvalue()
    assert f"code bundle of {source.resolve()}: compressing 1 files" in shown
    assert "serializing: 1 of 3 (p.t0)" in shown


def test_flyte_quiet_silences_the_line(
    terminal: io.StringIO, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "wf.py").write_text(
        "import flyte\nenv = flyte.TaskEnvironment(name='p')\n"
        "@env.task\ndef t(x: int) -> int:\n    return x\n"
    )
    monkeypatch.setenv(QUIET_ENV, "")  # restored after the test, as --quiet sets it
    code = flyte_cli(["serialize", str(tmp_path / "wf.py"), "-o", str(tmp_path / "o"), "--quiet"])
    assert code == 0
    assert terminal.getvalue() == ""
    assert not status.enabled()


def test_quiet_is_taken_by_nested_subcommands_too(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(QUIET_ENV, "")  # restored after the test, as --quiet sets it
    code = flyte_cli(["serve", "connector", "--quiet", "--tls-cert", "server.pem"])
    assert code == 2
    assert "TLS needs both a certificate (--tls-cert) and its key (--tls-key)" in (
        capsys.readouterr().err
    )
