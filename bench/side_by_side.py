"""Engine vs raw ms per `review` step, CPU and wall, for comparing two versions of the code at the same time.

`python -m bench.side_by_side sqlite|postgresql [cases]` — run it in two checkouts at once (say the commit before a
change and after it): both processes share whatever else loads the machine, so their ratios compare even when the
machine is busy. Each alternates blocks of engine and raw cases (five blocks) and prints medians; CPU is this
process's own (SQLite works in it; PostgreSQL's server does not).
"""
from __future__ import annotations

import statistics
import sys
import time

from . import paths, targets


def main(argv: list[str]) -> int:
    which, cases = argv[0], int(argv[1]) if len(argv) > 1 else 15
    target = targets.chosen(which, "sbs")
    if target is None:
        return 1
    raw = paths.new_raw()
    try:
        for _ in range(3):
            paths.engine_case(target.people)
            paths.raw_case(raw)
        times: dict[str, list[float]] = {k: [] for k in ("engine cpu", "engine wall", "raw cpu", "raw wall")}
        steps = cases * (1 + len(paths.STEPS))
        for _ in range(5):
            for side, run in (("engine", lambda: paths.engine_case(target.people)), ("raw", lambda: paths.raw_case(raw))):
                c0, w0 = time.process_time(), time.perf_counter()
                for _ in range(cases):
                    run()
                times[f"{side} cpu"].append((time.process_time() - c0) / steps * 1000)
                times[f"{side} wall"].append((time.perf_counter() - w0) / steps * 1000)
        m = {k: statistics.median(v) for k, v in times.items()}
        ratio = {kind: statistics.median([e / r for e, r in zip(times[f"engine {kind}"], times[f"raw {kind}"])])
                 for kind in ("cpu", "wall")}
        print(f"{target.name}: engine cpu {m['engine cpu']:.2f} wall {m['engine wall']:.2f} ms/step | raw cpu "
              f"{m['raw cpu']:.2f} wall {m['raw wall']:.2f} | ratio cpu {ratio['cpu']:.2f}x wall {ratio['wall']:.2f}x")
    finally:
        target.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
