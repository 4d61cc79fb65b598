"""Run one benchmark: `python -m bench NAME [ARGS...]` imports `bench.NAME` and calls main()."""

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not module.name.startswith("_")
    )


def run(argv: list[str]) -> int:
    if not argv or argv[0] not in available():
        print(f"usage: python -m bench NAME [ARGS...]; NAME is one of: {', '.join(available())}")
        return 2
    # The benchmark sees its own arguments as if it had been run directly.
    sys.argv = [f"bench.{argv[0]}", *argv[1:]]
    result = importlib.import_module(f"bench.{argv[0]}").main()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
