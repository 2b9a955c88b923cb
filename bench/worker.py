"""A timer worker in its own process: `python -m bench.worker URL NAME` fires every due job once.

Prints one JSON line: how many it fired, how long it took and its peak RSS.
"""
from __future__ import annotations

import json
import resource
import sys
import tempfile
import time

import engine
from engine.runtime import timers


def main(url: str, name: str) -> None:
    engine.configure(database_url=url, data_dir=tempfile.gettempdir())
    t0 = time.perf_counter()
    fired = timers.fire_due(worker=name)
    print(json.dumps({"worker": name, "fired": fired, "seconds": time.perf_counter() - t0,
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
