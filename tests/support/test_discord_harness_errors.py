"""DiscordHarness error capture, checks and roles: failures surface after the app's own handlers."""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():  # discord.py imports the deprecated stdlib audioop module
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord
    from discord import app_commands

from .discord_harness import DiscordHarness, InteractionFailed, NoResponse
from .harness_demo_bot import cog, make_bot


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


async def test_without_guild_cache_role_checks_fail_like_a_bot_without_guilds_intent() -> None:
    async with DiscordHarness(make_bot(), cache_guild=False) as harness:
        mod = harness.user(name="mod", roles=["Moderators"])
        sent = await harness.slash("purge", user=mod, expect_error=app_commands.MissingRole)
        assert sent[0].text == "Moderators only"


async def test_failure_in_task_spawned_by_handler_is_raised_by_drain(h: DiscordHarness) -> None:
    assert (await h.slash("fire"))[0].text == "fired"
    with pytest.raises(InteractionFailed, match="background exploded"):
        await h.drain()
    assert isinstance(h.background_errors[-1], OSError)


async def test_exception_escaping_the_tree_task_is_surfaced(h: DiscordHarness) -> None:
    async def interaction_check(interaction: discord.Interaction) -> bool:
        raise PermissionError("global check exploded")  # not an AppCommandError: kills the task

    h.bot.tree.interaction_check = interaction_check  # type: ignore[method-assign]
    with pytest.raises(InteractionFailed, match="global check exploded"):
        await h.slash("secret")
