"""`flyte plugins new`, end to end, and the shipped plugins' likeness to what it writes.

A plugin of each kind is written by the installed flyte-core's scaffold, built into a wheel with
hatchling, and installed into one fresh venv beside the project's wheels (the project's own
distributions come from the wheel files, never from the index). There each shows up in
`flyte plugins` as loaded, its generated tests pass, and its README's usage example runs a task
that uses it. New and shipped plugins register one way, through entry points that name their
classes: with a plugin switched off, importing its package registers nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Each kind, and the line its README's example prints.
KINDS = {
    "transformer": "AcmeTransformer('HELLO')",
    "task": "42",
    "connector": """queue 'fast' processed {"day": "2024-01-01"}""",
    "dataframe": "2",
}

#: Each shipped plugin, by its folder (the scaffold's name for it), and its kind.
SHIPPED = {
    "positive-int": "transformer",
    "echo": "task",
    "batch-job": "connector",
    "pandas": "dataframe",
    "pyarrow": "dataframe",
}


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=_environment(), check=False
    )
    assert out.returncode == 0, f"{' '.join(command)} failed:\n{out.stdout}\n{out.stderr}"
    return out


def scaffold(root: Path, name: str, kind: str) -> Path:
    """Write plugin ``name`` of ``kind`` under ``root`` with the installed flyte's scaffold."""
    new = [sys.executable, "-m", "flyte.cli", "plugins", "new", name]
    _run([*new, "--kind", kind, "--dir", str(root)])
    return root / name


def build_wheel(project: Path, out_dir: Path) -> Path:
    """Build ``project``'s wheel with its build backend, hatchling, into the empty ``out_dir``."""
    uv = shutil.which("uv")
    if uv:
        _run([uv, "build", "--quiet", "--wheel", "--out-dir", str(out_dir), str(project)])
    else:
        pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        _run([*pip, "--wheel-dir", str(out_dir), str(project)])
    (wheel,) = out_dir.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A new plugin of each kind, by kind."""
    root = tmp_path_factory.mktemp("scaffolded")
    return {kind: scaffold(root, f"acme-{kind}", kind) for kind in KINDS}


@pytest.fixture(scope="module")
def venv(plugins: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, venvs) -> Path:
    """One fresh venv: the project's wheels and the new plugins' wheels with their test extra."""
    root = tmp_path_factory.mktemp("venv")
    wheels = {kind: build_wheel(project, root / kind) for kind, project in plugins.items()}
    requirements = [
        f"flyteplugins-acme-{kind}[test] @ {wheel.as_uri()}" for kind, wheel in wheels.items()
    ]
    return venvs.create(root / "venv", [*venvs.project_wheels(), *requirements])


def test_each_new_plugin_is_listed_as_loaded(venv: Path) -> None:
    records = json.loads(_run([str(venv / "bin" / "flyte"), "plugins", "--json"]).stdout)
    found = {
        (r["distribution"], r["group"], r["name"]): r["status"]
        for r in records
        if r["distribution"].startswith("flyteplugins-acme-")
    }
    assert found == {
        ("flyteplugins-acme-transformer", "flyte.transformers", "acme_transformer"): "loaded",
        ("flyteplugins-acme-task", "flyte.tasks", "acme_task"): "loaded",
        ("flyteplugins-acme-connector", "flyte.connectors", "acme_connector"): "loaded",
        ("flyteplugins-acme-connector", "flyte.tasks", "acme_connector"): "loaded",
        ("flyteplugins-acme-dataframe", "flyte.transformers", "acme_dataframe"): "loaded",
    }


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_generated_tests_pass_against_the_installed_wheel(
    kind: str, plugins: dict[str, Path], venv: Path
) -> None:
    project = plugins[kind]
    out = _run(
        [str(venv / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider"], cwd=project
    )
    # Every test ran and passed: none failed, skipped or xfailed.
    assert re.search(r"=+ \d+ passed in [\d.]+s", out.stdout), out.stdout
    # The tests imported the installed package: src/ is not on the path of a src layout.
    where = f"import flyteplugins.acme_{kind} as m; print(m.__file__)"
    assert "site-packages" in _run([str(venv / "bin" / "python"), "-c", where]).stdout


def readme_example(readme: Path, folder: Path) -> Path:
    """The Python code blocks of ``readme``, written as one script in ``folder``."""
    blocks = re.findall(r"^```python\n(.*?)^```", readme.read_text(), re.MULTILINE | re.DOTALL)
    assert blocks, f"{readme} has no Python example"
    script = folder / "example.py"
    script.write_text("\n".join(blocks))
    return script


def run_readme_example(readme: Path, venv: Path, folder: Path) -> str:
    """Run the Python code blocks of ``readme`` as one script in ``venv``; return its last line."""
    script = readme_example(readme, folder)
    return _run([str(venv / "bin" / "python"), str(script)], cwd=folder).stdout.splitlines()[-1]


@pytest.mark.parametrize(("kind", "printed"), list(KINDS.items()))
def test_the_readme_example_runs_a_task_that_uses_the_plugin(
    kind: str, printed: str, plugins: dict[str, Path], venv: Path, tmp_path: Path
) -> None:
    assert run_readme_example(plugins[kind] / "README.md", venv, tmp_path) == printed


#: What each shipped plugin's README example prints last, as a pattern.
SHIPPED_PRINTS = {
    "positive-int": re.escape("PositiveInt(42)"),
    "echo": "42",
    "batch-job": r"job \w+ on queue 'fast' processed " + re.escape('{"day": "2024-01-01"}'),
    "pandas": re.escape("['b', 'c']"),
    "pyarrow": re.escape("1.0"),
}


@pytest.mark.parametrize("folder", list(SHIPPED_PRINTS))
def test_a_shipped_plugins_readme_example_runs(
    folder: str, venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYTE_BATCH_JOB_DIR", str(tmp_path / "jobs"))
    readme = ROOT / "plugins" / folder / "README.md"
    assert re.fullmatch(SHIPPED_PRINTS[folder], run_readme_example(readme, venv, tmp_path))


#: What the error of each kind's README example says when its plugin is switched off.
NOT_FOUND = {
    "transformer": "no transformer for the type ",
    "task": "PluginNotFoundError: no task plugin is registered for the plugin config type ",
    "connector": "ConnectorNotFoundError: no connector serves the task type ",
    "dataframe": "no transformer for the type ",
}

#: Each plugin, new and shipped, by its name (its distribution is flyteplugins-NAME); its kind.
EVERY_PLUGIN = {**{f"acme-{kind}": kind for kind in KINDS}, **SHIPPED}


@pytest.mark.parametrize(("name", "kind"), EVERY_PLUGIN.items())
def test_importing_a_plugin_registers_nothing_its_entry_points_do(
    name: str, kind: str, plugins: dict[str, Path], venv: Path, tmp_path: Path
) -> None:
    # Every plugin registers one way: its entry points name its classes. Switched off, its
    # README example imports the package and still finds nothing registered.
    folder = ROOT / "plugins" / name if name in SHIPPED else plugins[kind]
    script = readme_example(folder / "README.md", tmp_path)
    env = {**_environment(), "FLYTE_DISABLED_PLUGINS": f"flyteplugins-{name}"}
    env["FLYTE_BATCH_JOB_DIR"] = str(tmp_path / "jobs")
    out = subprocess.run(
        [str(venv / "bin" / "python"), str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert NOT_FOUND[kind] in out.stderr.splitlines()[-1], out.stderr


def _shape(pyproject: str) -> str:
    """A pyproject without the lines a plugin writes for itself: its description, version and
    dependencies (a dataframe plugin adds its library)."""
    return re.sub(
        r"^(description|version|dependencies) = .*$", r"\1 = ...", pyproject, flags=re.MULTILINE
    )


def _headings(readme: str) -> list[str]:
    """The README's headings, leaving out the comments of its code blocks."""
    prose = re.sub(r"^```.*?^```", "", readme, flags=re.MULTILINE | re.DOTALL)
    return [line for line in prose.splitlines() if line.startswith("#")]


def _layout(project: Path) -> set[str]:
    """The project's package and test modules, by path."""
    found = [*project.glob("src/**/__init__.py"), *project.glob("tests/test_*.py")]
    return {str(p.relative_to(project)) for p in found}


@pytest.mark.parametrize(("folder", "kind"), SHIPPED.items())
def test_a_shipped_plugin_has_the_shape_the_scaffold_writes(
    folder: str, kind: str, tmp_path: Path
) -> None:
    shipped = ROOT / "plugins" / folder
    written = scaffold(tmp_path, folder, kind)
    assert _shape((shipped / "pyproject.toml").read_text()) == _shape(
        (written / "pyproject.toml").read_text()
    )
    assert _headings((shipped / "README.md").read_text()) == _headings(
        (written / "README.md").read_text()
    )
    assert _layout(written) <= _layout(shipped)
    assert not (shipped / "src" / "flyteplugins" / "__init__.py").exists()
