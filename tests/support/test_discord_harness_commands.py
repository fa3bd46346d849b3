"""DiscordHarness slash commands and autocomplete: options typed and resolved from the tree."""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():  # discord.py imports the deprecated stdlib audioop module
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord

from .discord_harness import DiscordHarness, InteractionFailed
from .harness_demo_bot import CITIES, cog


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
