"""The web front (aiohttp): programme, proposal form, live polls and calendar feeds for people
not on Discord or Matrix. ``fronts.web.app.make_app`` builds it over a :class:`~bot.hub.Hub`."""
