"""`flyte plugins`: the table, the JSON and the strict exit code."""

from __future__ import annotations

import json

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


def test_plugins_verbose_shows_the_traceback(make_dist, capsys):
    make_dist("acme-broken", entry_points={"flyte.tasks": {"broken": "acme_nowhere"}})
    main(["plugins", "--verbose"])
    assert "Traceback (most recent call last)" in capsys.readouterr().out
