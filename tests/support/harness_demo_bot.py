"""A tiny discord.py bot (cog, views, modals, dynamic items) the DiscordHarness tests drive."""

from __future__ import annotations

import asyncio
import io
import re
import warnings
from typing import Any

with warnings.catch_warnings():  # discord.py imports the deprecated stdlib audioop module
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.ext import commands

from .discord_harness import DiscordHarness

CITIES = ["Barcelona", "Bogotá", "Bordeaux", "Rabat", "Lisbon"]


class Vote(
    discord.ui.DynamicItem[discord.ui.Button], template=r"vote:(?P<poll>\d+):(?P<choice>\d+)"
):
    """Persistent vote button: survives restarts because the ids live in the custom_id."""

    def __init__(self, poll: int, choice: int) -> None:
        super().__init__(
            discord.ui.Button(label=f"Option {choice}", custom_id=f"vote:{poll}:{choice}")
        )
        self.poll = poll
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> Vote:
        return cls(int(match["poll"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.choice == 0:
            raise RuntimeError("choice 0 does not exist")
        await interaction.response.send_message(
            f"poll={self.poll} choice={self.choice}", ephemeral=True
        )


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    comment: discord.ui.Label[FeedbackModal] = discord.ui.Label(
        text="Your comment",
        component=discord.ui.TextInput(
            custom_id="comment", style=discord.TextStyle.paragraph, min_length=2, max_length=200
        ),
    )
    mood: discord.ui.Label[FeedbackModal] = discord.ui.Label(
        text="Mood",
        description="How was the session?",
        component=discord.ui.Select(
            custom_id="mood",
            options=[
                discord.SelectOption(label="Great", value="great"),
                discord.SelectOption(label="Meh", value="meh"),
            ],
        ),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert isinstance(self.comment.component, discord.ui.TextInput)
        assert isinstance(self.mood.component, discord.ui.Select)
        await interaction.response.send_message(
            f"comment={self.comment.component.value} mood={','.join(self.mood.component.values)}",
            ephemeral=True,
        )


class Confirm(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.value: bool | None = None

    @discord.ui.button(label="Yes", custom_id="confirm:yes", style=discord.ButtonStyle.danger)
    async def yes(
        self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]
    ) -> None:
        self.value = True
        await interaction.response.edit_message(content="Confirmed", view=None)
        self.stop()


class Counter(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=180)
        self.count = 0

    @discord.ui.button(label="+1", custom_id="counter:inc")
    async def inc(
        self, interaction: discord.Interaction, button: discord.ui.Button[Counter]
    ) -> None:
        self.count += 1
        await interaction.response.edit_message(content=f"count={self.count}", view=self)

    @discord.ui.select(
        custom_id="counter:pick",
        options=[discord.SelectOption(label=str(n), value=str(n)) for n in (1, 5, 10)],
    )
    async def pick(
        self, interaction: discord.Interaction, select: discord.ui.Select[Counter]
    ) -> None:
        self.count = int(select.values[0])
        await interaction.response.edit_message(content=f"count={self.count}", view=self)

    @discord.ui.button(label="crash", custom_id="counter:crash")
    async def crash(
        self, interaction: discord.Interaction, button: discord.ui.Button[Counter]
    ) -> None:
        raise LookupError("button exploded")  # View.on_error (default: logs) handles it


class BrokenModal(discord.ui.Modal, title="Broken"):
    note: discord.ui.Label[BrokenModal] = discord.ui.Label(
        text="Note", component=discord.ui.TextInput(custom_id="note", required=False)
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        raise ZeroDivisionError("modal exploded")


class DmButtons(discord.ui.View):
    @discord.ui.button(label="Got it", custom_id="dm:ack")
    async def ack(
        self, interaction: discord.Interaction, button: discord.ui.Button[DmButtons]
    ) -> None:
        await interaction.response.send_message(
            f"ack from {interaction.user.name} in DM={interaction.guild is None}"
        )


class Demo(commands.Cog):
    poll = app_commands.Group(name="poll", description="Polls")

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.seen: dict[str, Any] = {}
        self.background: asyncio.Task[None] | None = None

    @app_commands.command(name="next", description="Next sessions in a city")
    @app_commands.describe(count="How many", city="City")
    async def next_sessions(
        self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 10], city: str
    ) -> None:
        self.seen["next"] = interaction
        await interaction.response.send_message(
            embed=discord.Embed(
                title=f"Next {count} in {city}", description=f"locale={interaction.locale.value}"
            )
        )

    @next_sessions.autocomplete("city")
    async def city_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if current == "!":
            raise ValueError("autocomplete exploded")
        return [
            app_commands.Choice(name=c, value=c) for c in CITIES if current.lower() in c.lower()
        ]

    @poll.command(name="start", description="Start a poll")
    async def poll_start(self, interaction: discord.Interaction, question: str) -> None:
        view = discord.ui.View(timeout=None)
        for choice in (1, 2):
            view.add_item(Vote(interaction.id % 1000, choice))
        await interaction.response.send_message(f"Poll: {question}", view=view)

    @app_commands.command(name="secret", description="Ephemeral answer")
    async def secret(self, interaction: discord.Interaction) -> None:
        self.seen["secret"] = interaction
        await interaction.response.send_message("only you can see this", ephemeral=True)

    @app_commands.command(name="feedback", description="Open the feedback modal")
    async def feedback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @app_commands.command(name="slow", description="Defers, then follows up")
    async def slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(
            "done thinking", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "agenda.csv")
        )
        original = await interaction.original_response()
        await interaction.edit_original_response(content=f"{original.content} (edited)")

    @app_commands.command(name="remind", description="DM me a reminder")
    async def remind(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.user.send("Reminder: plenary at 10:00")
        except discord.Forbidden as exc:
            await interaction.response.send_message(
                f"Open your DMs (code {exc.code})", ephemeral=True
            )
        else:
            await interaction.response.send_message("Sent you a DM", ephemeral=True)

    @app_commands.command(name="announce", description="Post in the channel")
    async def announce(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.response.defer(ephemeral=True)
        assert isinstance(interaction.channel, discord.TextChannel)
        msg = await interaction.channel.send(text)
        await msg.edit(content=f"{text}!")
        await interaction.followup.send("posted", ephemeral=True)

    @app_commands.command(name="boom", description="Always fails")
    async def boom(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("kaboom")

    @app_commands.command(name="purge", description="Moderators only")
    @app_commands.checks.has_role("Moderators")
    async def purge(self, interaction: discord.Interaction) -> None:
        assert isinstance(interaction.user, discord.Member)
        await interaction.response.send_message(
            f"purged by {interaction.user.name} "
            f"manage_messages={interaction.user.guild_permissions.manage_messages}"
        )

    @app_commands.command(name="confirm", description="Asks for confirmation")
    async def confirm(self, interaction: discord.Interaction) -> None:
        view = Confirm()
        await interaction.response.send_message("Sure?", view=view)
        await view.wait()
        await interaction.followup.send(f"value={view.value}")

    @app_commands.command(name="counter", description="A stateful view")
    async def counter(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("count=0", view=Counter())

    @app_commands.command(name="broken", description="Opens a modal whose on_submit raises")
    async def broken(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(BrokenModal())

    @app_commands.command(name="later", description="Answers, then posts from a spawned task")
    async def later(self, interaction: discord.Interaction) -> None:
        async def post() -> None:
            await asyncio.sleep(0.05)  # still working after the interaction was answered
            assert isinstance(interaction.channel, discord.TextChannel)
            await interaction.channel.send("posted later")

        self.background = asyncio.create_task(post())
        await interaction.response.send_message("on it", ephemeral=True, delete_after=3600)

    @app_commands.command(name="dmview", description="DMs a button")
    async def dmview(self, interaction: discord.Interaction) -> None:
        await interaction.user.send("Please confirm", view=DmButtons())
        await interaction.response.send_message("check your DMs", ephemeral=True)

    @app_commands.command(name="inspect", description="Resolved options")
    @app_commands.rename(target="member")
    async def inspect(
        self,
        interaction: discord.Interaction,
        target: discord.Member,
        role: discord.Role,
        channel: discord.TextChannel,
        file: discord.Attachment,
        ratio: float = 1.0,
        loud: bool = False,
    ) -> None:
        await interaction.response.send_message(
            f"{target.name} roles={[r.name for r in target.roles]} role={role.name} "
            f"channel={channel.name} file={file.filename}:{file.size} ratio={ratio} loud={loud}"
        )

    @app_commands.command(name="fire", description="Spawns a task that fails")
    async def fire(self, interaction: discord.Interaction) -> None:
        async def fail() -> None:
            await asyncio.sleep(0.01)
            raise OSError("background exploded")

        self.background = asyncio.create_task(fail())
        await interaction.response.send_message("fired", ephemeral=True)

    @app_commands.command(name="silent", description="Forgets to respond")
    async def silent(self, interaction: discord.Interaction) -> None:
        return None

    @app_commands.command(name="whoami", description="Works in DMs too")
    async def whoami(self, interaction: discord.Interaction) -> None:
        self.seen["whoami"] = interaction
        await interaction.response.send_message(f"guild={interaction.guild is not None}")

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        self.seen["error"] = error
        message = (
            "Moderators only" if isinstance(error, app_commands.CheckFailure) else "Something broke"
        )
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True)


def make_bot() -> commands.Bot:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none())

    async def setup_hook() -> None:
        await bot.add_cog(Demo(bot))
        bot.add_dynamic_items(Vote)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


def cog(h: DiscordHarness) -> Demo:
    found = h.bot.get_cog("Demo")
    assert isinstance(found, Demo)
    return found
