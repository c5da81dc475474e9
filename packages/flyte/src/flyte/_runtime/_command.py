"""The container entry point's command line, built (into a task's container args) and parsed here.

flyte-execute --inputs {{.input}} --output-prefix {{.outputPrefix}}
              --raw-output-data-prefix {{.rawOutputDataPrefix}} --module app.tasks --task clean
              [--code-bundle s3://bucket/fast123.tar.gz --dest /root]
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["RUNTIME_COMMAND", "EntrypointCommand"]

#: The console script of flyte-core that a task's container runs.
RUNTIME_COMMAND = "flyte-execute"


@dataclass(frozen=True)
class EntrypointCommand:
    """What ``flyte-execute`` is told: where the inputs and outputs are, which task, which code.

    ``inputs``, ``output_prefix`` and ``raw_output_data_prefix`` are paths or URIs, or the
    placeholders a backend fills in; ``module`` and ``task`` locate the task; ``code_bundle``
    (optional) is unpacked into ``dest`` first. ``map`` runs one item of a map over the task:
    the item's index comes from the backend's array job variables, and each input but the
    ``bound_inputs`` is a list the item takes its value from.
    """

    inputs: str
    output_prefix: str
    module: str
    task: str
    raw_output_data_prefix: str = ""
    code_bundle: str = ""
    dest: str = "."
    map: bool = False
    bound_inputs: tuple[str, ...] = ()

    def args(self) -> list[str]:
        """The container's args: the console script, then its options."""
        args = [
            RUNTIME_COMMAND,
            "--inputs",
            self.inputs,
            "--output-prefix",
            self.output_prefix,
            "--raw-output-data-prefix",
            self.raw_output_data_prefix,
            "--module",
            self.module,
            "--task",
            self.task,
        ]
        if self.code_bundle:
            args += ["--code-bundle", self.code_bundle, "--dest", self.dest]
        if self.map:
            args.append("--map")
            for name in self.bound_inputs:
                args += ["--bound-input", name]
        return args

    @classmethod
    def parse(cls, argv: Sequence[str] | None = None) -> EntrypointCommand:
        """The command that ``argv`` (the options, without the script's name) gives.

        Exits with argparse's usage message on a malformed command line.
        """
        options = vars(_parser().parse_args(argv))
        options["bound_inputs"] = tuple(options["bound_inputs"])
        return cls(**options)


@functools.cache
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=RUNTIME_COMMAND, description="Run a flyte task in its container."
    )
    p.add_argument("--inputs", required=True, help="path or URI of the inputs LiteralMap")
    p.add_argument("--output-prefix", required=True, help="folder or URI prefix for the outputs")
    p.add_argument("--raw-output-data-prefix", default="", help="prefix for offloaded data")
    p.add_argument("--module", required=True, help="the module that defines the task")
    p.add_argument("--task", required=True, help="the module attribute that holds the task")
    p.add_argument("--code-bundle", default="", help="path or URI of the code bundle .tar.gz")
    p.add_argument("--dest", default=".", help="the folder to unpack the code bundle into")
    p.add_argument("--map", action="store_true", help="run one item of a map over the task")
    p.add_argument(
        "--bound-input",
        dest="bound_inputs",
        action="append",
        default=[],
        help="an input a map passes to every item as it is (repeatable)",
    )
    return p
