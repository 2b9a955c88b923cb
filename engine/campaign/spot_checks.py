"""Which self-closed hazards the bureau checks (自查自改抽查): a configurable rate and a deterministic pick.

A general hazard the enterprise found itself is fixed and closed by the enterprise (`hazard_closure`, issue 16 §4);
the bureau checks a sample. When the enterprise closes it, the diagram's script calls
`spot_check_pick(enterprise_code, case_title, found_at, closures)` and checks the case when it answers True.

The rule, in full:

- the rate is `SAFELOOP_SPOT_CHECK_RATE` (a share 0–1, default 0.2; a value that is not a number in 0–1 is the
  default), read at each call, so a change applies to the next closure;
- the pick is deterministic: SHA-256 of the enterprise code, the title, the date found and how many times the
  hazard was closed, read as a number in [0, 1), is below the rate. The same hazard closed the same way is always
  picked the same way (tests and the simulator reproduce), and about `rate` of all closures are picked;
- a hazard whose earlier sample check failed is always checked again: the diagram asks for that itself
  (`spot_check_failures > 0`), the pick is not called.

`SAFELOOP_SPOT_CHECK_SALT` (default empty) goes into the hash: set it on a server so that an enterprise cannot work
out in advance which of its closures will be drawn. Registered with `scripting.register_function` when the campaign
layer is imported, like `register_figures`.
"""
from __future__ import annotations

import hashlib
import os

from ..runtime import scripting

DEFAULT_RATE = 0.2


def rate() -> float:
    """The share of self-closed hazards checked (SAFELOOP_SPOT_CHECK_RATE, 0–1; default 0.2)."""
    try:
        value = float(os.environ.get("SAFELOOP_SPOT_CHECK_RATE", DEFAULT_RATE))
    except ValueError:
        return DEFAULT_RATE
    return value if 0.0 <= value <= 1.0 else DEFAULT_RATE


def draw(enterprise_code: str, case_title: str, found_at: str, closures: int = 1) -> float:
    """The closure's number in [0, 1): the same inputs always give the same number."""
    salt = os.environ.get("SAFELOOP_SPOT_CHECK_SALT", "")
    text = "|".join((salt, str(enterprise_code or ""), str(case_title or ""), str(found_at or "")[:10], str(int(closures))))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") / 2 ** 64


def pick(enterprise_code: str, case_title: str, found_at: str, closures: int = 1) -> bool:
    """True when this closure is drawn for the bureau's sample check."""
    share = rate()
    return share >= 1.0 or draw(enterprise_code, case_title, found_at, closures) < share


scripting.register_function("spot_check_pick", pick)

__all__ = ["DEFAULT_RATE", "rate", "draw", "pick"]
