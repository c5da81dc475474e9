"""`flyte plugins`: the table, the JSON and the strict exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from flyte.cli import main


def test_plugins_table_lists_each_plugin_with_its_status_and_error(make_dist, capsys):
    make_dist("acme-broken", entry_points={"flyte.tasks": {"broken": "acme_nowhere"}})
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    header, _, *rows = out.splitlines()
    assert header.split() == ["GROUP", "NAME", "DISTRIBUTION", "VERSION", "STATUS", "ERROR"]
    (row,) = [r for r in rows if "acme-broken" in r]
    assert row.split()[:5] == ["flyte.tasks", "broken", "acme-broken", "1.0", "failed"]
    assert "ModuleNotFoundError" in row


def test_plugins_json_gives_every_field(make_dist, capsys):
    make_dist("acme-broken", entry_points={"flyte.tasks": {"broken": "acme_nowhere"}})
    assert main(["plugins", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    (broken,) = [r for r in records if r["distribution"] == "acme-broken"]
    assert broken["status"] == "failed"
    assert broken["group"] == "flyte.tasks"
    assert "acme_nowhere" in broken["traceback"]


def test_plugins_strict_exits_1_when_a_plugin_failed(make_dist, capsys):
    make_dist("acme-broken", entry_points={"flyte.tasks": {"broken": "acme_nowhere"}})
    assert main(["plugins", "--strict"]) == 1
    assert "failed" in capsys.readouterr().out


def test_plugins_lists_a_plugin_that_requires_a_local_build_of_core(make_dist, capsys):
    make_dist(
        "acme-local",
        entry_points={"flyte.tasks": {"local": "json"}},
        requires=["flyte-core @ file:///src/flyte-core"],
    )
    assert main(["plugins", "--strict"]) == 0
    (row,) = [r for r in capsys.readouterr().out.splitlines() if "acme-local" in r]
    assert row.split()[:5] == ["flyte.tasks", "local", "acme-local", "1.0", "loaded"]


def test_plugins_verbose_shows_the_traceback(make_dist, capsys):
    make_dist("acme-broken", entry_points={"flyte.tasks": {"broken": "acme_nowhere"}})
    main(["plugins", "--verbose"])
    assert "Traceback (most recent call last)" in capsys.readouterr().out


TASK_FILE = """
import flyte

env = flyte.TaskEnvironment("strict")


class Thing:
    pass


@env.task
def uses_thing(x: Thing) -> int:
    return 1
"""


@pytest.mark.parametrize(
    "command",
    [
        ["plugins"],
        ["plugins", "--json"],
        ["serve", "connector", "--port", "0"],
        ["run", "--local", "wf.py", "uses_thing"],
        ["serialize", "wf.py", "-o", "out.tgz"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_strict_mode_ends_every_command_with_one_line(make_dist, tmp_path, command):
    info = make_dist(
        "acme-broken",
        entry_points={
            "flyte.transformers": {"broken": "acme_nowhere"},
            "flyte.connectors": {"broken": "acme_nowhere"},
        },
    )
    (tmp_path / "wf.py").write_text(TASK_FILE)
    env = {**os.environ, "FLYTE_PLUGINS_STRICT": "1", "PYTHONPATH": str(info.parent)}
    out = subprocess.run(
        [sys.executable, "-m", "flyte.cli", *command],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode != 0
    (line,) = out.stderr.splitlines()
    assert "plugin 'broken' (acme-broken 1.0) is failed: ModuleNotFoundError" in line
    assert line.endswith("(FLYTE_PLUGINS_STRICT=1)")
