"""Proves DiscordHarness with a tiny bot dispatched through real discord.py machinery."""

from __future__ import annotations

import asyncio
import datetime
import io
import re
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

with warnings.catch_warnings():  # discord.py imports the deprecated stdlib audioop module
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.ext import commands
    from discord.webhook.async_ import AsyncWebhookAdapter

from .discord_harness import (
    DiscordHarness,
    FakeUser,
    HttpCall,
    InteractionFailed,
    InteractionTimeout,
    NoResponse,
    Sent,
    http_error,
)

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


@pytest.fixture
async def h() -> AsyncIterator[DiscordHarness]:
    async with DiscordHarness(make_bot()) as harness:
        yield harness


def cog(h: DiscordHarness) -> Demo:
    found = h.bot.get_cog("Demo")
    assert isinstance(found, Demo)
    return found


# --- slash commands & options ----------------------------------------------------------------


async def test_slash_with_int_and_str_options_runs_real_tree_and_records_response(
    h: DiscordHarness,
) -> None:
    sent = await h.slash("next", {"count": 3, "city": "Rabat"}, locale="fr")
    assert [s.kind for s in sent] == ["interaction_response"]
    assert sent[0].type == 4
    assert not sent[0].ephemeral
    assert "Next 3 in Rabat" in sent[0].text
    assert "locale=fr" in sent[0].text
    interaction = cog(h).seen["next"]
    assert interaction.locale is discord.Locale.french
    assert interaction.guild is not None and interaction.guild.id == h.guild_id
    assert isinstance(interaction.user, discord.Member)
    assert isinstance(interaction.channel, discord.TextChannel)


async def test_option_names_and_values_are_checked_against_registered_command(
    h: DiscordHarness,
) -> None:
    with pytest.raises(KeyError, match="no option 'town'"):
        await h.slash("next", {"count": 3, "town": "Rabat"})
    with pytest.raises(ValueError, match="missing required options"):
        await h.slash("next", {"count": 3})
    with pytest.raises(TypeError, match="integer option"):
        await h.slash("next", {"count": "3", "city": "Rabat"})
    with pytest.raises(ValueError, match="outside"):
        await h.slash("next", {"count": 11, "city": "Rabat"})
    with pytest.raises(LookupError, match="no slash command 'nope'"):
        await h.slash("nope")
    assert h.sent == []


async def test_group_subcommand_path_is_resolved(h: DiscordHarness) -> None:
    sent = await h.slash("poll start", {"question": "Lunch at noon?"})
    assert sent[0].text == "Poll: Lunch at noon?"
    assert len(sent[0].custom_ids()) == 2
    assert all(cid.startswith("vote:") for cid in sent[0].custom_ids())
    with pytest.raises(LookupError, match="is a group"):
        await h.slash("poll")


async def test_ephemeral_response_flag(h: DiscordHarness) -> None:
    sent = await h.slash("secret")
    assert sent[0].ephemeral
    assert sent[0].flags & 64
    assert sent[0].text == "only you can see this"


async def test_autocomplete_returns_choices_sent_by_the_callback(h: DiscordHarness) -> None:
    choices = await h.autocomplete("next", {"count": 2}, focused="city", locale="es-ES")
    assert [c["value"] for c in choices] == CITIES  # nothing typed yet: "" matches every city
    choices = await h.autocomplete("next", {"count": 2, "city": "ba"}, focused="city")
    assert [c["value"] for c in choices] == ["Barcelona", "Rabat"]


async def test_autocomplete_exception_is_surfaced(h: DiscordHarness) -> None:
    with pytest.raises(InteractionFailed) as info:
        await h.autocomplete("next", {"city": "!"}, focused="city")
    assert isinstance(info.value.original, ValueError)


# --- modals ----------------------------------------------------------------------------------


async def test_modal_with_labelled_text_input_and_select_round_trip(h: DiscordHarness) -> None:
    sent = await h.slash("feedback")
    modal = sent[0]
    assert modal.type == 9
    assert modal.custom_ids() == ["comment", "mood"]
    assert [c["type"] for c in modal.components] == [18, 18]
    assert "Feedback" in modal.text and "Your comment" in modal.text
    result = await h.submit_modal(modal, {"comment": "Great panel", "mood": ["great"]})
    assert result[0].ephemeral
    assert result[0].text == "comment=Great panel mood=great"


async def test_modal_submit_validates_inputs_like_discord(h: DiscordHarness) -> None:
    modal = (await h.slash("feedback"))[0]
    assert modal.custom_id is not None
    with pytest.raises(KeyError, match="no inputs"):
        await h.submit_modal(modal.custom_id, {"comment": "ok", "mood": ["meh"], "extra": "x"})
    with pytest.raises(ValueError, match="no options"):
        await h.submit_modal(modal.custom_id, {"comment": "ok", "mood": ["awful"]})
    with pytest.raises(ValueError, match="required"):
        await h.submit_modal(modal.custom_id, {"mood": ["meh"]})
    sent = await h.submit_modal(modal.custom_id, {"comment": "ok", "mood": "meh"})
    assert sent[0].text == "comment=ok mood=meh"


# --- components --------------------------------------------------------------------------------


async def test_dynamic_item_click_parses_ids_from_template(h: DiscordHarness) -> None:
    poll = (await h.slash("poll start", {"question": "Q?"}))[0]
    custom_id = poll.custom_ids()[1]
    poll_id = int(custom_id.split(":")[1])
    sent = await h.click(custom_id, message=poll)
    assert sent[0].ephemeral
    assert sent[0].text == f"poll={poll_id} choice=2"


async def test_dynamic_item_click_without_recorded_message_works_after_restart(
    h: DiscordHarness,
) -> None:
    sent = await h.click("vote:42:7")  # synthetic message, as after a bot restart
    assert sent[0].text == "poll=42 choice=7"


async def test_dynamic_item_callback_exception_is_surfaced(h: DiscordHarness) -> None:
    with pytest.raises(InteractionFailed, match="choice 0 does not exist"):
        await h.click("vote:1:0")


async def test_view_button_and_select_edit_the_message_in_place(h: DiscordHarness) -> None:
    message = (await h.slash("counter"))[0]
    first = await h.click("counter:inc", message=message)
    assert first[0].type == 7 and first[0].text == "count=1"
    assert first[0].message_id == message.message_id
    second = await h.click("counter:inc")  # finds the latest message carrying that custom_id
    assert second[0].text == "count=2"
    picked = await h.click("counter:pick", values=["10"])
    assert picked[0].text == "count=10"
    with pytest.raises(ValueError, match="no options"):
        await h.click("counter:pick", values=["7"])


async def test_begin_slash_lets_a_view_wait_be_answered_by_a_click(h: DiscordHarness) -> None:
    pending = await h.begin_slash("confirm")
    assert not pending.done()
    assert pending.sent[0].text == "Sure?"
    clicked = await h.click("confirm:yes")
    assert clicked[0].type == 7 and clicked[0].text == "Confirmed"
    sent = await pending.result()
    assert [s.text for s in sent] == ["Sure?", "value=True"]


async def test_waiting_handler_times_out_instead_of_hanging() -> None:
    async with DiscordHarness(make_bot(), timeout=0.2) as harness:
        with pytest.raises(InteractionTimeout):
            await harness.slash("confirm")


async def test_click_on_unknown_custom_id_fails_loudly(h: DiscordHarness) -> None:
    with pytest.raises(NoResponse, match="no handler"):
        await h.click("nobody:listens")
    message = (await h.slash("counter"))[0]
    with pytest.raises(ValueError, match="no component"):
        await h.click("missing", message=message)


# --- defer, follow-ups, REST -------------------------------------------------------------------


async def test_defer_then_followup_with_file_and_edit_original(h: DiscordHarness) -> None:
    sent = await h.slash("slow")
    kinds = [s.kind for s in sent]
    assert kinds == ["interaction_response", "followup", "edit_original"]
    deferred, followup, edit = sent
    assert deferred.type == 5 and deferred.ephemeral
    assert followup.ephemeral  # inherits the ephemeral defer
    assert followup.files == [("agenda.csv", b"a,b\n1,2\n")]
    assert edit.text == "done thinking (edited)"
    assert followup.message_id == deferred.message_id  # first follow-up replaces "thinking..."
    assert [r.kind for r in h.requests if r.route and r.route.startswith("GET")] == ["webhook"]


async def test_channel_send_and_edit_go_through_http_recorder(h: DiscordHarness) -> None:
    sent = await h.slash("announce", {"text": "Plenary moved"})
    assert [s.kind for s in sent] == [
        "interaction_response",
        "channel_message",
        "edit_message",
        "followup",
    ]
    assert sent[1].route == "POST /channels/{channel_id}/messages"
    assert h.channel_texts() == ["Plenary moved"]
    assert h.channel_texts(include_interactions=True) == ["Plenary moved"]  # the rest is ephemeral
    assert sent[2].data["content"] == "Plenary moved!"
    assert h.message_payload(sent[1].message_id or 0)["content"] == "Plenary moved!"


async def test_dm_is_recorded_per_user(h: DiscordHarness) -> None:
    bea = h.user(name="bea")
    sent = await h.slash("remind", user=bea)
    assert sent[-1].text == "Sent you a DM"
    assert h.dm_texts(bea) == ["Reminder: plenary at 10:00"]
    assert h.dm_texts(h.default_user) == []
    assert any(r.route == "POST /users/@me/channels" for r in h.sent)


async def test_fail_dms_for_user_raises_forbidden_50007(h: DiscordHarness) -> None:
    bea = h.user(name="bea")
    h.fail_dms_for(bea)
    sent = await h.slash("remind", user=bea)
    assert sent[-1].text == "Open your DMs (code 50007)"
    assert h.dm_texts(bea) == []
    failed = [s for s in sent if not s.ok]
    assert len(failed) == 1 and isinstance(failed[0].error, discord.Forbidden)


async def test_http_fail_by_route_surfaces_forbidden_after_cog_handler(h: DiscordHarness) -> None:
    h.http_fail["POST /channels/{channel_id}/messages"] = http_error(
        403, 50013, "Missing Permissions"
    )
    with pytest.raises(InteractionFailed) as info:
        await h.slash("announce", {"text": "x"})
    assert isinstance(info.value.original, discord.Forbidden)
    assert info.value.original.code == 50013
    assert isinstance(cog(h).seen["error"], app_commands.CommandInvokeError)  # cog handler ran
    assert [s.kind for s in info.value.sent] == ["interaction_response", "channel_message"]
    assert not info.value.sent[1].ok


async def test_canned_http_responses_by_route(h: DiscordHarness) -> None:
    def fake_message(call: HttpCall) -> dict[str, Any]:
        return {**h.message_payload(seeded), "content": f"fetched {call.params['message_id']}"}

    channel = h.guild.get_channel(h.channel_id)
    assert isinstance(channel, discord.TextChannel)
    seeded = (await channel.send("seed")).id
    h.http_responses["GET /channels/{channel_id}/messages/{message_id}"] = fake_message
    fetched = await channel.fetch_message(seeded)
    assert fetched.content == f"fetched {seeded}"
    assert [s.kind for s in h.sent] == ["channel_message"]  # GETs only in h.requests
    assert h.requests[-1].route == "GET /channels/{channel_id}/messages/{message_id}"


async def test_tree_sync_and_scheduled_events_use_plausible_fake_json(h: DiscordHarness) -> None:
    synced = await h.bot.tree.sync()
    assert {c.name for c in synced} >= {"next", "poll", "feedback"}
    start = discord.utils.utcnow() + datetime.timedelta(days=1)
    event = await h.guild.create_scheduled_event(
        name="Plenary",
        start_time=start,
        end_time=start + datetime.timedelta(hours=1),
        entity_type=discord.EntityType.external,
        location="Hall A",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    assert event.name == "Plenary" and event.location == "Hall A"
    routes = [s.route for s in h.sent]
    assert "PUT /applications/{application_id}/commands" in routes
    assert "POST /guilds/{guild_id}/scheduled-events" in routes


async def test_scheduled_events_are_stored_listed_edited_and_deleted(h: DiscordHarness) -> None:
    start = discord.utils.utcnow() + datetime.timedelta(days=1)
    event = await h.guild.create_scheduled_event(
        name="Plenary",
        start_time=start,
        end_time=start + datetime.timedelta(hours=1),
        entity_type=discord.EntityType.external,
        location="Hall A",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    other = h.add_scheduled_event("Party", start, status=4)
    listed = {e.id: e for e in await h.guild.fetch_scheduled_events()}
    assert listed.keys() == {event.id, other}
    assert listed[event.id].creator_id == h.application_id
    assert listed[other].creator_id == h.owner_id
    assert listed[other].status is discord.EventStatus.cancelled
    edited = await event.edit(name="Opening plenary", location="Hall B")
    assert edited.name == "Opening plenary" and edited.location == "Hall B"
    assert h.scheduled_events[event.id]["name"] == "Opening plenary"
    await event.delete()
    assert event.id not in h.scheduled_events
    with pytest.raises(discord.NotFound) as gone:
        await event.edit(name="Again")
    assert gone.value.code == 10070
    with pytest.raises(discord.NotFound):
        await event.delete()


# --- errors, checks, roles ---------------------------------------------------------------------


async def test_handler_exception_is_surfaced_after_cog_error_handler_ran(h: DiscordHarness) -> None:
    with pytest.raises(InteractionFailed) as info:
        await h.slash("boom")
    assert isinstance(info.value.original, RuntimeError)
    assert str(info.value.original) == "kaboom"
    assert [s.text for s in info.value.sent] == ["Something broke"]
    assert isinstance(cog(h).seen["error"], app_commands.CommandInvokeError)


async def test_expect_error_turns_the_failure_into_an_assertion(h: DiscordHarness) -> None:
    sent = await h.slash("boom", expect_error=RuntimeError)
    assert sent[0].text == "Something broke"
    with pytest.raises(AssertionError, match="expected"):
        await h.slash("secret", expect_error=RuntimeError)


async def test_role_check_blocks_plain_members_and_admits_moderators(h: DiscordHarness) -> None:
    denied = await h.slash("purge", expect_error=app_commands.MissingRole)
    assert denied[0].text == "Moderators only" and denied[0].ephemeral
    mod = h.user(name="mod", roles=["Moderators"])
    allowed = await h.slash("purge", user=mod)
    assert allowed[0].text == "purged by mod manage_messages=True"


async def test_ignored_errors_are_recorded_but_not_raised() -> None:
    async with DiscordHarness(make_bot(), ignored_errors=(app_commands.CheckFailure,)) as harness:
        sent = await harness.slash("purge")
        assert sent[0].text == "Moderators only"
        assert isinstance(harness.errors[-1], app_commands.MissingRole)


async def test_tree_on_error_override_still_runs_and_error_surfaces(h: DiscordHarness) -> None:
    calls: list[BaseException] = []

    @h.bot.tree.error
    async def on_tree_error(
        interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        calls.append(error)

    with pytest.raises(InteractionFailed):
        await h.slash("boom")
    assert len(calls) == 1 and isinstance(calls[0], app_commands.CommandInvokeError)


async def test_missing_response_is_reported(h: DiscordHarness) -> None:
    with pytest.raises(NoResponse, match="never responded"):
        await h.slash("silent")


async def test_member_roles_and_guild_cache(h: DiscordHarness) -> None:
    mod = h.user(name="mod", roles=[h.role_id("Moderators")], locale="pt-BR")
    await h.slash("secret", user=mod)
    interaction = cog(h).seen["secret"]
    member = interaction.user
    assert isinstance(member, discord.Member)
    assert [r.name for r in member.roles] == ["@everyone", "Moderators"]
    assert member.guild_permissions.kick_members
    assert interaction.locale is discord.Locale.brazil_portuguese
    assert interaction.guild_locale is discord.Locale.american_english
    assert interaction.app_permissions.send_messages


async def test_dm_context_interaction_has_user_and_no_guild(h: DiscordHarness) -> None:
    sent = await h.slash("whoami", guild=False)
    assert sent[0].text == "guild=False"
    interaction = cog(h).seen["whoami"]
    assert interaction.guild is None
    assert isinstance(interaction.user, discord.User)
    assert isinstance(interaction.channel, discord.DMChannel)


async def test_invalid_locale_is_rejected() -> None:
    harness = DiscordHarness(make_bot())
    with pytest.raises(ValueError, match="not a Discord locale"):
        harness.user(name="x", locale="fr-FR")
    with pytest.raises(ValueError, match="unknown role"):
        harness.user(name="x", roles=["Admins"])


# --- lifecycle ---------------------------------------------------------------------------------


async def test_close_restores_class_level_patches_and_http() -> None:
    original = AsyncWebhookAdapter.__dict__["request"]
    bot = make_bot()
    harness = DiscordHarness(bot)
    await harness.start()
    await harness.start()  # idempotent
    assert AsyncWebhookAdapter.__dict__["request"] is not original
    assert "request" in vars(bot.http)
    await harness.slash("secret")
    await harness.close()
    await harness.close()  # idempotent
    assert AsyncWebhookAdapter.__dict__["request"] is original
    assert "request" not in vars(bot.http)
    assert "on_error" not in vars(bot.tree)
    assert "on_error" not in vars(bot)
    assert asyncio.get_running_loop().get_task_factory() is None
    assert bot.is_closed()


async def test_nested_harnesses_share_the_patch_until_the_last_closes() -> None:
    original = AsyncWebhookAdapter.__dict__["request"]
    async with DiscordHarness(make_bot()) as first:
        async with DiscordHarness(make_bot()) as second:
            assert (await second.slash("secret"))[0].ephemeral
        assert AsyncWebhookAdapter.__dict__["request"] is not original
        assert (await first.slash("secret"))[0].ephemeral
        assert len(second.sent) == 1 and len(first.sent) == 1
    assert AsyncWebhookAdapter.__dict__["request"] is original


async def test_unknown_webhook_tokens_never_reach_discord(h: DiscordHarness) -> None:
    async with aiohttp.ClientSession() as session:
        webhook = discord.Webhook.partial(h.application_id, "not-a-harness-token", session=session)
        with pytest.raises(RuntimeError, match="blocked"):
            await webhook.send("hello", wait=True)


async def test_start_without_setup_hook_and_clear() -> None:
    bot = make_bot()
    harness = DiscordHarness(bot, application_id=1234)
    await harness.start(run_setup_hook=False)
    try:
        assert bot.application_id == 1234
        assert bot.user is not None and bot.user.id == 1234
        assert bot.get_cog("Demo") is None
        await bot.add_cog(Demo(bot))
        sent = await harness.slash("secret")
        assert isinstance(sent[0], Sent)
        harness.clear()
        assert harness.sent == [] and harness.requests == []
        assert isinstance(harness.default_user, FakeUser)
    finally:
        await harness.close()


async def test_view_callback_exception_is_surfaced_after_default_on_error(
    h: DiscordHarness,
) -> None:
    message = (await h.slash("counter"))[0]
    with pytest.raises(InteractionFailed, match="button exploded") as info:
        await h.click("counter:crash", message=message)
    assert isinstance(info.value.original, LookupError)


async def test_modal_on_submit_exception_is_surfaced(h: DiscordHarness) -> None:
    modal = (await h.slash("broken"))[0]
    with pytest.raises(InteractionFailed, match="modal exploded"):
        await h.submit_modal(modal, {})  # the only input is optional


async def test_on_interaction_listener_exception_is_surfaced(h: DiscordHarness) -> None:
    async def on_interaction(interaction: discord.Interaction) -> None:
        raise KeyError("listener exploded")

    h.bot.add_listener(on_interaction)
    with pytest.raises(InteractionFailed, match="listener exploded"):
        await h.slash("secret")


async def test_drain_waits_for_tasks_spawned_by_handlers_and_close_cancels_timers(
    h: DiscordHarness,
) -> None:
    sent = await h.slash("later")
    assert [s.text for s in sent] == ["on it"]
    await h.drain()  # the delete_after timer (1h) is not awaited by drain...
    assert h.channel_texts() == ["posted later"]
    assert [s.kind for s in h.sent].count("channel_message") == 1  # ...and close() cancels it


async def test_dm_with_view_is_clicked_by_its_recipient_in_dm_context(h: DiscordHarness) -> None:
    bea = h.user(name="bea")
    await h.slash("dmview", user=bea)
    dm = next(s for s in h.sent if s.kind == "dm")
    assert dm.user_id == bea.id and dm.custom_ids() == ["dm:ack"]
    sent = await h.click("dm:ack", message=dm)
    assert sent[0].text == "ack from bea in DM=True"


async def test_without_guild_cache_role_checks_fail_like_a_bot_without_guilds_intent() -> None:
    async with DiscordHarness(make_bot(), cache_guild=False) as harness:
        mod = harness.user(name="mod", roles=["Moderators"])
        sent = await harness.slash("purge", user=mod, expect_error=app_commands.MissingRole)
        assert sent[0].text == "Moderators only"


async def test_member_role_channel_attachment_options_are_resolved(h: DiscordHarness) -> None:
    mod = h.user(name="mod", roles=["Moderators"])
    news = h.add_channel("news")
    sent = await h.slash(
        "inspect",
        {
            "target": mod,  # Python name of the renamed "member" option works too
            "role": "Moderators",
            "channel": news,
            "file": ("notes.txt", b"hello"),
            "ratio": 0.5,
            "loud": True,
        },
    )
    assert sent[0].text == (
        "mod roles=['@everyone', 'Moderators'] role=Moderators channel=news "
        "file=notes.txt:5 ratio=0.5 loud=True"
    )


async def test_failure_in_task_spawned_by_handler_is_raised_by_drain(h: DiscordHarness) -> None:
    assert (await h.slash("fire"))[0].text == "fired"
    with pytest.raises(InteractionFailed, match="background exploded"):
        await h.drain()
    assert isinstance(h.background_errors[-1], OSError)


async def test_failing_setup_hook_propagates_and_leaves_no_patch_behind() -> None:
    original = AsyncWebhookAdapter.__dict__["request"]
    bot = make_bot()

    async def broken_setup_hook() -> None:
        raise RuntimeError("setup failed")

    bot.setup_hook = broken_setup_hook  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="setup failed"):
        async with DiscordHarness(bot):
            pass
    assert AsyncWebhookAdapter.__dict__["request"] is original
    assert "request" not in vars(bot.http)


async def test_exception_escaping_the_tree_task_is_surfaced(h: DiscordHarness) -> None:
    async def interaction_check(interaction: discord.Interaction) -> bool:
        raise PermissionError("global check exploded")  # not an AppCommandError: kills the task

    h.bot.tree.interaction_check = interaction_check  # type: ignore[method-assign]
    with pytest.raises(InteractionFailed, match="global check exploded"):
        await h.slash("secret")
