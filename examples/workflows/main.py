"""A workflow: tasks wired into a graph when it is defined, run locally, serialized for a backend.

python examples/workflows/main.py
flyte run --local examples/workflows/main.py shop_report --day 2026-11-30
flyte serialize examples/workflows/main.py --project demo --domain development -o /tmp/wf-out

The body of ``shop_report`` runs once, when it is defined, and builds the graph: ``orders`` and
``prices`` do not depend on each other and run side by side; ``flyte.map`` runs ``price_of``
once per item, at most four at a time; ``total`` waits for both.
"""

from __future__ import annotations

import tempfile

import flyte

env = flyte.TaskEnvironment(name="shop")


@env.task
def orders(day: str) -> list[str]:
    """The items ordered on ``day``."""
    return ["apple", "pear", "fig"] if day.endswith("30") else ["apple"]


@env.task(cache="v1")
def price_of(item: str, currency: str = "EUR") -> float:
    """An item's price; cached, so a second run reuses it."""
    return {"apple": 0.5, "pear": 0.75, "fig": 1.25}[item]


@env.task
def total(prices: list[float], discount: float) -> float:
    """The sum of ``prices``, less ``discount``."""
    return round(sum(prices) * (1 - discount), 2)


@env.task
def count(items: list[str]) -> int:
    """How many items there are."""
    return len(items)


@flyte.workflow
def shop_report(day: str, discount: float = 0.1) -> tuple[int, float]:
    """How many items were ordered on ``day``, and what they cost.

    :param day: the day, as 2026-11-30
    :param discount: the share taken off the sum
    """
    items = orders(day=day)
    prices = flyte.map(price_of, item=items, concurrency=4)
    return count(items=items), total(prices=prices, discount=discount)


def main() -> None:
    """Run the workflow locally, then serialize it with its tasks and launch plan."""
    ordered, cost = flyte.run(shop_report, day="2026-11-30")
    print(f"shop_report(day='2026-11-30') -> {ordered} items, {cost}")
    assert (ordered, cost) == (3, 2.25)
    with tempfile.TemporaryDirectory() as out:
        specs = flyte.serialize(shop_report, project="demo", domain="development", output_dir=out)
        print(f"serialized {len(specs)} specs: tasks, the map, the workflow and its launch plan")
        assert len(specs) == 7


if __name__ == "__main__":
    main()
