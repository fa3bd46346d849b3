"""The schema of ``schedule.yaml``: what each section may hold, checked by pydantic.

Values arrive as text (the reference YAML path keeps every scalar a string); these models decide
what each means: ISO dates only, ``true``/``false`` only, texts in es and en (the bot's other
languages optional: ``fr:``, ``tr:``…).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
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
KINDS: tuple[str, ...] = get_args(Kind)
Format = Literal["virtual", "hybrid", "in_person"]
FORMATS: tuple[str, ...] = get_args(Format)

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


def _wall_text(value: object) -> object:
    """A time as written. The fast YAML parser reads ``"2021-10-06T00:30"`` as a datetime: give
    back the text the reference path keeps (it is checked there as text)."""
    if isinstance(value, datetime) and value.tzinfo is None and not value.second:
        return f"{value:%Y-%m-%dT%H:%M}"
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
WallTime = Annotated[str, BeforeValidator(_wall_text)]
TrueFalse = Annotated[bool, BeforeValidator(_true_false)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
SessionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
#: Kind ids: the built-in :data:`KINDS`, or one declared in the programme's ``kinds`` section.
KindId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LocalTextBase(_Model):
    """A text in the programme's languages: one field per language of :data:`LANGS`."""

    if TYPE_CHECKING:  # the fields :data:`LocalText` adds, as the type checker sees them
        es: str
        en: str

    @model_validator(mode="before")
    @classmethod
    def _one_text(cls, value: object) -> object:
        """A plain text (an imported programme's single language) is that text in every one."""
        if isinstance(value, str) and value.strip():
            return dict.fromkeys(LANGS, value)
        return value

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


if TYPE_CHECKING:  # a class built at run time: the checker knows it by its base
    LocalText = _LocalTextBase
else:
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
    city: LocalText | None = None
    start_date: IsoDate
    end_date: IsoDate
    timezone: NonEmpty
    languages: list[Language] = Field(min_length=1)
    hub: HubIn | None = None
    #: A short name for schedule exports (frab/c3voc ``acronym``).
    acronym: NonEmpty | None = None

    def hub_name(self, lang: str) -> str:
        """The hub's name, or the forum's when the programme has no hub (an imported one)."""
        return (self.hub.name if self.hub else self.name).get(lang)


class Place(_Model):
    name: LocalText
    #: How to get there or join; an imported room has none (its name says where).
    join: LocalText | None = None
    url: NonEmpty | None = None


class Day(_Model):
    date: IsoDate
    title: LocalText | None = None
    format: Format | None = None


class Link(_Model):
    url: NonEmpty
    title: NonEmpty | None = None


class SessionIn(_Model):
    id: SessionId
    kind: KindId
    #: A second kind the session belongs to (an imported programme's track).
    track: KindId | None = None
    date: IsoDate
    start: WallTime | None = None
    end: WallTime | None = None
    format: Format | None = None
    places: list[NonEmpty] = Field(min_length=1)
    title: LocalText
    subtitle: LocalText | None = None
    summary: LocalText | None = None
    description: LocalText | None = None
    speakers: list[NonEmpty] = Field(default_factory=list)
    #: The language the session is held in (a code such as ``en`` or ``de``).
    language: NonEmpty | None = None
    url: NonEmpty | None = None
    links: list[Link] = Field(default_factory=list)
    key_messages: list[LocalText] = Field(default_factory=list)
    key_statements: list[LocalText] = Field(default_factory=list)
    hub_slot: TrueFalse = False


class ProgrammeIn(_Model):
    forum: ForumIn
    places: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]+$")], Place]
    #: Kinds beyond the built-in ones (an imported programme's types and tracks): id → name.
    kinds: dict[KindId, LocalText] = Field(default_factory=dict)
    days: list[Day] = Field(min_length=1)
    sessions: list[SessionIn] = Field(min_length=1)
