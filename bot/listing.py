"""Long lists kept short: ``room:``/``kind:`` filters and pages for ``/schedule`` and ``/now``.

A programme of a thousand sessions in sixteen rooms has hundreds of sessions a day and dozens
at once: every list shows at most :data:`PAGE_SIZE` of them, says which page it is and names
the command for the next one. Text fronts type the options as words (``/schedule 2 room:zoom
page:2``, or in the reader's language: ``sala:``, ``salle:``, ``pagina:``…); Discord passes
them as command options.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from bot.context import Ctx
from bot.doc import Code, Inline, Reply, error
from bot.i18n import LANGUAGES, catalog, negotiate, t
from bot.programme import KINDS, Programme, Session, fold
from bot.programme.model import kind_names, search_words

#: Sessions per page: ten list lines with titles of some 50 characters take about 1,600 of the
#: 2,000 characters of a Discord message (a longer page is split between blocks, never cut).
PAGE_SIZE = 10
MAX_PAGE = 9999
OPTIONS = ("day", "room", "kind", "page")
# Other words people use for the same options (besides each language's option names).
_ALIASES = {"place": "room", "track": "kind", "lugar": "room", "lieu": "room", "dia": "day"}
_OPTION = re.compile(r"(\w+)[:=](.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Options:
    """What a list was asked for, as typed (resolved by :func:`resolve`)."""

    day: str | None = None
    room: str | None = None
    kind: str | None = None
    page: str | int | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """Resolved options: a place id, a kind, a page number (from 1)."""

    place: str | None = None
    kind: str | None = None
    page: int = 1

    def keep(self, s: Session) -> bool:
        return (self.place is None or self.place in s.places) and (
            self.kind is None or s.kind == self.kind
        )

    @property
    def active(self) -> bool:
        return self.place is not None or self.kind is not None


@cache
def _option_words() -> dict[str, str]:
    words = {fold(k): v for k, v in _ALIASES.items()}
    for lang in LANGUAGES:
        for option in OPTIONS:
            words[fold(catalog(lang)[f"slash.schedule.{option}"])] = option
    words.update({option: option for option in OPTIONS})
    return words


def split_options(text: str | None, allowed: Sequence[str] = OPTIONS) -> Options | str:
    """Options typed as words: ``2 room:zoom page:3`` → day "2", room "zoom", page "3". Words
    without a known ``name:`` are the day. Returns the first word naming an option that this
    command does not take (or with no value), to be refused."""
    values: dict[str, str] = {}
    rest: list[str] = []
    for word in (text or "").split():
        m = _OPTION.fullmatch(word)
        option = _option_words().get(fold(m.group(1))) if m else None
        if m is None or option is None:
            rest.append(word)
            continue
        if option not in allowed or not m.group(2).strip():
            return word
        values[option] = m.group(2).strip()
    if rest:
        if "day" not in allowed:
            return rest[0]
        values["day"] = " ".join([values["day"], *rest] if "day" in values else rest)
    return Options(**values)


def _matches(typed: str, ids_and_names: dict[str, list[str]]) -> list[str]:
    """Ids whose id or a name is ``typed`` (case and accents ignored); else those with a word
    starting with each typed word."""
    q = fold(typed.strip())
    exact = [i for i, names in ids_and_names.items() if q in (fold(n) for n in [i, *names])]
    if exact:
        return exact
    words = [f" {w}" for w in search_words(q).split()]
    if not words:
        return []
    return [
        i for i, names in ids_and_names.items() if all(w in search_words(i, *names) for w in words)
    ]


def place_names(programme: Programme) -> dict[str, list[str]]:
    return {
        pid: [place.name.get(lang) for lang in LANGUAGES] for pid, place in programme.places.items()
    }


def _choices(
    typed: str, ids_and_names: dict[str, list[str]], label: Callable[[str], str], limit: int
) -> list[tuple[str, str]]:
    ids = _matches(typed, ids_and_names) if typed.strip() else list(ids_and_names)
    # A choice's value is at most 100 characters on Discord: a longer id is typed by name.
    return [(i, label(i)) for i in ids if len(i) <= 100][:limit]


def room_choices(ctx: Ctx, typed: str, limit: int) -> list[tuple[str, str]]:
    """``(place id, name in the reader's language)`` for the places matching ``typed``."""
    places = ctx.programme.places
    return _choices(
        typed, place_names(ctx.programme), lambda p: places[p].name.get(ctx.lang), limit
    )


def kind_choices(ctx: Ctx, typed: str, limit: int) -> list[tuple[str, str]]:
    """``(kind, name in the reader's language)`` for the programme's kinds matching ``typed``."""
    known = {k: kind_names(k) for k in kinds_in(ctx.programme)}
    return _choices(typed, known, lambda k: t(ctx.lang, f"kind.{k}"), limit)


def kinds_in(programme: Programme) -> list[str]:
    present = {s.kind for s in programme.sessions}
    return [k for k in KINDS if k in present]


def resolve(ctx: Ctx, options: Options) -> Filters | Reply:
    """The filters ``options`` ask for, or a specific refusal in the reader's language."""
    lang, programme = ctx.lang, ctx.programme
    place = kind = None
    if options.room is not None:
        found = _matches(options.room, place_names(programme))
        if len(found) != 1:
            names = [programme.places[p].name.get(lang) for p in (found or programme.places)]
            key = "listing.room_several" if found else "listing.room_unknown"
            return _refuse(ctx, key, options.room, found or list(programme.places), names)
        place = found[0]
    if options.kind is not None:
        known = {k: kind_names(k) for k in KINDS}
        found = _matches(options.kind, known)
        if len(found) != 1:
            choices = found or kinds_in(programme)
            names = [t(lang, f"kind.{k}") for k in choices]
            key = "listing.kind_several" if found else "listing.kind_unknown"
            return _refuse(ctx, key, options.kind, choices, names)
        kind = found[0]
    page = 1
    if options.page is not None:
        try:
            page = int(str(options.page).strip())
        except ValueError:
            page = 0
        if not 1 <= page <= MAX_PAGE:
            return error(t(lang, "listing.bad_page", value=str(options.page).strip()[:20]))
    return Filters(place, kind, page)


def _refuse(ctx: Ctx, key: str, typed: str, ids: list[str], names: list[str]) -> Reply:
    shown = [
        f"{name} ({i})" if fold(name) != fold(i) else name
        for i, name in zip(ids, names, strict=True)
    ]
    more = len(shown) - 25
    listed = ", ".join(shown[:25]) + (
        f" {t(ctx.lang, 'listing.and_more', count=more)}" if more > 0 else ""
    )
    return error(t(ctx.lang, key, value=typed.strip()[:60], choices=listed))


def describe(ctx: Ctx, filters: Filters) -> str:
    """ "Room 3 · Plenary": the active filters, for a note under the list's heading."""
    parts = []
    if filters.place is not None:
        parts.append(ctx.programme.places[filters.place].name.get(ctx.lang))
    if filters.kind is not None:
        parts.append(t(ctx.lang, f"kind.{filters.kind}"))
    return " · ".join(parts)


def command_line(
    ctx: Ctx, name: str, filters: Filters, *, day: str | None = None, page: int | None = None
) -> str:
    """The command that shows this list (at ``page``), as the reader types it: ``!schedule
    2021-10-06 sala:room-03 pagina:2`` on Matrix in Spanish, ``/schedule day:2021-10-06
    page:2`` on Discord (whose option names follow the client's language)."""
    caller = ctx.caller
    discord = caller.front == "discord"
    lang = negotiate(caller.locale) if discord and caller.locale else ctx.lang

    def option(key: str, value: str) -> str:
        return f"{catalog(lang).get(f'slash.schedule.{key}', key)}:{value}"

    words = [caller.command(name)]
    if day is not None:
        words.append(option("day", day) if discord else day)
    if filters.place is not None:
        words.append(option("room", filters.place))
    if filters.kind is not None:
        words.append(option("kind", filters.kind))
    if page is not None:
        words.append(option("page", str(page)))
    return " ".join(words)


def page(
    ctx: Ctx,
    sessions: Sequence[Session],
    filters: Filters,
    next_command: Callable[[int], str],
) -> tuple[list[Session], Reply | None, Reply]:
    """The sessions of the asked page, an error if that page does not exist, and the footer
    ("Page 2 of 7 · next page: /schedule … page:3") to add after them (empty on one page)."""
    pages = max(1, -(-len(sessions) // PAGE_SIZE))
    footer = Reply()
    if filters.page > pages:
        return (
            [],
            error(t(ctx.lang, "listing.no_such_page", page=filters.page, pages=pages)),
            footer,
        )
    start = (filters.page - 1) * PAGE_SIZE
    shown = list(sessions[start : start + PAGE_SIZE])
    if pages > 1:
        parts: list[Inline | str] = [t(ctx.lang, "listing.page", page=filters.page, pages=pages)]
        if filters.page < pages:
            parts += [
                " · ",
                t(ctx.lang, "listing.next_page"),
                " ",
                Code(next_command(filters.page + 1)),
            ]
        footer.note(*parts)
    return shown, None, footer
