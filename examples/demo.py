"""The demo of flyte-core: what the three shipped plugins bring, discovered from their wheels.

Run it with `python3 noxw.py -s demo`, which builds and installs the packages first.
"""

from __future__ import annotations

import flyte.plugins
from flyte.cli import main as flyte_cli


def main() -> None:
    """Show every discovered plugin and what each registered."""
    print("== flyte plugins ==")
    flyte_cli(["plugins"])
    loaded = [p for p in flyte.plugins.list_plugins() if p.status.value == "loaded"]
    print(f"\n{len(loaded)} plugins loaded")


if __name__ == "__main__":
    main()
