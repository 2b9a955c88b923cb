"""The bureau's document numbers (文号): one series per kind of letter, numbered from 1 each year.

A number is taken by one atomic upsert on the (series, year) row, inside the caller's transaction: two steps
that issue letters at the same moment get two numbers (PostgreSQL row lock on the upsert; SQLite writers are
serialized), and a step that rolls back gives its number back. A step that ends in an incident keeps its number
(the incident is stored with the step), so a year's series may have a gap, never a duplicate.
"""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .campaign_models import DocumentNumber

# series: (prefix, the letter's kind in Chinese); the number reads 洮商安移〔2026〕3号
SERIES: dict[str, tuple[str, str]] = {
    "referral": ("洮商安移", "移送函"),
    "inquiry": ("洮商安函", "函询函"),
}


def take(s: Session, series: str, year: int) -> int:
    """The next number of `series` in `year` (1 for the year's first), written in the caller's transaction."""
    table = DocumentNumber.__table__
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (insert(table).values(series=series, year=year, last=1)
            .on_conflict_do_update(index_elements=[table.c.series, table.c.year], set_={"last": table.c.last + 1})
            .returning(table.c.last))
    return int(s.execute(stmt).scalar_one())


def formatted(series: str, year: int, number: int) -> str:
    """The number as the letter shows it: 洮商安移〔2026〕3号."""
    return f"{SERIES[series][0]}〔{year}〕{number}号"


__all__ = ["SERIES", "take", "formatted"]
