"""`make bench`: every part's figures as one JSON document on stdout."""

import importlib
import json
import sys

PARTS = ("bench_core", "bench_mesh", "bench_hw")


def main() -> None:
    out = {}
    for name in PARTS:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            continue
        print(f"running {name} ...", file=sys.stderr)
        out[name.removeprefix("bench_")] = module.run()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
