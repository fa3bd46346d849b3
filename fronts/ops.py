"""The operator's port: ``GET /healthz`` (JSON; 200 when ready, else 503) and ``GET /metrics``
(Prometheus text) of one application, on ``[ops] host:port`` (default 127.0.0.1:9180).
Nothing else is served there (404). No login: keep it local or behind a firewall.

The bot matters more than its metrics: a port that cannot be bound is one warning line, and
the bot runs on without it.
"""

from __future__ import annotations

import asyncio
import logging
import os

from aiohttp import web
from prometheus_client import generate_latest

from bot.health import Health
from bot.hub import Hub

log = logging.getLogger("l4a.ops")
HEALTH = web.AppKey("health", Health)
OWNER = "ops"  # its task in the supervisor
#: What ``generate_latest`` writes: the classic text format every Prometheus (2.x and 3.x)
#: reads; the library's own CONTENT_TYPE_LATEST announces 1.0.0, which older ones do not know.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def make_ops_app(health: Health) -> web.Application:
    app = web.Application()
    app[HEALTH] = health
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


async def healthz(request: web.Request) -> web.Response:
    health = request.app[HEALTH]
    snapshot = health.snapshot()
    return web.json_response(
        snapshot,
        status=200 if snapshot["ready"] else 503,
        headers={"Cache-Control": "no-store"},
    )


async def metrics(request: web.Request) -> web.Response:
    health = request.app[HEALTH]
    await health.refresh()
    body = generate_latest(health.metrics.registry)
    headers = {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"}
    return web.Response(body=body, headers=headers)


async def start_ops(health: Health, host: str, port: int) -> web.AppRunner | None:
    """Serve ``/healthz`` and ``/metrics`` on ``host:port``; ``None`` (one warning line) when
    the port cannot be bound, or when ``port`` is 0 (off)."""
    if port == 0:
        return None
    runner = web.AppRunner(make_ops_app(health), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        log.warning(
            "ops: cannot serve /healthz and /metrics on %s:%s (%s); the bot runs on without "
            "them (another bot on this host? give each its own [ops] port or --ops-port)",
            host,
            port,
            os.strerror(exc.errno).lower() if exc.errno else exc,
        )
        return None
    log.info("ops: /healthz and /metrics on http://%s:%s", host, port)
    return runner


async def serve_ops(health: Health, host: str, port: int) -> None:
    """:func:`start_ops`, kept until cancelled."""
    runner = await start_ops(health, host, port)
    if runner is None:
        return
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def spawn_ops(hub: Hub, port: int | None = None) -> None:
    """Run the ops server as a supervised task of ``hub`` (stopped with the app);
    ``port``: ``--ops-port``, else ``[ops] port``."""
    cfg = hub.config.ops
    chosen = cfg.port if port is None else port
    if chosen:
        hub.supervisor.spawn(serve_ops(hub.health, cfg.host, chosen), name="ops", owner=OWNER)
