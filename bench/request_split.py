"""CPU per API request, split into Flask, auth, engine and JSON (`python -m bench --profile`).

The `review` path over the JSON API (start, complete `rectify`, complete `accept`, each with a bearer token) through
Flask's test client in this process, so every request's CPU is this thread's: first timed plainly (CPU ms per
request), then under cProfile to split it by cumulative time —

- *auth*: `webui.api.common.authenticate_request` (the token's signature and revocation, the actor's rows);
- *engine*: `engine.start_instance` / `engine.complete_task` (the step, its unit of work);
- *JSON*: reading the body (`json_body`) and writing the answer (`json_response`: the view made plain, dumped);
- *Flask*: the rest (routing, request and response objects, before/after hooks, the WSGI round).

The split is applied to the plain timing (cProfile inflates Python calls, not their proportions by much). What the
test client leaves out is gunicorn's own socket and HTTP parsing work.
"""
from __future__ import annotations

import cProfile
import pstats
import time
from typing import Any

import engine

from . import targets

PASSWORD = "bench-password-123"
PARTS = {"auth": [("webui/api/common.py", "authenticate_request")],
         "engine": [("engine/runtime/cases.py", "start_instance"), ("engine/runtime/tasks.py", "complete_task")],
         "JSON": [("webui/api/common.py", "json_body"), ("webui/api/common.py", "json_response")]}


def _loop(client: Any, tokens: dict[str, str], cases: int) -> int:
    """Run `cases` review cases over the API; returns the number of requests."""
    sent = 0
    for _ in range(cases):
        answer = client.post("/api/v1/processes/review/instances", json={"data": {"case_title": "压测", "spawn": False}},
                             headers={"Authorization": f"Bearer {tokens['officer_a']}"})
        sent += 1
        for element, who, data in (("rectify", "officer_a", {"measures": "更换"}),
                                   ("accept", "inspector_catering", {"result": "pass"})):
            assert answer.status_code in (200, 201), answer.get_data(as_text=True)[:300]
            task = next(t for t in answer.get_json()["open_tasks"] if t["element_id"] == element)
            answer = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data},
                                 headers={"Authorization": f"Bearer {tokens[who]}"})
            sent += 1
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return sent


def _cumulative(stats: pstats.Stats, where: str, name: str) -> float:
    return sum(row[3] for (path, _line, fn), row in stats.stats.items()  # type: ignore[attr-defined]
               if fn == name and path.endswith(where))


def measure(target: targets.Target, cases: int) -> dict[str, float]:
    """CPU ms per request: total, then auth / engine / JSON / Flask by the profile's proportions."""
    from webui import create_app
    targets.use(target)
    for name in ("officer_a", "inspector_catering"):
        engine.set_password(name, PASSWORD)
    time.sleep(1.1)  # a password change cuts off tokens issued up to its second (tokens carry whole seconds)
    app = create_app({"TESTING": True, "ENGINE_CONFIGURED": True, "DATA_DIR": str(target.data_dir / "web"),
                      "SECRET_KEY": "bench-secret-key-bench-secret-key"})
    client = app.test_client()
    tokens = {n: client.post("/api/v1/auth/token", json={"username": n, "password": PASSWORD}).get_json()["token"]
              for n in ("officer_a", "inspector_catering")}
    _loop(client, tokens, 3)  # warm caches and the pool
    t0 = time.process_time()
    sent = _loop(client, tokens, cases)
    total = (time.process_time() - t0) * 1000 / sent
    prof = cProfile.Profile()
    prof.enable()
    _loop(client, tokens, cases)
    prof.disable()
    stats = pstats.Stats(prof)
    whole = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]  # all own time
    shares = {part: sum(_cumulative(stats, where, fn) for where, fn in fns) / whole for part, fns in PARTS.items()}
    split = {part: total * share for part, share in shares.items()}
    split["Flask"] = total - sum(split.values())
    return {"total": total, **split}
