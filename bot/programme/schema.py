"""The schema of ``schedule.yaml``: what each section may hold, checked by pydantic.

Values arrive as text (the reference YAML path keeps every scalar a string); these models decide
what each means: ISO dates only, ``true``/``false`` only, texts in es and en (the bot's other
languages optional: ``fr:``, ``tr:``…).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
)

from bot.i18n import LANGUAGES

#: A language code (``es``, ``fr``, ``tr``…).
Lang = str
#: Every programme text is written in these; the bot's other languages are optional.
REQUIRED_LANGS: tuple[Lang, ...] = ("es", "en")
#: The languages a programme text may be written in: the required ones, then every other
#: language of the bot's catalogs (``es``, ``en``, ``fr``, ``tr``).
LANGS: tuple[Lang, ...] = REQUIRED_LANGS + tuple(
    lang for lang in LANGUAGES if lang not in REQUIRED_LANGS
)
Kind = Literal[
    "high_level_dialogue", "special_session", "plenary", "open_space", "visit", "welcome", "closing"
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
Format = Literal["virtual", "hybrid", "in_person"]
FORMATS: tuple[str, ...] = Format.__args__  # type: ignore[attr-defined]

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    """Dates are written YYYY-MM-DD: no timestamps, no datetimes, no other spellings."""
    if isinstance(value, datetime) or not isinstance(value, str | date):
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    if isinstance(value, str) and not _ISO_DATE.match(value.strip()):
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    return value


def _true_false(value: object) -> object:
    """Only ``true`` or ``false`` (YAML 1.1's yes/no/on/off are too easy to write by accident)."""
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else None
    if word not in ("true", "false"):
        raise ValueError(f"{value!r} is not true/false")
    return word == "true"


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
TrueFalse = Annotated[bool, BeforeValidator(_true_false)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
SessionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LocalTextBase(_Model):
    """A text in the programme's languages: one field per language of :data:`LANGS`."""

    def get(self, lang: str) -> str:
        """The text in ``lang``, else in English (a Turkish reader of a text written in es, en
        and fr reads it in English)."""
        text = getattr(self, lang) if lang in type(self).model_fields else None
        return text or self.en

    def texts(self) -> dict[str, str]:
        """The languages this text is written in, each with its text."""
        return {lang: text for lang in type(self).model_fields if (text := getattr(self, lang))}

    def all(self) -> Iterable[str]:
        yield from self.texts().values()


def _text_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {lang: (NonEmpty, ...) for lang in REQUIRED_LANGS}
    fields.update({lang: (NonEmpty | None, None) for lang in LANGS if lang not in fields})
    return fields


LocalText = create_model(  # a class whose fields are the languages of the catalogs
    "LocalText",
    __base__=_LocalTextBase,
    __doc__="A text in es and en, and optionally in any other language of the bot.",
    __module__=__name__,
    **_text_fields(),
)


class HubIn(_Model):
    name: LocalText
    form_url: NonEmpty
    description: LocalText


class ForumIn(_Model):
    name: LocalText
    motto: LocalText | None = None
    city: LocalText
    start_date: IsoDate
    end_date: IsoDate
    timezone: NonEmpty
    languages: list[Language] = Field(min_length=1)
    hub: HubIn


class Place(_Model):
    name: LocalText
    join: LocalText
    url: NonEmpty | None = None


class Day(_Model):
    date: IsoDate
    title: LocalText
    format: Format


class SessionIn(_Model):
    id: SessionId
    kind: Kind
    date: IsoDate
    start: str | None = None
    end: str | None = None
    format: Format
    places: list[NonEmpty] = Field(min_length=1)
    title: LocalText
    subtitle: LocalText | None = None
    summary: LocalText
    description: LocalText | None = None
    key_messages: list[LocalText] = Field(default_factory=list)
    key_statements: list[LocalText] = Field(default_factory=list)
    hub_slot: TrueFalse = False


class ProgrammeIn(_Model):
    forum: ForumIn
    places: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]+$")], Place]
    days: list[Day] = Field(min_length=1)
    sessions: list[SessionIn] = Field(min_length=1)
