"""Peak memory of an engine process that has loaded N cases: `python -m bench.loader URL N`."""
from __future__ import annotations

import json
import resource
import sys
import tempfile
import time

from sqlalchemy import select

import engine
from engine.runtime.db import unit_of_work
from engine.runtime.models import ProcessInstance


def main(url: str, n: int) -> None:
    engine.configure(database_url=url, data_dir=tempfile.gettempdir())
    with unit_of_work(write=False) as s:
        ids = list(s.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id).limit(n)))
    t0 = time.perf_counter()
    for instance_id in ids:
        engine.get_instance(engine.SYSTEM, instance_id)  # loads the workflow from its stored state
    print(json.dumps({"cases": len(ids), "seconds": time.perf_counter() - t0,
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
