"""Subscribable calendars: a secret URL per user's agenda (``/ics feed`` on any front)."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Routes are added once the feed store exists (see ``bot.feeds``)."""
