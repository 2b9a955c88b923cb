"""Which statements an engine step sends, listed step by step, and the counts per step.

`python -m bench.step_trace sqlite|postgresql [review|hazard] [--sql]` — one case through the engine with the
counter of `bench/statements.py` attached; prints per step its statements and round trips, and with `--sql` each
statement's first line (BEGIN, COMMIT/ROLLBACK and the pool's pre-ping shown as such).
"""
from __future__ import annotations

import sys
import time
from typing import Any

from sqlalchemy import event

from engine.runtime import db

from . import hazard, paths, statements, targets


def main(argv: list[str]) -> int:
    which = argv[0] if argv else "postgresql"
    path = argv[1] if len(argv) > 1 and not argv[1].startswith("-") else "review"
    show = "--sql" in argv or "--full" in argv
    full = "--full" in argv
    target = targets.chosen(which, "trace")
    if target is None:
        return 1
    try:
        spec = None
        if path == "hazard":
            spec = hazard.demo_case()
            assert spec is not None, "no demo hazard case"
            hazard.prepare(target)
            run = lambda t: hazard.engine_case(spec, t)
        else:
            run = lambda t: paths.engine_case(target.people, t)
        run(None)  # warm caches and the pool
        lines: list[str] = []
        engine = db.sql_engine()

        def on_sql(_conn: Any, _cur: Any, stmt: str, params: Any, _ctx: Any, many: bool) -> None:
            first = " ".join(stmt.split())[:150] if not full else " ".join(stmt.split())
            lines.append(("executemany " if many else "") + first)

        def note(label: str) -> Any:
            return lambda *_a, **_k: lines.append(label)

        hooks: list[tuple[Any, str, Any]] = [(engine, "before_cursor_execute", on_sql), (engine, "begin", note("-- BEGIN")),
                                             (engine, "commit", note("-- COMMIT")), (engine, "rollback", note("-- ROLLBACK"))]
        pings = getattr(db, "pings_on_checkout", lambda e: e.pool._pre_ping)
        if pings(engine):
            hooks.append((engine.pool, "checkout", note("-- checkout (its check: BEGIN or pre-ping)")))
        for target_, name, fn in hooks:
            event.listen(target_, name, fn)

        class Steps(statements.StepCounts):
            def add(self, step: str, seconds: float) -> None:
                super().add(step, seconds)
                print(f"== {step}: {self.statements[step][-1]} statements, {self.trips[step][-1]} round trips")
                if show:
                    for line in lines:
                        print("   ", line)
                lines.clear()

        with statements.counting() as counter:
            steps = Steps(counter=counter)
            steps.mark()
            lines.clear()
            t0 = time.perf_counter()
            run(steps)
            elapsed = time.perf_counter() - t0
        for target_, name, fn in hooks:
            event.remove(target_, name, fn)
        print(f"{target.name} {path}: statements per step {steps.per_step(steps.statements):.1f}, "
              f"round trips per step {steps.per_step(steps.trips):.1f} ({elapsed * 1000:.0f} ms)")
    finally:
        target.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
