"""What every configuration section shares: no unknown keys, and the language type."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _known_language(value: object) -> object:
    """A language the bot has catalogs for (``bot/locales/core.<code>.toml``)."""
    from bot.i18n import LANGUAGES

    if isinstance(value, str) and value not in LANGUAGES:
        raise ValueError(f"unknown language {value!r}; known: {', '.join(LANGUAGES)}")
    return value


#: A code of :data:`bot.i18n.LANGUAGES`.
Language = Annotated[str, BeforeValidator(_known_language)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
