"""Where an engine step spends its time: cProfile over a batch of `review` cases."""
from __future__ import annotations

import cProfile
import io
import pstats

import engine

from . import paths
from .targets import ROOT


def profile(people: dict[str, engine.Actor], cases: int, top: int = 30) -> str:
    """The engine's own functions by cumulative time, then everything by own time (pstats text)."""
    paths.engine_case(people)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(cases):
        paths.engine_case(people)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    out.write(f"--- {cases} cases = {cases * (1 + len(paths.STEPS))} steps; engine functions by cumulative time ---\n")
    stats.sort_stats("cumulative").print_stats(rf"{ROOT}/engine/", top)
    out.write("--- all functions by own time ---\n")
    stats.sort_stats("tottime").print_stats(15)
    site = next((p for p in __import__("sys").path if p.endswith("site-packages")), "")
    return out.getvalue().replace(f"{ROOT}/", "").replace(f"{site}/", "")
