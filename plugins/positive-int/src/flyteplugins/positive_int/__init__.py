"""PositiveInt for flyte: an integer of at least 1, as an INTEGER literal tagged ``PositiveInt``.

import flyte
from flyteplugins.positive_int import PositiveInt

env = flyte.TaskEnvironment(name="numbers")

@env.task
def double(n: PositiveInt) -> PositiveInt:
    return PositiveInt(n.value * 2)
"""

from flyteplugins.positive_int.transformer import PositiveInt, PositiveIntTransformer

__all__ = ["PositiveInt", "PositiveIntTransformer"]
