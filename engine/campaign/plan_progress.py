"""The campaign plan's targets (DOMAIN.md, 工作目标; the seed's items 5–8, 11–15, 18, 20), each measured from the
registers (`engine.campaign.registers.counts`): a dashboard tile, the register rows it links to and the quarterly report's
pre-filled figure are one query, so they agree by construction.

| tile | register, filters | figure | the plan's target |
|---|---|---|---|
| `major_loop` | hazards, major | struck off + open within the deadline / major hazards (withdrawn left out) | 100 % from 2024 |
| `major_new` | hazards, major, the year | major hazards reported that year (withdrawn left out) | fewer than the year before, from 2025 |
| `major_open` | hazards, major | not yet struck off (of them past the deadline) | none overdue; none open from 31 Dec 2026 |
| `training` | training (people: `training_coverage`) | people passed (考核合格) / people the year requires | 100 % (full coverage by the end of 2026) |
| `self_checks` | self_checks | done / settled days | every day |
| `inspections` | inspections, routine | done / due | every enterprise each half year |
| `inspections_high_risk` | inspections, routine, red + orange | done / due | red and orange enterprises each quarter |
| `drills` | drills | held / due | every one (yearly, high-risk half-yearly) |
| `referrals` | referrals | settled (feedback recorded) / due | every referral answered |
| `whistleblower` | whistleblower | handled in time (no step past its due time) / due | every report handled in time |
| `notices` | notices | confirmed / due | every receipt confirmed |

**Overdue means overdue.** A major hazard past its deadline is not in the closed loop; a duty past its deadline counts
against its rate. A duty still within its deadline counts neither way (shown as `pending`): the rate is done ÷ (done +
missed + overdue). A rate of 0 ÷ 0 is None ("—"), never 100 %, and then there is no 达标 / 未达标.
Training counts people, as the plan does: a person the year requires (`training_coverage.required_figures`) who
has not passed yet is pending until the year ends, then counts against the rate.
A year chooses items as the register does (hazards, referrals, notices, reports: started that year; duties: due
that year); no year is the campaign to date.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ..runtime import clock
from ..runtime.views import Actor
from . import registers, training_coverage
from .registers import Counts, Filters
from .training_coverage import Figures

YEARS = (2024, 2025, 2026)
LABELS = {  # key: (Chinese, English, the target) — for the simulator's table; the web UI has its own translations
    "major_loop": ("重大隐患闭环管理（逾期不计）", "major hazards in the closed loop (overdue out)", "100 %"),
    "major_new": ("新增重大隐患（较上年）", "new major hazards (vs the year before)", "< 上年 previous"),
    "major_open": ("未销号重大隐患", "major hazards not struck off", "0 逾期 overdue; 0 by 2026-12-31"),
    "training": ("培训覆盖（考核合格人数/应训人数）", "training coverage (people passed / required)", "100 %"),
    "self_checks": ("企业每日自查", "daily self-checks", "100 %"),
    "inspections": ("行业检查（每半年全覆盖）", "routine inspections (each half year)", "100 %"),
    "inspections_high_risk": ("红橙风险企业季度检查", "red/orange enterprises' quarterly inspections", "100 %"),
    "drills": ("疏散逃生演练", "evacuation drills", "100 %"),
    "referrals": ("移送执法收到反馈", "referrals answered", "100 %"),
    "whistleblower": ("举报按时办理", "whistleblower reports handled", "100 %"),
    "notices": ("通知确认", "notices confirmed", "100 %"),
}
FIRST_YEAR, LAST_DAY = YEARS[0], date(2026, 12, 31)


@dataclass(frozen=True)
class Tile:
    """One target of the plan: its figure (numerator / denominator), whether it is met, and the rows behind it."""

    key: str
    register: str
    filters: Filters  # the register rows behind the tile (the denominator's)
    counts: Counts
    numerator: int
    denominator: int | None  # None: a count, not a rate
    target: str  # all | fewer | zero
    met: bool | None  # None: the plan sets no target here, or there is nothing to judge yet
    previous: int | None = None  # major_new: the year before's figure
    previous_filters: Filters | None = None
    people: Figures | None = None  # training: the people required, enrolled, trained and passed

    @property
    def rate(self) -> float | None:
        """numerator ÷ denominator (None for a count, or for 0 ÷ 0)."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> int | None:
        """The rate in whole percent, rounded down: 199 of 200 is 99 %, never a 100 % that is not met."""
        return None if self.rate is None else int(self.rate * 100)

    @property
    def pending(self) -> int:
        """Items still within their deadline: counted neither for nor against a rate (training: people not yet
        passed while the year runs)."""
        if self.people is not None:
            return 0 if self.met is not None else (self.denominator or 0) - self.numerator
        return self.counts.open if self.denominator is not None and self.key != "major_loop" else 0


@dataclass(frozen=True)
class PlanProgress:
    """Every target of the plan for one year (or the campaign to date), measured on `today`."""

    year: int | None
    today: date
    tiles: tuple[Tile, ...]
    new_major_by_year: tuple[tuple[int, int], ...]  # each campaign year so far: major hazards reported

    def tile(self, key: str) -> Tile:
        """The tile by key."""
        return next(t for t in self.tiles if t.key == key)


def _all_met(n: int, total: int) -> bool | None:
    return None if total == 0 else n == total


def _duty(key: str, register: str, counts: Counts, filters: Filters) -> Tile:
    """A duty's rate: done ÷ (done + missed + overdue); still within its deadline counts neither way. Registers
    that judge time (`in_time`) count only what was done within every due time."""
    settled = counts.done + counts.missed + counts.overdue
    return Tile(key, register, filters, counts, counts.in_time, settled, "all", _all_met(counts.in_time, settled))


def _training(actor: Actor, filters: Filters, today: date) -> Tile:
    """People passed ÷ people required, the year's (or every campaign year's so far); the enrolments' register
    states ride along for the links."""
    years = [filters.year] if filters.year else [y for y in YEARS if y <= today.year]
    people = sum((training_coverage.required_figures(actor, y) for y in years), Figures())
    chosen = replace(Filters(), year=filters.year, quarter=filters.quarter, month=filters.month)
    counts = registers.counts(actor, "training", chosen, today=today)
    over = today > date(max(years), 12, 31) if years else False
    met = None if people.required == 0 else (True if people.passed >= people.required else (False if over else None))
    return Tile("training", "training", chosen, counts, min(people.passed, people.required), people.required, "all",
                met, people=people)


def _major_new(actor: Actor, year: int | None, today: date, by_year: dict[int, int]) -> Tile:
    filters = Filters(year=year, variant="major")
    counts = registers.counts(actor, "hazards", filters, today=today)
    found = counts.due - counts.missed
    if year is None:  # to date: every year from 2025 on below the one before (or none at all)
        judged = [y for y in by_year if y > FIRST_YEAR]
        met = all(by_year[y] == 0 or by_year[y] < by_year[y - 1] for y in judged) if judged else None
        return Tile("major_new", "hazards", filters, counts, found, None, "fewer", met)
    previous = by_year.get(year - 1) if year - 1 in by_year else _found(actor, year - 1, today)
    met = None if year <= FIRST_YEAR else (found == 0 or found < previous)
    return Tile("major_new", "hazards", filters, counts, found, None, "fewer", met, previous,
                Filters(year=year - 1, variant="major"))


def _found(actor: Actor, year: int, today: date) -> int:
    counts = registers.counts(actor, "hazards", Filters(year=year, variant="major"), today=today)
    return counts.due - counts.missed


def _major_tiles(actor: Actor, year: int | None, today: date, by_year: dict[int, int]) -> tuple[Tile, ...]:
    filters = Filters(year=year, variant="major")
    c = registers.counts(actor, "hazards", filters, today=today)
    known = c.due - c.missed
    loop = Tile("major_loop", "hazards", filters, c, c.done + c.open, known, "all", _all_met(c.done + c.open, known))
    still = c.open + c.overdue
    cleared = c.overdue == 0 if today < LAST_DAY else still == 0  # dynamic zero, then zero
    return (loop, _major_new(actor, year, today, by_year), Tile("major_open", "hazards", filters, c, still, None,
                                                                 "zero", cleared))


DUTIES = (  # key, register, filters beyond the year
    ("training", "training", Filters()),
    ("self_checks", "self_checks", Filters()),
    ("inspections", "inspections", Filters(variant="routine")),
    ("inspections_high_risk", "inspections", Filters(variant="routine", risk_grades=("red", "orange"))),
    ("drills", "drills", Filters()),
    ("referrals", "referrals", Filters()),
    ("whistleblower", "whistleblower", Filters()),
    ("notices", "notices", Filters()),
)


def duty_tile(actor: Actor, key: str, filters: Filters, *, today: date | None = None) -> Tile:
    """One duty tile over any period (`filters`' year, quarter or month): what the quarterly report reuses
    (training counts the period's year in people)."""
    if key == "training":
        return _training(actor, filters, today or clock.now().astimezone(clock.CHINA_TZ).date())
    [(register, extra)] = [(r, f) for k, r, f in DUTIES if k == key]
    chosen = replace(extra, year=filters.year, quarter=filters.quarter, month=filters.month)
    return _duty(key, register, registers.counts(actor, register, chosen, today=today), chosen)


def progress(actor: Actor, year: int | None = None, *, today: date | None = None) -> PlanProgress:
    """The plan's targets for `year` (None: the campaign to date) over what the actor may see.

    Registers an actor may not open (enterprise users: referrals, whistleblower reports) are left out.
    """
    day = today or clock.now().astimezone(clock.CHINA_TZ).date()
    years = [y for y in YEARS if y <= max(day.year, FIRST_YEAR)]
    by_year = {y: _found(actor, y, day) for y in years}
    visible = {k.key for k in registers.visible_kinds(actor)}
    duties = tuple(duty_tile(actor, key, Filters(year=year), today=day) for key, register, _f in DUTIES
                   if register in visible)
    return PlanProgress(year, day, _major_tiles(actor, year, day, by_year) + duties, tuple(by_year.items()))


__all__ = ["YEARS", "LABELS", "Tile", "PlanProgress", "DUTIES", "duty_tile", "progress"]
