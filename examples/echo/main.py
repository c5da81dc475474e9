"""The echo plugin: a task whose outputs are its inputs, run locally as a Flyte backend runs it.

python examples/echo/main.py
flyte run --local examples/echo/main.py echo --message hello
flyte serialize examples/echo/main.py --project demo --domain development -o /tmp/echo-out
"""

from __future__ import annotations

import flyte
from flyteplugins.echo import Echo

env = flyte.TaskEnvironment(name="echo_example")


@env.task(config=Echo())
def echo(message: str) -> str:
    """Never runs: the echo plugin returns the input as the output."""
    raise AssertionError("an echo task's body does not run")


@env.task
def shout(message: str, times: int = 2) -> str:
    """An ordinary task, for comparison: its body runs."""
    return " ".join([message.upper()] * times)


def main() -> None:
    """Run both tasks locally and check what they return."""
    echoed = flyte.run(echo, message="hello")
    shouted = flyte.run(shout, message=echoed)
    print(f"echo returned {echoed!r}; shout returned {shouted!r}")
    assert (echoed, shouted) == ("hello", "HELLO HELLO")


if __name__ == "__main__":
    main()
