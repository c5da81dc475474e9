"""Workflows serialized as a backend registers them, and a map's item run by flyte-execute."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import literals_pb2

from flyte.cli import main as flyte_cli
from flyte.types import TypeEngine

FLOWS = """
import flyte

env = flyte.TaskEnvironment(name="shop", image="ghcr.io/acme/app:1")

@env.task
def price(item: str, rate: float = 1.0) -> float:
    return len(item) * rate

@env.task
def total(prices: list[float]) -> float:
    return sum(prices)

@flyte.workflow
def basket(items: list[str], rate: float = 2.0) -> float:
    return total(prices=flyte.map(price, item=items, rate=rate))
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "shop_flows.py").write_text(textwrap.dedent(FLOWS))
    return src


def test_serialize_writes_tasks_the_map_the_workflow_and_its_launch_plan(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["serialize", str(source / "shop_flows.py"), "--project", "p", "--domain", "d"]
    assert flyte_cli([*argv, "-o", str(out)]) == 0
    assert "wrote 3 task(s), 1 workflow(s), 1 launch plan(s)" in capsys.readouterr().out
    files = sorted(p.name for p in out.glob("*.pb"))
    kinds = [name.rsplit("_", 1)[1] for name in files]
    assert kinds == ["1.pb", "1.pb", "1.pb", "2.pb", "3.pb"]
    assert files[3] == "3_shop_flows.basket_2.pb"
    spec = workflow_pb2.WorkflowSpec.FromString((out / files[3]).read_bytes())
    (node, summing) = spec.template.nodes
    assert node.array_node.node.task_node.reference_id.name == files[2][2:-5]
    assert list(node.array_node.bound_inputs) == ["rate"]
    assert node.inputs[1].binding.promise.var == "rate"
    assert summing.upstream_node_ids == ["n0"]
    plan = launch_plan_pb2.LaunchPlan.FromString((out / files[4]).read_bytes())
    rate = plan.spec.default_inputs.parameters["rate"]
    assert rate.default.scalar.primitive.float_value == 2.0
    assert plan.spec.default_inputs.parameters["items"].required
    args = list(task_pb2.TaskSpec.FromString((out / files[2]).read_bytes()).template.container.args)
    assert args[args.index("--module") + 1 : args.index("--task") + 2] == [
        "shop_flows",
        "--task",
        "price",
    ]
    assert args[args.index("--map") :] == ["--map", "--bound-input", "rate"]


def test_a_map_items_pod_runs_its_item(source: Path, tmp_path: Path) -> None:
    inputs = TypeEngine.to_literal_map_sync(
        {"item": ["ab", "abcd", "abcdef"], "rate": 0.5}, {"item": list[str], "rate": float}
    )
    (tmp_path / "inputs.pb").write_bytes(inputs.SerializeToString())
    out = tmp_path / "out"
    command = [sys.executable, "-m", "flyte._runtime._entrypoint"]
    command += ["--inputs", str(tmp_path / "inputs.pb"), "--output-prefix", str(out)]
    command += ["--dest", str(source), "--module", "shop_flows", "--task", "price"]
    command += ["--map", "--bound-input", "rate"]
    # What a backend gives an array job's pod: the variable naming the index, and an offset.
    env = {**os.environ, "BATCH_JOB_ARRAY_INDEX_VAR_NAME": "JOB_INDEX", "JOB_INDEX": "1"}
    env["BATCH_JOB_ARRAY_INDEX_OFFSET"] = "1"
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    outputs = literals_pb2.LiteralMap.FromString((out / "outputs.pb").read_bytes())
    assert TypeEngine.literal_map_to_python_sync(outputs, {"o0": float}) == {"o0": 3.0}
