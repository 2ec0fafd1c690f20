"""The tests' local feed server (tests/feedserver.py) itself: what other tests rely on."""

from __future__ import annotations

import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from feedserver import FeedServer

# more than asyncio's default executor holds on a small machine (min(32, CPUs + 4))
HELD = min(32, (os.cpu_count() or 1) + 4) + 2


def test_a_released_request_is_answered_while_many_others_are_still_held() -> None:
    server = FeedServer().start()
    try:
        routes = [server.add_held(f"/held/{n}", f"body {n}") for n in range(HELD)]
        with ThreadPoolExecutor(max_workers=HELD) as clients:
            answers = [
                clients.submit(lambda url=url: urllib.request.urlopen(url, timeout=30).read())
                for url, _, _ in routes
            ]
            for _, arrived, _ in routes:
                assert arrived.wait(10), "every request reaches the server"
            last_url, _, last_release = routes[-1]
            last_release.set()
            # the others are held up to 10 s: an answer within 5 s did not queue behind them
            assert answers[-1].result(timeout=5) == f"body {HELD - 1}".encode()
            assert not any(a.done() for a in answers[:-1])
            for _, _, release in routes:
                release.set()
            assert [a.result(timeout=10) for a in answers] == [
                f"body {n}".encode() for n in range(HELD)
            ]
    finally:
        server.stop()
