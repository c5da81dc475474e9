"""`flyte run --local FILE TASK --INPUT VALUE`: inputs parsed by the type engine, outputs printed."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flyte.cli import main

TASKS = """
from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from flyteidl.core import literals_pb2, types_pb2

import flyte
from flyte.types import TypeEngine, TypeTransformer

env = flyte.TaskEnvironment(name="cli")


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass
class Point:
    x: int
    y: float


@env.task
def add(x: int, items: list[int]) -> int:
    return x + sum(items)


@env.task
def later(after: datetime.timedelta) -> str:
    return str(after)


@env.task
def describe(
    p: Point,
    points: list[Point],
    flag: bool,
    when: datetime.datetime,
    color: Color,
    scale: float = 1.0,
    tags: dict[str, int] | None = None,
) -> str:
    total = sum(q.x for q in points) + p.x
    return f"{total} {p.y * scale} {flag} {when.year} {color.name} {tags}"


@env.task
def move(p: Point, dx: int) -> Point:
    return Point(p.x + dx, p.y)


@env.task
def fails(x: int) -> int:
    raise RuntimeError("boom")


class Celsius:
    def __init__(self, degrees: float) -> None:
        self.degrees = degrees

    def __repr__(self) -> str:
        return f"{self.degrees}C"


class CelsiusTransformer(TypeTransformer[Celsius]):
    def __init__(self) -> None:
        super().__init__(name="Celsius", t=Celsius)

    def get_literal_type(self, t):
        return types_pb2.LiteralType(
            simple=types_pb2.FLOAT, structure=types_pb2.TypeStructure(tag="Celsius")
        )

    async def to_literal(self, python_val, python_type, expected):
        primitive = literals_pb2.Primitive(float_value=python_val.degrees)
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=primitive))

    async def to_python_value(self, lv, expected_python_type):
        return Celsius(lv.scalar.primitive.float_value)


TypeEngine.register(CelsiusTransformer())


@env.task
def warmer(t: Celsius) -> Celsius:
    return Celsius(t.degrees + 1)
"""


@pytest.fixture
def tasks_file(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "cli_tasks.py"
    path.write_text(textwrap.dedent(TASKS))
    yield str(path)
    sys.modules.pop("cli_tasks", None)
    if str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def test_numbers_and_json_lists(tasks_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--local", tasks_file, "add", "--x", "1", "--items", "[1, 2]"]) == 0
    assert capsys.readouterr().out == "o0: 4\n"


def test_dataclasses_bools_datetimes_enums_and_optional_dicts(
    tasks_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "--local", tasks_file, "describe", "--p", '{"x": 1, "y": 2.5}']
    argv += ["--points", '[{"x": 2, "y": 0}, {"x": 3, "y": 0}]', "--flag", "true"]
    argv += ["--when", "2024-05-01T12:00:00", "--color", "BLUE", "--tags", '{"a": 1}']
    assert main(argv) == 0
    assert capsys.readouterr().out == "o0: 6 2.5 True 2024 BLUE {'a': 1}\n"


def test_a_dataclass_output_is_printed_as_json(
    tasks_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "--local", tasks_file, "move", "--p", '{"x": 1, "y": 2.0}', "--dx", "2"]
    assert main(argv) == 0
    assert capsys.readouterr().out == 'o0: {"x": 3, "y": 2.0}\n'


def test_isolated_runs_the_entry_point_in_a_child_process(
    tasks_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", "--local", "--isolated", tasks_file, "move", "--p", '{"x": 1, "y": 2.0}']
    assert main([*argv, "--dx", "2"]) == 0
    assert capsys.readouterr().out == 'o0: {"x": 3, "y": 2.0}\n'
    assert main(["run", "--local", "--isolated", tasks_file, "fails", "--x", "1"]) == 1
    assert "failed (USER:RuntimeError): RuntimeError: boom" in capsys.readouterr().err


def test_a_custom_type_is_read_through_its_transformer(
    tasks_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--local", tasks_file, "warmer", "--t", "21.5"]) == 0
    assert capsys.readouterr().out == "o0: 22.5C\n"


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ("90", "0:01:30"),
        ("1h30m", "1:30:00"),
        ("PT1H30M", "1:30:00"),
        ("1 day, 2:00:00", "1 day, 2:00:00"),
        ("-500ms", "-1 day, 23:59:59.500000"),
    ],
)
def test_durations_read_as_people_write_them(
    tasks_file: str, capsys: pytest.CaptureFixture[str], given: str, printed: str
) -> None:
    assert main(["run", "--local", tasks_file, "later", f"--after={given}"]) == 0
    assert capsys.readouterr().out == f"o0: {printed}\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add", "--x", "one", "--items", "[1]"], "input 'x': cannot read 'one' as int"),
        (["add", "--x", "1"], "task 'cli.add' is missing the input 'items'"),
        (["add", "--x", "1", "--items", "[1]", "--y", "2"], "has no input --y 2"),
        (
            ["nope"],
            "defines no task or workflow 'nope'; it defines add, later, describe, move, fails, warmer",
        ),
        (
            ["later", "--after", "soon"],
            "input 'after': cannot read 'soon' as timedelta: 'soon' is not",
        ),
    ],
)
def test_bad_inputs_get_one_clear_line(
    tasks_file: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["run", "--local", tasks_file, *argv]) == 1
    assert message in capsys.readouterr().err


def test_a_failing_task_exits_1_with_its_traceback(
    tasks_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--local", tasks_file, "fails", "--x", "1"]) == 1
    err = capsys.readouterr().err
    assert "RuntimeError: boom" in err
    assert "task 'fails' failed" in err


def test_run_without_local_is_refused(tasks_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", tasks_file, "add"]) == 2
    assert "pass --local" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("file_name", "other"),
    [("copy.py", "the standard library's"), ("grpc.py", "already the one at ")],
)
def test_a_task_file_named_like_another_module_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file_name: str, other: str
) -> None:
    path = tmp_path / file_name
    path.write_text(textwrap.dedent(TASKS))
    assert main(["run", "--local", str(path), "add", "--x", "1", "--items", "[1]"]) == 1
    err = capsys.readouterr().err
    module = file_name.removesuffix(".py")
    assert f"would be imported as the module '{module}', but '{module}' is {other}" in err
    assert "rename the file" in err


def test_the_raw_data_folder_is_printed_and_can_be_moved(
    tasks_file: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    assert main(["run", "--local", tasks_file, "add", "--x", "1", "--items", "[2]"]) == 0
    default = capsys.readouterr().err
    assert default.startswith("raw data: ")
    assert "flyte-raw-data" in default
    monkeypatch.setenv("FLYTE_RAW_OUTPUT_DATA_PREFIX", str(tmp_path / "raw"))
    assert main(["run", "--local", tasks_file, "add", "--x", "1", "--items", "[2]"]) == 0
    assert capsys.readouterr().err.startswith(f"raw data: {tmp_path / 'raw'}/local-")


def test_flyte_help_loads_no_event_loop_no_idl_and_no_plugin(
    modules_loaded_by: Callable[..., list[str]],
) -> None:
    code = "from flyte.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    heavy = ("asyncio", "flyteidl", "grpc", "flyte._discovery", "flyteplugins")
    assert modules_loaded_by(code, *heavy) == []
