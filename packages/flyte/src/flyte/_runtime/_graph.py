"""Running a workflow locally: every node through the task pipeline, ready nodes side by side.

The policy, written where it is enforced:

- a node starts as soon as the nodes it depends on have ended, in one event loop, so independent
  nodes (connector jobs among them) run at the same time;
- a node's inputs and outputs are literals, as on a backend: its bindings are resolved from the
  workflow's inputs, its upstream nodes' outputs and its constants, and the node executes through
  :func:`flyte._runtime._pipeline.execute`;
- a node whose failure is recoverable (a system error, or one its task marks so) runs again, up
  to its task's retries; a connector job's ``RETRYABLE_FAILED`` is retried by its polling loop;
- a map runs its items with at most its ``concurrency`` at once, and succeeds when enough of them
  do; a failed item's output is None when the map lets items fail;
- a failing node stops the run: nodes that depend on it never start, running ones are cancelled
  (a connector job is deleted, once), and a :class:`WorkflowRunError` names the workflow, the
  node and its task;
- a task declared with ``cache`` reuses its earlier outputs for the same inputs (see
  :mod:`._cache`).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from flyteidl.core import literals_pb2, tasks_pb2

from flyte._context import TaskContext
from flyte._progress import status
from flyte._runtime._cache import LocalCache
from flyte._runtime._documents import Failure
from flyte._runtime._pipeline import execute
from flyte._serialize._task import serialize_task
from flyte._tasks._template import TaskTemplate
from flyte._workflows._graph import Node, describe_entity
from flyte._workflows._map import MapTask, item_inputs
from flyte._workflows._workflow import WorkflowTemplate
from flyte.errors import WorkflowRunError
from flyte.types import TypeEngine

__all__ = ["WorkflowRun", "execute_locally"]


async def execute_locally(
    task: TaskTemplate,
    template: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
    ctx: TaskContext,
    cache: LocalCache | None,
) -> tuple[literals_pb2.LiteralMap | Failure, bool]:
    """A task's execute step in a local run: its cached outputs, else its attempts.

    A recoverable failure (a system error, or one the task marks so) runs the task again, up to
    its retries, as a backend would. Returns the outcome, and whether it came from the cache.
    """
    if cache is not None:
        hit = cache.get(template, inputs)
        if hit is not None:
            return hit, True
    for attempt in range(task.retries + 1):
        attempt_ctx = dataclasses.replace(ctx, task_name=task.name, attempt=attempt)
        outcome = await execute(task, template, inputs, attempt_ctx)
        if not isinstance(outcome, Failure):
            if cache is not None:
                cache.put(template, inputs, outcome)
            return outcome, False
        if not outcome.recoverable:
            break
    return outcome, False


class WorkflowRun:
    """One local run of a workflow: its context, its cache, its templates, its live view."""

    def __init__(self, workflow: WorkflowTemplate, ctx: TaskContext, cache: LocalCache | None):
        self.workflow = workflow
        self.ctx = ctx
        self.cache = cache
        self.view = _View(workflow.name)
        self._templates: dict[int, tasks_pb2.TaskTemplate] = {}

    async def run(self, inputs: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
        """The workflow's outputs for ``inputs``; :class:`WorkflowRunError` when a node fails."""
        try:
            return await self._graph(self.workflow, inputs, "")
        finally:
            self.view.close()

    async def _graph(
        self, workflow: WorkflowTemplate, inputs: literals_pb2.LiteralMap, path: str
    ) -> literals_pb2.LiteralMap:
        for node in workflow.nodes:
            self.view.add(path + node.id)
        schedule = _Schedule(workflow.nodes, inputs, lambda n, i: self._node(n, i, path + n.id))
        await schedule.run()
        return _resolve_all(workflow.outputs, schedule.outputs)

    async def _node(
        self, node: Node, inputs: literals_pb2.LiteralMap, node_path: str
    ) -> literals_pb2.LiteralMap:
        entity = node.entity
        self.view.set(node_path, "running")
        try:
            if isinstance(entity, WorkflowTemplate):
                result = await self._graph(entity, inputs, node_path + "/")
            elif isinstance(entity, MapTask):
                result = await self._map(entity, inputs, node_path)
            else:
                result = await self._task(entity, inputs, node_path)
        except WorkflowRunError:
            raise
        except Exception as exc:  # the runner's own failure on this node: named as a node's
            self.view.set(node_path, "failed")
            raise self._node_error(node_path, entity, f"{type(exc).__name__}: {exc}") from exc
        self.view.set(node_path, "done")
        return result

    async def _task(
        self, task: TaskTemplate, inputs: literals_pb2.LiteralMap, node_path: str
    ) -> literals_pb2.LiteralMap:
        template = self._template(task)
        outcome, cached = await execute_locally(task, template, inputs, self.ctx, self.cache)
        if isinstance(outcome, Failure):
            self.view.set(node_path, "failed")
            raise self._failed(node_path, task, outcome)
        if cached:
            self.view.set(node_path, "cached")
        return outcome

    async def _map(
        self, mapped: MapTask, inputs: literals_pb2.LiteralMap, node_path: str
    ) -> literals_pb2.LiteralMap:
        items = _items(mapped, inputs)
        limit = asyncio.Semaphore(mapped.concurrency or len(items) or 1)
        task = mapped.task

        async def one(index: int, item: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
            async with limit:
                return await self._task(task, item, f"{node_path}[{index}]")

        runs = [asyncio.ensure_future(one(i, item)) for i, item in enumerate(items)]
        results = await asyncio.gather(*runs, return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if len(items) - len(failed) < mapped.min_items(len(items)):
            raise failed[0]
        return await _collect(mapped, results)

    def _template(self, task: TaskTemplate) -> tasks_pb2.TaskTemplate:
        # Each task is serialized once per run, however many nodes or items run it.
        key = id(task)
        if key not in self._templates:
            self._templates[key] = serialize_task(task)
        return self._templates[key]

    def _failed(self, node_path: str, task: TaskTemplate, failure: Failure) -> WorkflowRunError:
        error = self._node_error(node_path, task, failure.headline)
        error.__cause__ = failure.exception
        return error

    def _node_error(self, node_path: str, entity: Any, why: str) -> WorkflowRunError:
        """The error of this run that failed at ``node_path``, running ``entity``, for ``why``."""
        return WorkflowRunError(
            f"workflow '{self.workflow.name}' failed at node {node_path} "
            f"({describe_entity(entity)}): {why}",
            workflow=self.workflow.name,
            node_id=node_path,
            task=entity.name,
        )


class _Schedule:
    """The nodes of one graph, each started the moment the last node it depends on ends."""

    def __init__(
        self,
        nodes: list[Node],
        inputs: literals_pb2.LiteralMap,
        run_node: Callable[[Node, literals_pb2.LiteralMap], Awaitable[literals_pb2.LiteralMap]],
    ) -> None:
        self.outputs: dict[str, literals_pb2.LiteralMap] = {"": inputs}
        self._run_node = run_node
        self._left = len(nodes)
        self._waiting_on = {node.id: len(set(node.upstream)) for node in nodes}
        self._dependents: dict[str, list[Node]] = {}
        for node in nodes:
            for upstream in set(node.upstream):
                self._dependents.setdefault(upstream, []).append(node)
        self._ready = [node for node in nodes if not node.upstream]
        self._running: set[asyncio.Future[literals_pb2.LiteralMap]] = set()
        self._ended = asyncio.get_running_loop().create_future()

    async def run(self) -> None:
        """Run every node; raise the first failure, after cancelling the nodes still running."""
        if not self._left:
            return
        for node in self._ready:
            self._start(node)
        try:
            await self._ended
        finally:
            for job in self._running:
                job.cancel()
            # Cancelled nodes clean up (a connector job is deleted) before the error goes on.
            await asyncio.gather(*self._running, return_exceptions=True)

    def _start(self, node: Node) -> None:
        literals = _resolve_all(node.bindings, self.outputs)
        job = asyncio.ensure_future(self._run_node(node, literals))
        self._running.add(job)
        job.add_done_callback(lambda ended: self._finished(node, ended))

    def _finished(self, node: Node, job: asyncio.Future[literals_pb2.LiteralMap]) -> None:
        self._running.discard(job)
        if self._ended.done():
            return
        if job.cancelled():
            self._ended.cancel()
            return
        error = job.exception()
        if error is not None:
            self._ended.set_exception(error)
            return
        self.outputs[node.id] = job.result()
        self._left -= 1
        if not self._left:
            self._ended.set_result(None)
            return
        for dependent in self._dependents.get(node.id, ()):
            self._waiting_on[dependent.id] -= 1
            if not self._waiting_on[dependent.id]:
                self._start(dependent)


def _resolve_all(
    bindings: Mapping[str, literals_pb2.BindingData],
    outputs: Mapping[str, literals_pb2.LiteralMap],
) -> literals_pb2.LiteralMap:
    literal_map = literals_pb2.LiteralMap()
    for name, binding in bindings.items():
        literal_map.literals[name].CopyFrom(_resolve(binding, outputs))
    return literal_map


def _resolve(
    binding: literals_pb2.BindingData, outputs: Mapping[str, literals_pb2.LiteralMap]
) -> literals_pb2.Literal:
    """The literal a binding stands for, now that the nodes it refers to have run."""
    kind = binding.WhichOneof("value")
    if kind == "promise":
        return outputs[binding.promise.node_id].literals[binding.promise.var]
    if kind == "collection":
        return literals_pb2.Literal(
            collection=literals_pb2.LiteralCollection(
                literals=[_resolve(b, outputs) for b in binding.collection.bindings]
            )
        )
    if kind == "map":
        return literals_pb2.Literal(
            map=literals_pb2.LiteralMap(
                literals={k: _resolve(b, outputs) for k, b in binding.map.bindings.items()}
            )
        )
    return literals_pb2.Literal(scalar=binding.scalar)


def _items(mapped: MapTask, inputs: literals_pb2.LiteralMap) -> list[literals_pb2.LiteralMap]:
    """One literal map per item: the i-th element of each mapped input, the bound ones as given."""
    lists = {
        name: literal.collection.literals
        for name, literal in inputs.literals.items()
        if name not in mapped.bound_inputs
    }
    sizes = {len(values) for values in lists.values()}
    if len(sizes) > 1:
        lengths = ", ".join(f"{n}: {len(v)}" for n, v in sorted(lists.items()))
        raise ValueError(f"{mapped.name}: the mapped inputs differ in length ({lengths})")
    count = sizes.pop() if sizes else 0
    return [item_inputs(inputs, mapped.bound_inputs, index) for index in range(count)]


async def _collect(mapped: MapTask, results: list[Any]) -> literals_pb2.LiteralMap:
    """The map's one output: the list of its items' outputs, None for an item that failed."""
    outputs = literals_pb2.LiteralMap()
    if not mapped.lets_items_fail:
        # Every item succeeded, and the list's elements are the items' own literals.
        for name in mapped.interface.outputs:
            items = [result.literals[name] for result in results]
            outputs.literals[name].collection.literals.extend(items)
        return outputs
    for name, list_type in mapped.interface.outputs.items():
        (item_type,) = list_type.__args__
        task_type = mapped.task.interface.outputs[name]
        values: list[Any] = []
        for result in results:
            if isinstance(result, BaseException):
                values.append(None)
                continue
            values.append(await TypeEngine.to_python_value(result.literals[name], task_type))
        outputs.literals[name].CopyFrom(await TypeEngine.to_literal(values, list[item_type]))  # type: ignore[valid-type]
    return outputs


class _View:
    """The live view of a workflow run: how many nodes wait, run, are done, cached or failed."""

    def __init__(self, workflow: str) -> None:
        self.workflow = workflow
        self.states: dict[str, str] = {}
        self.live = status.enabled()

    def add(self, node: str) -> None:
        self.states[node] = "waiting"
        self._draw()

    def set(self, node: str, state: str) -> None:
        if self.states.get(node) != "cached" or state != "done":
            self.states[node] = state
        # A node that failed, or came from the cache, is shown at once; other changes share the
        # throttled redraws.
        self._draw(force=state in ("failed", "cached"))

    def _draw(self, force: bool = False) -> None:
        if not self.live:
            return
        counts = Counter(self.states.values())
        order = ("done", "cached", "running", "waiting", "failed")
        summary = ", ".join(f"{counts[s]} {s}" for s in order if counts[s])
        running = [n for n, s in self.states.items() if s == "running"][:4]
        shown = f" ({', '.join(running)})" if running else ""
        status.show(f"[{self.workflow.rpartition('.')[2]}] {summary}{shown}", force=force)

    def close(self) -> None:
        if self.live:
            status.clear()
