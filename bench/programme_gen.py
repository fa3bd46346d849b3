"""A large generated programme for the benchmarks: ``schedule.yaml``'s forum, places and days
header followed by thousands of sessions in the same schema (es/en/fr texts)."""

from __future__ import annotations

import functools
import random
import re

from bot.config import BUNDLED_SCHEDULE
from bot.programme import KINDS, Programme

N_SESSIONS = 2_000
SEED = 20211005
LANGS = ("es", "en", "fr")


_WORDS = {
    "es": (
        "ciudades intermedias", "resiliencia", "clima", "agua", "cultura", "gobernanza",
        "territorio", "cooperación", "igualdad", "salud", "movilidad", "vivienda",
        "alimentación", "economía", "cuidados", "patrimonio", "juventud", "innovación",
        "participación", "financiación", "energía", "turismo", "datos abiertos", "bosques",
    ),
    "en": (
        "intermediary cities", "resilience", "climate", "water", "culture", "governance",
        "territory", "cooperation", "equality", "health", "mobility", "housing",
        "food systems", "economy", "care", "heritage", "youth", "innovation",
        "participation", "finance", "energy", "tourism", "open data", "forests",
    ),
    "fr": (
        "villes intermédiaires", "résilience", "climat", "eau", "culture", "gouvernance",
        "territoire", "coopération", "égalité", "santé", "mobilité", "logement",
        "alimentation", "économie", "soins", "patrimoine", "jeunesse", "innovation",
        "participation", "financement", "énergie", "tourisme", "données ouvertes", "forêts",
    ),
}  # fmt: skip
_TITLE = {
    "es": "Sesión {n}: {a} y {b}",
    "en": "Session {n}: {a} and {b}",
    "fr": "Session {n} : {a} et {b}",
}
_SUMMARY = {
    "es": "Diálogo sobre {a}, {b} y {c} en las ciudades intermedias, con experiencias locales, "
    "alianzas territoriales y propuestas para la agenda global; incluye {d} y {e}.",
    "en": "Dialogue on {a}, {b} and {c} in intermediary cities, with local experiences, "
    "territorial partnerships and proposals for the global agenda; includes {d} and {e}.",
    "fr": "Dialogue sur {a}, {b} et {c} dans les villes intermédiaires, avec des expériences "
    "locales, des alliances territoriales et des propositions pour l'agenda mondial ; {d} et {e}.",
}
_ROOM = {"es": "Sala", "en": "Room", "fr": "Salle"}
_ROOM_JOIN = {
    "es": "Sala del centro de congresos",
    "en": "A room of the congress centre",
    "fr": "Une salle du centre des congrès",
}
_MESSAGE = {
    "es": "Las ciudades intermedias impulsan {a} y {b} desde la proximidad.",
    "en": "Intermediary cities drive {a} and {b} through proximity.",
    "fr": "Les villes intermédiaires portent {a} et {b} grâce à la proximité.",
}


def _local_text(lines: list[str], indent: int, key: str, texts: dict[str, str]) -> None:
    pad = " " * indent
    lines.append(f"{pad}{key}:")
    for lang in LANGS:
        lines.append(f'{pad}  {lang}: "{texts[lang]}"')


def room_id(number: int) -> str:
    return f"room-{number:02d}"


def _rooms_yaml(rooms: int) -> str:
    """``rooms`` extra places (``room-01``…), each named in es/en/fr, as YAML under ``places:``."""
    lines: list[str] = []
    for number in range(1, rooms + 1):
        lines.append(f"  {room_id(number)}:")
        _local_text(lines, 4, "name", {lang: f"{_ROOM[lang]} {number}" for lang in LANGS})
        _local_text(lines, 4, "join", {lang: _ROOM_JOIN[lang] for lang in LANGS})
    return "\n".join(lines) + "\n"


def generate_programme_yaml(
    base: Programme, n: int = N_SESSIONS, seed: int = SEED, rooms: int = 0
) -> str:
    """``schedule.yaml``'s forum/places/days header followed by ``n`` generated sessions.

    Sessions are spread evenly over the forum's days, start between 08:00 and 20:55 (forum
    time, 5-minute steps) and last 30 to 120 minutes; one in 250 is untimed, one in four has key
    messages, one in three a subtitle. With ``rooms``, that many places ``room-01``… are added
    and each session takes place in one of them (about ``n / 60`` sessions run at once); else
    each is in one or two of the bundled places.
    """
    text = BUNDLED_SCHEDULE.read_text(encoding="utf-8")
    match = re.search(r"^sessions:[ \t]*(#.*)?$", text, flags=re.MULTILINE)
    if match is None:
        raise SystemExit("schedule.yaml has no top-level 'sessions:' key")
    rng = random.Random(seed)
    days = [d.date for d in base.days]
    places = sorted(base.places)
    head = text[: match.start()].rstrip("\n")
    if rooms:
        days_at = re.search(r"^days:", head, flags=re.MULTILINE)
        if days_at is None:
            raise SystemExit("schedule.yaml has no top-level 'days:' key")
        head = head[: days_at.start()] + _rooms_yaml(rooms) + "\n" + head[days_at.start() :]
    kinds = [k for k in KINDS if k != "open_space"] + ["open_space"] * 2
    words = functools.partial(rng.sample, range(len(_WORDS["en"])))  # k distinct word indexes
    lines = [head, "", "sessions:"]
    for i in range(n):
        day = days[i * len(days) // n]
        a, b = words(2)
        lines.append(f"  - id: gen-{i + 1:04d}")
        untimed = i % 250 == 249
        lines.append(f"    kind: {'visit' if untimed else rng.choice(kinds)}")
        lines.append(f"    date: {day.isoformat()}")
        if not untimed:
            start = 8 * 60 + rng.randrange(156) * 5
            end = start + rng.choice((30, 45, 60, 60, 90, 120))
            lines.append(f'    start: "{start // 60:02d}:{start % 60:02d}"')
            lines.append(f'    end: "{end // 60:02d}:{end % 60:02d}"')
        lines.append(f"    format: {rng.choice(('virtual', 'hybrid', 'in_person'))}")
        where = [room_id(rng.randint(1, rooms))] if rooms else rng.sample(places, rng.randint(1, 2))
        lines.append(f"    places: [{', '.join(where)}]")
        _local_text(
            lines,
            4,
            "title",
            {
                lang: _TITLE[lang].format(n=i + 1, a=_WORDS[lang][a], b=_WORDS[lang][b])
                for lang in LANGS
            },
        )
        if i % 3 == 0:
            c, d = words(2)
            _local_text(
                lines,
                4,
                "subtitle",
                {lang: f"{_WORDS[lang][c]} · {_WORDS[lang][d]}" for lang in LANGS},
            )
        ws = words(5)
        _local_text(
            lines,
            4,
            "summary",
            {
                lang: _SUMMARY[lang].format(
                    **{k: _WORDS[lang][w] for k, w in zip("abcde", ws, strict=True)}
                )
                for lang in LANGS
            },
        )
        if i % 4 == 0:
            lines.append("    key_messages:")
            for _ in range(rng.randint(2, 3)):
                c, d = words(2)
                for j, lang in enumerate(LANGS):
                    lead = "      - " if j == 0 else "        "
                    message = _MESSAGE[lang].format(a=_WORDS[lang][c], b=_WORDS[lang][d])
                    lines.append(f'{lead}{lang}: "{message}"')
    return "\n".join(lines) + "\n"
