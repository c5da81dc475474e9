"""The demo of flyte-core: the shipped plugins, run locally and served as a backend sees them.

    python3 noxw.py -s demo        # builds the project's wheels, installs them, runs this script

1. a task whose input and output are a PositiveInt (flyteplugins-positive-int's transformer);
2. an echo task (flyteplugins-echo's task plugin);
3. a batch job run locally through its connector (flyteplugins-batch-job), with a live line of
   the job's phase on a terminal and its log links;
4. a workflow chaining a task, the echo plugin and a batch job, run locally;
5. every task and the workflow serialized as `flyte serialize` writes them for
   `flytectl register files`;
6. `flyte serve connector` started on loopback, and a batch job run through it with flyteidl's
   stubs, as flytepropeller calls it;
7. one task writes a File and a DataFrame (flyteplugins-pandas), the next reads them (the table
   as a pyarrow Table, flyteplugins-pyarrow), and where their raw data went;
8. the `flyte plugins` table.

Nothing in this file registers anything: each plugin is found through its entry point.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import pyarrow as pa
from flyteidl.admin import agent_pb2, launch_plan_pb2, task_pb2
from flyteidl.core.execution_pb2 import TaskExecution

import flyte
from flyte.cli import main as flyte_cli
from flyte.io import DataFrame, File
from flyte.testing import connector_service_process, list_agents, run_as_backend
from flyte.types import TypeEngine
from flyteplugins.batch_job import BatchJobConfig, BatchJobTask
from flyteplugins.echo import Echo
from flyteplugins.positive_int import PositiveInt

env = flyte.TaskEnvironment(name="demo")


@env.task
def next_order(order: PositiveInt) -> PositiveInt:
    """The order number after ``order``."""
    return PositiveInt(order.value + 1)


@env.task(config=Echo())
def echo(message: str) -> str:
    """Run by the echo plugin, which returns the input: this body never runs."""
    raise AssertionError("an echo task's body does not run")


report = BatchJobTask(
    "demo.report",
    inputs={"day": str},
    plugin_config=BatchJobConfig(queue="reports", queued_seconds=0.6, run_seconds=1.2),
)


@flyte.workflow
def pipeline(order: PositiveInt, day: str) -> tuple[PositiveInt, str]:
    """The next order, and the report of the day the echo plugin hands on to the batch job."""
    following = next_order(order=order)
    return following, report(day=echo(message=day))


Sales = Annotated[DataFrame, {"day": str, "amount": float}]


@env.task
async def record_sales(day: str) -> tuple[File, Sales]:
    """A day's sales: a note as a File, the table as a DataFrame written by the pandas plugin."""
    with tempfile.TemporaryDirectory() as folder:
        note = Path(folder) / "note.txt"
        note.write_text(f"sales of {day}: 3 orders\n")
        stored = await File.from_local(note)  # uploaded now, under the raw-data prefix
    frame = pd.DataFrame({"day": [day] * 3, "order": [1, 2, 3], "amount": [9.5, 20.0, 12.5]})
    return stored, DataFrame.from_df(frame)


@env.task
async def summarize_sales(note: File, sales: Sales) -> str:
    """The note's first line, and the total read back as a pyarrow Table: two columns only."""
    async with note.open("r") as fh:
        first = fh.readline().strip()
    table = await sales.open(pa.Table).all()
    assert table.column_names == ["day", "amount"]
    return f"{first}; total {sum(table.column('amount').to_pylist()):.2f}"


def step(title: str) -> None:
    """Print a step's heading."""
    print(f"\n== {title}", flush=True)


def run_locally() -> None:
    """Steps 1 to 3: the three plugins in local runs."""
    step("1. a PositiveInt task (transformer plugin: flyteplugins-positive-int)")
    order = flyte.run(next_order, order=PositiveInt(41))
    print(f"next_order(order=PositiveInt(41)) -> {order!r}")
    assert order == PositiveInt(42)

    step("2. an echo task (task plugin: flyteplugins-echo)")
    echoed = flyte.run(echo, message="hello, Flyte")
    print(f"echo(message='hello, Flyte') -> {echoed!r}")
    assert echoed == "hello, Flyte"

    step("3. a batch job, locally through its connector (connector plugin: flyteplugins-batch-job)")
    result = flyte.run(report, day="2026-11-24")
    print(f"report(day='2026-11-24') -> {result!r}")
    assert result.endswith('processed {"day": "2026-11-24"}')


def run_the_workflow() -> None:
    """Step 4: the three plugins' tasks as nodes of one workflow, run locally."""
    step("4. a workflow: a task, the echo plugin and a batch job, chained")
    following, result = flyte.run(pipeline, order=PositiveInt(7), day="2026-11-30")
    print(f"pipeline(order=PositiveInt(7), day='2026-11-30') -> {following!r}, {result!r}")
    assert following == PositiveInt(8)
    assert result.endswith('processed {"day": "2026-11-30"}')


def run_with_data(raw: Path) -> None:
    """Step 7: a File and a DataFrame from one task to the next, through the raw-data store."""
    step("7. a File and a DataFrame, written by one task and read by the next (flyte.io)")
    os.environ["FLYTE_RAW_OUTPUT_DATA_PREFIX"] = str(raw)
    note, sales = flyte.run(record_sales, day="2026-11-30")
    print(f"raw data went to {raw}:")
    print(f"  the note:  {note.path}")
    print(f"  the table: {sales.uri} (parquet: {', '.join(sorted(os.listdir(sales.uri)))})")
    summary = flyte.run(summarize_sales, note=note, sales=sales)
    print(f"summarize_sales(note, sales) -> {summary!r}")
    assert summary == "sales of 2026-11-30: 3 orders; total 42.00"


def serialize_all(out: Path) -> dict[str, task_pb2.TaskSpec]:
    """Step 5: the tasks, the workflow and its launch plan as spec files plus the code bundle."""
    step("5. serialize every task and the workflow (what flytectl register files takes)")
    specs = flyte.serialize(
        [next_order, echo, report, pipeline],
        project="flytesnacks",
        domain="development",
        output_dir=out,
        root_dir=Path(__file__).parent,
    )
    for spec in specs:
        if isinstance(spec, launch_plan_pb2.LaunchPlan):
            print(f"  {spec.id.name:<18} launch plan     version {spec.id.version[:12]}")
            continue
        template = spec.template
        kind = f"type {template.type}" if isinstance(spec, task_pb2.TaskSpec) else "workflow"
        print(f"  {template.id.name:<18} {kind:<15} version {template.id.version[:12]}")
    for path in sorted(out.iterdir()):
        print(f"  wrote {path.name} ({path.stat().st_size:,} bytes)")
    return {s.template.id.name: s for s in specs if isinstance(s, task_pb2.TaskSpec)}


def show_poll(resource: agent_pb2.Resource, seen: set[int]) -> None:
    """Print a GetTask answer when its phase is new."""
    if resource.phase not in seen:
        seen.add(resource.phase)
        links = ", ".join(link.uri for link in resource.log_links)
        print(f"  GetTask: {TaskExecution.Phase.Name(resource.phase)}  logs: {links}")


async def call_as_backend(address: str, spec: task_pb2.TaskSpec, **inputs: Any) -> str:
    """ListAgents, then CreateTask, GetTask until a terminal phase, DeleteTask."""
    for agent in await list_agents(address):
        types = ", ".join(c.name for c in agent.supported_task_categories)
        print(f"  ListAgents: {agent.name} serves {types}")
    literals = await TypeEngine.to_literal_map(inputs, report.interface.inputs)
    seen: set[int] = set()
    resource = await run_as_backend(
        address, spec.template, literals, poll_seconds=0.2, on_poll=lambda r: show_poll(r, seen)
    )
    print("  DeleteTask: done")
    assert resource.phase == TaskExecution.SUCCEEDED, resource.message
    outputs = await TypeEngine.literal_map_to_python(resource.outputs, report.interface.outputs)
    return str(outputs["result"])


def run_behind_the_service(specs: dict[str, task_pb2.TaskSpec]) -> None:
    """Step 6: the serialized batch job, run through `flyte serve connector`."""
    step("6. the batch job through `flyte serve connector`, called as a Flyte backend calls it")
    print("$ flyte serve connector --host 127.0.0.1 --port 0")
    with connector_service_process() as service:
        for line in service.banner:
            print(f"  | {line}")
        print(f"  | serving on {service.address}")
        result = asyncio.run(call_as_backend(service.address, specs[report.name], day="2026-11-25"))
        print(f"  outputs: result = {result!r}")
        assert result.endswith('processed {"day": "2026-11-25"}')
    for line in service.stopped_output.splitlines():
        print(f"  | {line}")
    print(f"  the service stopped on SIGTERM (exit code {service.process.returncode})")


def main() -> None:
    """Run every step; stop what was started, and remove what was written."""
    with tempfile.TemporaryDirectory(prefix="flyte-demo-") as work:
        os.environ["FLYTE_BATCH_JOB_DIR"] = str(Path(work) / "batch-jobs")
        run_locally()
        run_the_workflow()
        specs = serialize_all(Path(work) / "serialized")
        run_behind_the_service(specs)
        run_with_data(Path(work) / "raw-data")
        step("8. flyte plugins")
        code = flyte_cli(["plugins"])
    print("\nThe demo ran every step.")
    sys.exit(code)


if __name__ == "__main__":
    main()
