"""The echo task plugin: a task whose outputs are its inputs.

import flyte
from flyteplugins.echo import Echo

env = flyte.TaskEnvironment(name="echo")

@env.task(config=Echo())
def echo(x: int) -> int: ...
"""

from flyteplugins.echo.task import Echo, EchoTask

__all__ = ["Echo", "EchoTask"]
