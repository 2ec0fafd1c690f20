"""An aiohttp application served on a free port of the loopback interface.

The demo's feed server, and the tests' and benchmarks' fake Slack, Discord, LLM and feed
servers, each bind 127.0.0.1 on port 0: the system picks a free port, so two runs on one
machine never collide and nothing waits for a fixed port to come free. This is the one
place that does it and reads back the port it got (from the runner's public
``addresses``, not the site's private server object).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web


async def serve_on_loopback(
    app: web.Application, *, backlog: int = 128, **runner_options: Any
) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on 127.0.0.1 at a port the system picks.

    Args:
        app: The application.
        backlog: The listening socket's queue of connections not yet accepted (a
            benchmark opening hundreds at once wants more than aiohttp's 128).
        runner_options: Passed to :class:`aiohttp.web.AppRunner` (``access_log=None``,
            ``shutdown_timeout``).

    Returns:
        The runner (``await runner.cleanup()`` stops serving) and the port.
    """
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0, backlog=backlog).start()
    except BaseException:
        await runner.cleanup()
        raise
    port: int = runner.addresses[0][1]
    return runner, port
