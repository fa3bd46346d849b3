"""The forum's programme: loaded from ``schedule.yaml``, validated as a whole, queried by time.

- :mod:`bot.programme.schema`: what the file may hold (pydantic models);
- :mod:`bot.programme.load`: parsing, validation and building (a file is refused whole);
- :mod:`bot.programme.problems`: every problem of a file, with its line;
- :mod:`bot.programme.model`: sessions in UTC and the queries the commands use.
"""

from bot.programme.load import Problem, ProgrammeError, load_programme, parse_programme
from bot.programme.model import Programme, Session, fold, format_text, kind_text
from bot.programme.schema import (
    FORMATS,
    KINDS,
    LANGS,
    Day,
    ForumIn,
    HubIn,
    Lang,
    LocalText,
    Place,
    ProgrammeIn,
    SessionIn,
)

__all__ = [
    "FORMATS",
    "KINDS",
    "LANGS",
    "Day",
    "ForumIn",
    "HubIn",
    "Lang",
    "LocalText",
    "Place",
    "Problem",
    "Programme",
    "ProgrammeError",
    "ProgrammeIn",
    "Session",
    "SessionIn",
    "fold",
    "format_text",
    "kind_text",
    "load_programme",
    "parse_programme",
]
