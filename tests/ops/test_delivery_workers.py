"""Deliveries on PostgreSQL: two sender processes × 1,000 webhook deliveries against a local sink, with and without
SIGKILLs. Without kills every delivery arrives exactly once. With kills none is lost (a killed sender's leased
deliveries go out once the lease has run out, as a surviving worker would send them), and a delivery arrives twice
only when its sender was killed after the POST and before marking it sent: at most one repeat per kill, each
carrying the same `X-Safeloop-Delivery` id (docs/operations.md, "Notification deliveries").
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.runtime import channels, deliveries, notifications
from engine.runtime.db import unit_of_work
from engine.runtime.models import Delivery
from tests.ops.children import Child, result, sender, spawn, wait_ready

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300),
              pytest.mark.parametrize("database", ["postgresql"], indirect=True)]
DELIVERIES = 1000
KILLS = 20
BATCH = 5


class Sink(ThreadingHTTPServer):
    """A webhook receiver recording the delivery id of every POST it read in full."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.received: list[int] = []
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds each POST takes to answer once read

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/hook"

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001 - a killed sender drops its connection
        pass


class _Hook(BaseHTTPRequestHandler):
    server: Sink

    def do_POST(self) -> None:  # noqa: N802 - http.server's API
        self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.received.append(int(self.headers[channels.DELIVERY_HEADER]))
        time.sleep(self.server.delay)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    server = Sink()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SAFELOOP_WEBHOOK_URL", server.url)
    yield server
    server.shutdown()
    server.server_close()


def _queue(n: int) -> list[int]:
    """n notifications to one user, each with one webhook delivery; their ids."""
    with unit_of_work() as s:
        for i in range(n):
            notifications.notify(s, ["officer_a"], "reminder", f"即将到期：第{i}项", f"Due soon: item {i}")
    with unit_of_work(write=False) as s:
        return list(s.scalars(select(Delivery.id).order_by(Delivery.id)))


def _statuses() -> dict[str, int]:
    with unit_of_work(write=False) as s:
        return dict(s.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())


def _senders(sink: Sink, stop: Path, names: list[str]) -> list[Child]:
    children = [spawn(sender, str(stop), name, BATCH, sink.url) for name in names]
    for child in children:
        wait_ready(child)
    return children


def test_two_senders_deliver_each_of_a_thousand_notifications_exactly_once(database, people, sink, tmp_path):
    ids = _queue(DELIVERIES)
    stop = tmp_path / "stop"
    children = _senders(sink, stop, ["s1", "s2"])
    stop.touch()
    sent = [result(child)["sent"] for child in children]

    posts = Counter(sink.received)
    assert sum(sent) == DELIVERIES and min(sent) > 0, sent  # both took part
    assert sorted(posts) == ids, "every delivery arrived"
    assert [i for i, n in posts.items() if n > 1] == [], "no delivery arrived twice"
    assert _statuses() == {"sent": DELIVERIES}


def test_senders_killed_at_random_lose_nothing_and_repeat_at_most_one_message_per_kill(
        database, people, sink, clock, tmp_path):
    ids = _queue(DELIVERIES)
    rng = random.Random(20251204)
    sink.delay = 0.01  # a receiver taking 10 ms: the senders outlast the kills however fast the machine is
    never = tmp_path / "never"
    live = _senders(sink, never, ["s0", "s1"])
    kills = spawned = 0
    while kills < KILLS and len(set(sink.received)) < DELIVERIES * 0.9:
        victim = live.pop(rng.randrange(2))
        victim.process.join(rng.uniform(0.02, 0.3))
        if victim.process.is_alive():
            victim.process.kill()
            kills += 1
        victim.process.join()
        victim.pipe.close()
        spawned += 1
        live += _senders(sink, never, [f"s{spawned + 1}"])
    for child in live:
        child.process.kill()
        child.process.join()
        child.pipe.close()
    kills += len(live)
    clock.set(datetime.now(timezone.utc) + deliveries.LEASE * 2)  # past every killed sender's lease
    deliveries.deliver_pending(worker="survivor")

    posts = Counter(sink.received)
    repeats = {i: n for i, n in posts.items() if n > 1}
    print(f"\n{DELIVERIES} deliveries, {kills} senders killed, {len(sink.received)} POSTs, "
          f"{len(set(sink.received))} distinct, {sum(n - 1 for n in repeats.values())} repeats")
    assert kills >= KILLS
    assert sorted(posts) == ids, "no delivery was lost"
    assert _statuses() == {"sent": DELIVERIES}
    assert all(n == 2 for n in repeats.values()), repeats  # one repeat at most, by the kill's window
    assert len(repeats) <= kills, f"{len(repeats)} repeats for {kills} kills"
