"""discord.py, imported once for the whole harness package under the ``audioop`` warning filter."""

import warnings

with warnings.catch_warnings():
    # discord.py 2.7 imports the stdlib ``audioop`` module, deprecated since Python 3.11: under
    # ``filterwarnings = error`` a plain ``import discord`` fails at collection time.
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.enums import AppCommandOptionType
    from discord.http import Route
    from discord.webhook import async_ as _webhook_async

__all__ = ["AppCommandOptionType", "Route", "_webhook_async", "app_commands", "discord"]
