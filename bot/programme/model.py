"""The programme in memory: sessions with UTC times, and fast queries by time and by words."""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import LANGUAGES, catalog, t
from bot.programme.schema import Day, ForumIn, Link, LocalText, Place


@dataclass(frozen=True, slots=True, eq=False)
class Session:
    """A programme item. ``starts_at``/``ends_at`` are UTC; both ``None`` for untimed items.

    Sessions compare and hash by identity: a reloaded programme makes new ones, so caches keyed
    on a session (rendered lines) never serve an outdated version.
    """

    id: str
    kind: str
    date: date
    starts_at: datetime | None
    ends_at: datetime | None
    format: str | None
    places: tuple[str, ...]
    title: LocalText
    summary: LocalText | None
    subtitle: LocalText | None = None
    description: LocalText | None = None
    key_messages: tuple[LocalText, ...] = ()
    key_statements: tuple[LocalText, ...] = ()
    hub_slot: bool = False
    host: str | None = None
    #: The kind's name when the programme declares it (imported types and tracks).
    kind_name: LocalText | None = None
    track: str | None = None
    track_name: LocalText | None = None
    speakers: tuple[str, ...] = ()
    language: str | None = None
    url: str | None = None
    links: tuple[Link, ...] = ()
    #: :func:`search_words` of the id, titles, subtitle, kind names and host (found first).
    search_text: str = field(default="", compare=False, repr=False)
    #: :attr:`search_extra` once a search has needed it.
    _search_extra: str | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def timed(self) -> bool:
        return self.starts_at is not None

    @property
    def search_extra(self) -> str:
        """:func:`search_words` of the summaries (found after :attr:`search_text`), folded the
        first time a search falls back to them: most searches never do, and loading a big
        programme should not fold every summary in every language."""
        extra = self._search_extra
        if extra is None:
            extra = search_words(*self.summary.all()) if self.summary is not None else ""
            object.__setattr__(self, "_search_extra", extra)  # a cache: sessions are frozen
        return extra


_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower-case, accent-free form for matching what people type (``Kütahya`` → ``kutahya``)."""
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))


_WORD_RE = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(fold(text))


def search_words(*texts: str) -> str:
    """Folded words of ``texts``, each after a space: ``find`` matches a typed word as the start
    of one of them (``eau`` finds "l'eau" and "eaux", never "niveau")."""
    # One fold and one regex pass over all the texts: a line break (not a word character, and a
    # starter that stops any reordering of accents) keeps words of neighbouring texts apart.
    words = _WORD_RE.findall(fold("\n".join(texts)))
    return " " + " ".join(words) if words else ""


def kind_names(kind: str) -> list[str]:
    """A kind's names in every language ("Plenario", "Plenary", "Plénière"), for searching."""
    return [name for lang in LANGUAGES if (name := catalog(lang).get(f"kind.{kind}"))]


def kind_text(session: Session, lang: str) -> str:
    """The session's kind in ``lang``, and its track when it has one: "Talk · Security"."""
    name = session.kind_name.get(lang) if session.kind_name else t(lang, f"kind.{session.kind}")
    if session.track_name is not None:
        return f"{name} · {session.track_name.get(lang)}"
    return name


def format_text(fmt: str | None, lang: str) -> str | None:
    """ "Virtual", "Hybrid"… or ``None`` when the programme does not say."""
    return t(lang, f"format.{fmt}") if fmt else None


class Programme:
    """The validated programme with fast queries by time."""

    def __init__(
        self,
        forum: ForumIn,
        places: dict[str, Place],
        days: Sequence[Day],
        sessions: Sequence[Session],
        source: str = "<memory>",
        kinds: dict[str, LocalText] | None = None,
    ) -> None:
        self.forum = forum
        #: Kinds the programme declares beyond the built-in ones (id → name).
        self.kinds = dict(kinds or {})
        self.zone = ZoneInfo(forum.timezone)
        self.places = places
        self.days = list(days)
        self.source = source
        self.sessions = sorted(
            sessions,
            key=lambda s: (s.date, s.starts_at or datetime.max.replace(tzinfo=UTC), s.id),
        )
        self.by_id = {s.id: s for s in self.sessions}
        self._timed = sorted((s for s in self.sessions if s.starts_at), key=_start_key)
        self._by_date: dict[date, list[Session]] = {}
        self._untimed_by_date: dict[date, list[Session]] = {}
        for s in self.sessions:
            self._by_date.setdefault(s.date, []).append(s)
            if s.starts_at is None:
                self._untimed_by_date.setdefault(s.date, []).append(s)
        self._starts = [s.starts_at for s in self._timed if s.starts_at]  # all of them
        self._max_duration = max(
            (s.ends_at - s.starts_at for s in self._timed if s.ends_at and s.starts_at),
            default=timedelta(0),
        )

    # -- queries ---------------------------------------------------------------------------
    def upcoming(
        self, now: datetime, count: int, keep: Callable[[Session], bool] | None = None
    ) -> list[Session]:
        """The next ``count`` sessions that start strictly after ``now`` (and that ``keep``
        accepts)."""
        i = bisect.bisect_right(self._starts, now)
        if keep is None:
            return self._timed[i : i + count]
        return list(itertools.islice(filter(keep, self._timed[i:]), count))

    def ongoing(self, now: datetime) -> list[Session]:
        """Sessions that have started and not yet ended at ``now``."""
        i = bisect.bisect_right(self._starts, now)
        earliest = now - self._max_duration
        out: list[Session] = []
        while i > 0:
            i -= 1
            s = self._timed[i]
            if s.starts_at is not None and s.starts_at < earliest:
                break
            if s.ends_at is not None and s.ends_at > now:
                out.append(s)
        out.reverse()
        return out

    def on_date(self, day: date) -> list[Session]:
        return list(self._by_date.get(day, ()))

    def untimed_on(self, day: date) -> list[Session]:
        """Items of that programme date with no time (visits, welcomes)."""
        return list(self._untimed_by_date.get(day, ()))

    def day(self, day: date) -> Day | None:
        return next((d for d in self.days if d.date == day), None)

    def hub_slots(self) -> list[Session]:
        return [s for s in self.sessions if s.hub_slot]

    def find(self, query: str, limit: int = 5) -> list[Session]:
        """Sessions matching an id, or words of their titles or kinds, or else of their
        summaries (any language, accents and case ignored; each typed word must start a word of
        the session), in programme order."""
        q = query.strip().casefold()
        if q in self.by_id:
            return [self.by_id[q]]
        words = [f" {w}" for w in _words(q)]
        if not words:
            return []
        # Both scans stop at ``limit`` hits: an autocomplete keystroke on a thousand sessions
        # costs well under a millisecond when the words are common.
        hits = list(
            itertools.islice(
                (s for s in self.sessions if all(w in s.search_text for w in words)), limit
            )
        )
        if not hits:
            hits = list(
                itertools.islice(
                    (
                        s
                        for s in self.sessions
                        if s.search_extra
                        and all(w in s.search_text or w in s.search_extra for w in words)
                    ),
                    limit,
                )
            )
        if hits:
            return hits
        close = difflib.get_close_matches(q, list(self.by_id), n=limit, cutoff=0.6)
        return [self.by_id[c] for c in close]

    def local_start(self, session: Session) -> datetime | None:
        return session.starts_at.astimezone(self.zone) if session.starts_at else None

    def with_sessions(self, extra: Iterable[Session]) -> Programme:
        """A programme with more sessions (for example approved open-space proposals)."""
        return Programme(
            self.forum, self.places, self.days, [*self.sessions, *extra], self.source, self.kinds
        )


def _start_key(s: Session) -> tuple[datetime, str]:
    assert s.starts_at is not None
    return (s.starts_at, s.id)
