"""Small statistics and the result table."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def pct(xs: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    if not xs:
        return float("nan")
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Table:
    """Rows of (section, measure, database, value, target) printed as one aligned table."""

    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def add(self, section: str, measure: str, database: str, value: str, target: str = "") -> None:
        self.rows.append((section, measure, database, value, target))
        print(f"  {section:<10} {measure:<44} {database:<10} {value:>16}  {target}", flush=True)

    def render(self) -> str:
        head = ("section", "measure", "database", "value", "target")
        widths = [max(len(str(r[i])) for r in [head, *self.rows]) for i in range(5)]
        lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |",
                 "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        lines += ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in self.rows]
        return "\n".join(lines)
