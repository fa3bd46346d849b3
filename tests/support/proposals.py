"""Helpers for the proposals tests: a host, a moderator, and a complete set of good answers."""

from __future__ import annotations

from bot.context import Caller, Ctx
from bot.hub import Hub

GOOD: dict[str, str] = {
    "host_name": "Ana Pérez",
    "organisation": "Municipalidad de Chefchaouen, Marruecos",
    "title": "Agua y resiliencia en las ciudades intermedias",
    "description": "Un taller sobre la gestión del agua: qué funciona, por qué, qué nos llevamos.",
    "slot": "hub-oct-6",
    "language": "es",
    "capitals": "social,environmental",
    "format": "workshop",
    "cohosts": "",
    "email": "ana@example.org",
}


def host(user: str = "ana", *, front: str = "console", locale: str | None = None) -> Caller:
    return Caller(front, user, user.capitalize(), locale)


def moderator(user: str = "mod", *, front: str = "console", locale: str | None = None) -> Caller:
    return Caller(front, user, user.capitalize(), locale, is_moderator=True)


def ctx_for(hub: Hub, caller: Caller) -> Ctx:
    return hub.context(caller)


def answers(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}
