"""ScriptedClock: virtual time for the polling loop, so tests of connectors never sleep."""

from __future__ import annotations

import asyncio

from flyte.connectors._polling import Clock

__all__ = ["ScriptedClock"]


class ScriptedClock(Clock):
    """A :class:`flyte.connectors.Clock` whose ``sleep`` returns at once and advances virtual time.

    ``ScriptedClock(start=0.0)``: :meth:`now` starts at ``start``; every ``sleep(s)`` asked for
    is kept in :attr:`sleeps`, so a test can check the polling backoff. Only the loop's waits are
    virtual: a connector call that awaits real I/O still takes real time.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.start = start
        self._now = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        """The virtual time, in seconds."""
        return self._now

    @property
    def elapsed(self) -> float:
        """Virtual seconds since :attr:`start`."""
        return self._now - self.start

    async def sleep(self, seconds: float) -> None:
        """Advance virtual time by ``seconds`` without waiting.

        It still yields to the event loop once, first: a sleep is where a run is cancelled, and
        a cancelled sleep does not advance the time.
        """
        self.sleeps.append(seconds)
        await asyncio.sleep(0)
        self.advance(max(seconds, 0.0))

    def advance(self, seconds: float) -> None:
        """Move virtual time forward by ``seconds`` (a negative amount is refused)."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back: advance({seconds})")
        self._now += seconds
