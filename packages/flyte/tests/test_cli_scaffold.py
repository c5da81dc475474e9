"""`flyte plugins new`: the files of each kind, the names it refuses, and the folders it will not touch."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from flyte.cli import main
from flyte.cli._scaffold import core_requirement, core_requirement_for

FILES = {
    "transformer": ["transformer.py"],
    "task": ["task.py"],
    "connector": ["client.py", "config.py", "connector.py", "task.py"],
    "dataframe": ["handlers.py"],
}

#: Each kind's entry points name the classes themselves (a dataframe plugin's, the callable that
#: registers its encoder and decoder): importing the package registers nothing.
ENTRY_POINTS = {
    "transformer": {
        "flyte.transformers": {"money": "flyteplugins.money.transformer:MoneyTransformer"}
    },
    "task": {"flyte.tasks": {"money": "flyteplugins.money.task:MoneyTask"}},
    "connector": {
        "flyte.connectors": {"money": "flyteplugins.money.connector:MoneyConnector"},
        "flyte.tasks": {"money": "flyteplugins.money.task:MoneyTask"},
    },
    "dataframe": {"flyte.transformers": {"money": "flyteplugins.money.handlers:register"}},
}


def new(tmp_path: Path, *args: str) -> int:
    return main(["plugins", "new", *args, "--dir", str(tmp_path)])


def written(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", list(FILES))
def test_each_kind_writes_a_whole_distribution_and_says_what_to_run_next(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(tmp_path, "money", "--kind", kind) == 0
    root = tmp_path / "money"
    package = "src/flyteplugins/money"
    assert written(root) == {
        "pyproject.toml",
        "README.md",
        f"{package}/__init__.py",
        *(f"{package}/{name}" for name in FILES[kind]),
        "tests/test_money.py",
        "tests/test_money_discovery.py",
    }
    out = capsys.readouterr().out
    assert f"wrote flyteplugins-money, a {kind} plugin, in {root}" in out
    assert f"  {root / package / '__init__.py'}" in out
    assert "pip install -e '.[test]'" in out
    assert "pytest" in out


@pytest.mark.parametrize("kind", list(FILES))
def test_the_files_are_filled_in_and_the_python_compiles(tmp_path: Path, kind: str) -> None:
    new(tmp_path, "positive-int", "--kind", kind)
    root = tmp_path / "positive-int"
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "{{" not in text, path
            if path.suffix == ".py":
                compile(text, str(path), "exec")
    module = (root / "src/flyteplugins/positive_int/__init__.py").read_text()
    assert "from flyteplugins.positive_int." in module
    assert "PositiveInt" in module
    readme = (root / "README.md").read_text()
    assert readme.startswith("# flyteplugins-positive-int\n")
    assert "```python\n" in readme


@pytest.mark.parametrize("kind", list(FILES))
def test_the_pyproject_declares_the_entry_points_and_the_installed_cores_range(
    tmp_path: Path, kind: str
) -> None:
    tomllib = pytest.importorskip("tomllib")
    new(tmp_path, "money", "--kind", kind)
    pyproject = tomllib.loads((tmp_path / "money" / "pyproject.toml").read_text())
    project = pyproject["project"]
    assert project["name"] == "flyteplugins-money"
    assert project["entry-points"] == ENTRY_POINTS[kind]
    (requirement,) = project["dependencies"]
    assert requirement == core_requirement()
    specifier = SpecifierSet(requirement.removeprefix("flyte-core"))
    assert specifier.contains(importlib.metadata.version("flyte-core"), prereleases=True)
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "src/flyteplugins"
    ]
    assert pyproject["tool"]["pytest"]["ini_options"]["asyncio_mode"] == "auto"


def test_the_package_is_a_pep_420_namespace_portion(tmp_path: Path) -> None:
    new(tmp_path, "money", "--kind", "task")
    assert not (tmp_path / "money" / "src" / "flyteplugins" / "__init__.py").exists()


def test_a_package_and_distribution_of_the_authors_choosing(tmp_path: Path) -> None:
    args = ["--package", "acme.flyte_units", "--distribution", "acme-flyte-units"]
    assert new(tmp_path, "units", "--kind", "transformer", *args) == 0
    root = tmp_path / "units"
    assert {p for p in written(root) if p.startswith("src/")} == {
        "src/acme/flyte_units/__init__.py",
        "src/acme/flyte_units/transformer.py",
    }
    pyproject = (root / "pyproject.toml").read_text()
    assert 'name = "acme-flyte-units"' in pyproject
    assert (
        '[project.entry-points."flyte.transformers"]\n'
        'units = "acme.flyte_units.transformer:UnitsTransformer"\n'
    ) in pyproject
    assert 'packages = ["src/acme"]' in pyproject
    assert "from acme.flyte_units import Units" in (root / "README.md").read_text()


@pytest.mark.parametrize(
    "name", ["Money", "1money", "money-", "my--money", "my money", "money!", "", "class"]
)
def test_a_bad_name_is_refused_naming_it_and_the_rule(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(tmp_path, name, "--kind", "task") == 2
    err = capsys.readouterr().err
    assert f"error: plugin name {name!r} is not valid" in err
    assert "keyword" in err if name == "class" else "lowercase letters and digits" in err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--package", "acme-units", "package 'acme-units' is not valid"),
        ("--package", "acme.import", "package 'acme.import' is not valid"),
        ("--package", "flyte.units", "package 'flyte.units' is not valid: 'flyte' belongs to"),
        ("--distribution", "acme units", "distribution 'acme units' is not valid"),
    ],
)
def test_a_bad_package_or_distribution_is_refused(
    tmp_path: Path, option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new(tmp_path, "money", "--kind", "task", option, value) == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "money").mkdir()
    (tmp_path / "money" / "notes.txt").write_text("mine")
    assert new(tmp_path, "money", "--kind", "connector") == 2
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'money'} already exists and is not empty" in err
    assert written(tmp_path / "money") == {"notes.txt"}


def test_an_empty_folder_is_filled(tmp_path: Path) -> None:
    (tmp_path / "money").mkdir()
    assert new(tmp_path, "money", "--kind", "transformer") == 0
    assert "pyproject.toml" in written(tmp_path / "money")


def test_the_kind_is_required(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        new(tmp_path, "money")
    assert info.value.code == 2
    assert "--kind" in capsys.readouterr().err


def test_plugins_without_an_action_still_lists_the_plugins(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["plugins", "--json"]) == 0
    assert capsys.readouterr().out.lstrip().startswith("[")


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        ("0.1.0", "flyte-core>=0.1,<0.2"),
        ("0.2.3.dev4", "flyte-core>=0.2,<0.3"),
        ("1.4.2", "flyte-core>=1.4,<2"),
        ("0.3.0.dev1", "flyte-core>=0.3.0.dev1,<0.4"),
        ("2.0.0rc1", "flyte-core>=2.0.0rc1,<3"),
    ],
)
def test_the_core_range_is_the_compatible_series_of_a_version(
    version: str, requirement: str
) -> None:
    assert core_requirement_for(version) == requirement
    assert SpecifierSet(requirement.removeprefix("flyte-core")).contains(version, prereleases=True)
