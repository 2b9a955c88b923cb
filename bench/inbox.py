"""Inbox queries (`engine.list_tasks`) at a given number of open tasks: p50 and p95 in ms."""
from __future__ import annotations

import time

import engine

from .stats import pct


def actors(people: dict[str, engine.Actor]) -> dict[str, tuple[engine.Actor, str]]:
    """Who asks, and for which scope: an industry inspector, a section chief (all), an officer, and 'mine'."""
    mine = engine.Actor(username="u007", roles=frozenset({"bureau_inspector"}))
    return {"candidate, inspector (1 industry)": (people["inspector_catering"], "candidate"),
            "candidate, section chief (all)": (people["chief"], "candidate"),
            "candidate, enterprise officer": (people["officer_a"], "candidate"),
            "mine (claimed)": (mine, "mine")}


def measure(people: dict[str, engine.Actor], queries: int) -> dict[str, tuple[float, float, int]]:
    """p50 ms, p95 ms and the total rows matched, per kind of query (first page of 50)."""
    out = {}
    for label, (actor, scope) in actors(people).items():
        engine.list_tasks(actor, scope=scope)  # warm the statement cache
        times, total = [], 0
        for _ in range(queries):
            t0 = time.perf_counter()
            page = engine.list_tasks(actor, scope=scope)
            times.append((time.perf_counter() - t0) * 1000)
            total = page.total
        out[label] = (pct(times, 50), pct(times, 95), total)
    return out
