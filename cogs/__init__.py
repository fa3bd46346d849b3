"""discord.py cogs: parse the interaction, call the core in ``bot/``, render the reply."""
