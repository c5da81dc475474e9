"""A task that takes and returns a PositiveInt, whose transformer comes from its plugin's wheel.

    python examples/type_transformers/main.py
    flyte run --local examples/type_transformers/main.py next_order --order 41

Nothing here registers the transformer: the type engine meets PositiveInt, has no transformer
for it, loads the `flyte.transformers` entry points once (finding flyteplugins-positive-int)
and looks again.
"""

from __future__ import annotations

import flyte
from flyte.errors import TaskInputError, TypeTransformerFailedError
from flyte.types import TypeEngine
from flyteplugins.positive_int import PositiveInt

env = flyte.TaskEnvironment(name="type_transformers")


@env.task
def next_order(order: PositiveInt) -> PositiveInt:
    """The order number after ``order``."""
    return PositiveInt(order.value + 1)


def type_name(literal_type: object) -> str:
    """A literal type in one line of text."""
    return " ".join(str(literal_type).split())


def main() -> None:
    """Run the task, show the literal type it declares, and the errors of bad values."""
    literal_type = TypeEngine.to_literal_type(PositiveInt)
    print(f"PositiveInt's literal type: {type_name(literal_type)}")
    assert TypeEngine.guess_python_type(literal_type) is PositiveInt

    result = flyte.run(next_order, order=PositiveInt(41))
    print(f"next_order(41) = {result!r}")
    assert result == PositiveInt(42)

    try:
        flyte.run(next_order, order=0)
    except (TaskInputError, TypeTransformerFailedError) as exc:
        print(f"a bad input is refused before the task runs:\n  {exc}")
    else:
        raise AssertionError("an int where a PositiveInt is expected must be refused")


if __name__ == "__main__":
    main()
