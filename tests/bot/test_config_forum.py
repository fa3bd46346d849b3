"""``discord.forum_guild_ids``: the servers whose moderators are the forum's moderators."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Config


@pytest.mark.parametrize(
    ("discord", "forum"),
    [
        ({}, []),  # nothing set: no server makes moderators (fail safe)
        ({"guild_ids": [2]}, [2]),  # default: the servers commands are registered in
        ({"guild_ids": [2], "forum_guild_ids": [1]}, [1]),  # the dedicated key wins
    ],
)
def test_the_forum_servers(discord: dict[str, list[int]], forum: list[int]) -> None:
    assert Config.model_validate({"discord": discord}).discord.forum_guilds == forum


def test_a_server_id_must_be_a_number() -> None:
    with pytest.raises(ValidationError):
        Config.model_validate({"discord": {"forum_guild_ids": ["the forum"]}})
