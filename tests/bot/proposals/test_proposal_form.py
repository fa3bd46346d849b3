from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.hub import Hub
from bot.i18n import LANGUAGES, t
from bot.proposals.env import form_env
from bot.proposals.form import BY_KEY, FIELDS, STEPS, choices, parse_answer, step_fields, validate
from bot.proposals.model import FIELD_KEYS, clean_text, parse_ref, title_key
from tests.support.proposals import answers, ctx_for, host

pytestmark = pytest.mark.both_backends


async def test_complete_good_answers_have_no_problem(hub: Hub) -> None:
    env = await form_env(ctx_for(hub, host()))
    assert validate(env, answers()) == {}


async def test_every_problem_is_named_per_field_at_once(hub: Hub) -> None:
    env = await form_env(ctx_for(hub, host()))
    bad = answers(host_name="", title="Hey", description="x" * 1001, email="ana@", slot="nope")
    errors = validate(env, bad)
    assert set(errors) == {"host_name", "title", "description", "email", "slot"}
    assert errors["host_name"] == "this is required."
    assert errors["title"] == "at least 5 characters, please (now 3)."
    assert errors["description"] == "at most 1000 characters, please (now 1001)."
    assert "“ana@” is not an e-mail address" in errors["email"]
    assert errors["slot"] == "there is no Hub slot “nope”."


async def test_problems_are_written_in_the_hosts_language(hub: Hub) -> None:
    env = await form_env(ctx_for(hub, host(locale="fr")))
    assert validate(env, answers(title=""))["title"] == "ce champ est obligatoire."


@pytest.mark.parametrize(
    "email",
    ["ana@example.org", "a.b+tag@sub.example.co", "jose@municipalidad.gob.ar", "ç@exemple.fr"],
)
async def test_valid_e_mail_addresses_are_accepted(hub: Hub, email: str) -> None:
    env = await form_env(ctx_for(hub, host()))
    assert validate(env, answers(email=email)) == {}


@pytest.mark.parametrize(
    "email",
    ["ana", "ana@", "@example.org", "ana@example", "ana@@example.org", "a b@example.org",
     "ana..b@example.org", ".ana@example.org", "ana@example..org", "ana@exa_mple.org"],
)  # fmt: skip
async def test_invalid_e_mail_addresses_are_named(hub: Hub, email: str) -> None:
    env = await form_env(ctx_for(hub, host()))
    assert set(validate(env, answers(email=email))) == {"email"}


async def test_optional_answers_may_be_empty(hub: Hub) -> None:
    env = await form_env(ctx_for(hub, host()))
    assert validate(env, answers(cohosts="", email="")) == {}


async def test_a_slot_that_has_started_is_refused(hub: Hub, clock: FrozenClock) -> None:
    clock.advance(timedelta(minutes=15))  # 12:05 CEST on 6 Oct: hub-oct-6 is under way
    env = await form_env(ctx_for(hub, host()))
    assert "has already started" in validate(env, answers(slot="hub-oct-6"))["slot"]
    assert [c.value for c in choices(env, BY_KEY["slot"])] == ["hub-oct-7", "hub-oct-8"]


async def test_a_full_slot_is_refused_and_not_offered(hub: Hub) -> None:
    hub.config.proposals.rooms_per_slot = 1
    await hub.store.database.execute(
        "INSERT INTO proposals (front, user_id, lang, host_name, organisation, title, title_key, "
        "description, slot, language, capitals, format, status, approved_slot, created_at, "
        "updated_at) VALUES ('console', 'x', 'en', 'X', 'Y', 'T', 't', 'D', 'hub-oct-7', 'en', "
        "'human', 'talk', 'approved', 'hub-oct-7', '2021-10-01T00:00:00+00:00', "
        "'2021-10-01T00:00:00+00:00')"
    )
    env = await form_env(ctx_for(hub, host()))
    assert "is full (all 1 rooms are taken)" in validate(env, answers(slot="hub-oct-7"))["slot"]
    assert [c.value for c in choices(env, BY_KEY["slot"])] == ["hub-oct-6", "hub-oct-8"]


async def test_slots_are_offered_in_the_hosts_own_zone(hub: Hub) -> None:
    await hub.store.set_zone("console", "ana", "Asia/Kathmandu")
    env = await form_env(ctx_for(hub, host()))
    labels = [c.label.replace("\u202f", " ") for c in choices(env, BY_KEY["slot"])]
    assert labels[0] == "Wed, Oct 6 · 3:45 PM–4:30 PM UTC+05:45"


async def test_typed_choices_by_number_code_or_name_in_any_language(hub: Hub) -> None:
    env = await form_env(ctx_for(hub, host(locale="es")))
    capitals = BY_KEY["capitals"]
    assert parse_answer(env, capitals, "1, 3") == ("human,economic", None)
    assert parse_answer(env, capitals, "Ambiental social") == ("environmental,social", None)
    assert parse_answer(env, capitals, "económico, ECONOMICO") == ("economic", None)
    assert parse_answer(env, BY_KEY["language"], "Français") == ("fr", None)
    assert parse_answer(env, BY_KEY["format"], "2") == ("workshop", None)
    value, problem = parse_answer(env, BY_KEY["format"], "9")
    assert value == "" and problem is not None and "1. Charla" in problem


async def test_a_typed_slot_that_has_started_says_so(hub: Hub, clock: FrozenClock) -> None:
    clock.advance(timedelta(minutes=15))
    env = await form_env(ctx_for(hub, host()))
    _, problem = parse_answer(env, BY_KEY["slot"], "hub-oct-6")
    assert problem is not None and "has already started" in problem


def test_typed_text_loses_control_and_bidi_characters_but_keeps_any_script() -> None:
    assert clean_text("  Ana\u202e  Pérez\x00\t ") == "Ana Pérez"
    assert clean_text("Line 1\r\n\r\n\r\n\nLine 2", multiline=True) == "Line 1\n\nLine 2"
    kept = "İstanbul ılık · العربية · 👩‍👩‍👧 · Kütahya"
    assert clean_text(kept) == kept


@pytest.mark.parametrize(
    "blank",
    ["\u200b" * 8, "\u2060\ufeff\u00ad" * 3, "\u3164" * 6, "\u2800 " * 5, "\u200d" * 6],
)
async def test_an_answer_of_invisible_characters_is_no_answer(hub: Hub, blank: str) -> None:
    env = await form_env(ctx_for(hub, host()))
    assert clean_text(blank) == clean_text(blank, multiline=True) == ""
    value, problem = parse_answer(env, BY_KEY["title"], blank)
    assert (value, problem) == ("", "this is required.")
    assert clean_text("Agua\u200b y\ufeff vida\u2060") == "Agua y vida"  # inside text: gone


def test_duplicate_titles_are_compared_without_case_accents_or_spacing() -> None:
    assert title_key("Água  y RESILIENCIA") == title_key("agua y resiliencia")
    assert title_key("İZMİR") == title_key("izmir")
    assert title_key("Agua y resiliencia") != title_key("Agua y resiliencias")


@pytest.mark.parametrize(("text", "expected"), [("12", 12), ("#12", 12), (" # 7 ", 7), ("x", None)])
def test_proposal_numbers_are_read_as_typed(text: str, expected: int | None) -> None:
    assert parse_ref(text) == expected


def test_the_form_has_every_field_once_in_pages_of_at_most_five() -> None:
    assert tuple(f.key for f in FIELDS) == FIELD_KEYS
    for step in STEPS:
        assert 1 <= len(step_fields(step)) <= 5


@pytest.mark.parametrize("lang", LANGUAGES)
def test_form_texts_fit_discord_modal_limits_in_every_language(lang: str) -> None:
    for field in FIELDS:
        assert 1 <= len(field.label(lang)) <= 45, (lang, field.key)
        assert 1 <= len(field.hint(lang)) <= 100, (lang, field.key)
        assert field.question(lang)
    for step in STEPS:
        assert len(t(lang, "proposals.modal.title", step=step, steps=2)) <= 45
        assert len(t(lang, "proposals.modal.edit_title", ref="#9999", step=step, steps=2)) <= 45
    for decision in ("rejected", "changes_requested"):
        assert len(t(lang, f"proposals.modal.reason_{decision}", ref="#9999")) <= 45
    assert len(t(lang, "proposals.modal.reason_label")) <= 45


async def test_the_session_languages_offered_are_the_forums_from_schedule_yaml(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = await form_env(ctx_for(hub, host(locale="tr")))
    offered = [(c.value, c.label) for c in choices(env, BY_KEY["language"])]
    assert offered == [("es", "Español"), ("en", "English"), ("fr", "Français")]
    forum = hub.programme.forum
    monkeypatch.setattr(
        hub.programme, "forum", forum.model_copy(update={"languages": ["tr", "en"]})
    )
    env = await form_env(ctx_for(hub, host(locale="tr")))
    offered = [(c.value, c.label) for c in choices(env, BY_KEY["language"])]
    assert offered == [("tr", "Türkçe"), ("en", "English")]
    assert parse_answer(env, BY_KEY["language"], "turco") == ("tr", None)
    assert parse_answer(env, BY_KEY["language"], "Türkçe") == ("tr", None)
    value, problem = parse_answer(env, BY_KEY["language"], "Français")
    assert value == "" and problem is not None and "seçeneklerden biri değil" in problem
