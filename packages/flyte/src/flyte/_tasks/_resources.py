"""Resources: the cpu, memory and gpu a task requests and is limited to."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Resources"]

#: A quantity, or a (request, limit) pair of them.
Quantity = str | int | float
Amount = Quantity | tuple[Quantity, Quantity] | None


@dataclass(frozen=True)
class Resources:
    """The cpu, memory and gpu of a task, in Kubernetes quantities.

    A single value is both the request and the limit; a ``(request, limit)`` pair sets them apart::

        Resources(cpu=(1, 2), memory="2Gi", gpu=1)
    """

    cpu: Amount = None
    memory: Amount = None
    gpu: Amount = None

    def __post_init__(self) -> None:
        for name in ("cpu", "memory", "gpu"):
            value = getattr(self, name)
            pair = value if isinstance(value, tuple) else (value, value)
            if len(pair) != 2 or not all(
                v is None or (isinstance(v, (str, int, float)) and not isinstance(v, bool))
                for v in pair
            ):
                raise ValueError(
                    f"Resources({name}={value!r}): expected a quantity such as 2, '500m' or "
                    f"'1Gi', or a (request, limit) pair of them"
                )

    def requests(self) -> dict[str, str]:
        """The requested quantities by resource name (``cpu``, ``memory``, ``gpu``)."""
        return self._side(0)

    def limits(self) -> dict[str, str]:
        """The limits by resource name (``cpu``, ``memory``, ``gpu``)."""
        return self._side(1)

    def _side(self, index: int) -> dict[str, str]:
        out = {}
        for name in ("cpu", "memory", "gpu"):
            value = getattr(self, name)
            chosen = value[index] if isinstance(value, tuple) else value
            if chosen is not None:
                out[name] = str(chosen)
        return out
