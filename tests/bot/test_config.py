from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BUNDLED_SCHEDULE, Config, ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]


def test_no_file_means_the_embedded_defaults() -> None:
    config = load_config(None)
    assert config.bot.schedule == BUNDLED_SCHEDULE and config.bot.clock is None


def test_the_example_config_is_valid_and_documents_every_key() -> None:
    path = REPO / "config.example.toml"
    config = load_config(path)
    text = path.read_text(encoding="utf-8")
    for section in ("bot", "discord", "console", "polls"):
        for key in type(getattr(config, section)).model_fields:
            assert f"{key} =" in text, f"config.example.toml does not document {section}.{key}"


def test_a_typo_in_the_config_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[bot]\ndefault_langauge = "es"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'default_language'"):
        load_config(path)


def test_a_naive_rehearsal_clock_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[bot]\nclock = "2021-10-06T11:50:00"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="offset"):
        load_config(path)


def test_relative_paths_are_taken_from_the_config_folder(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[bot]\ndatabase = "state/bot.db"\nschedule = "p.yaml"\n', encoding="utf-8")
    config = load_config(path)
    assert config.bot.database == tmp_path / "state/bot.db"
    assert config.bot.schedule == tmp_path / "p.yaml"


def test_broken_toml_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[bot\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_a_proposal_form_closing_before_it_opens_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[proposals]\nopens_at = "2021-10-05T00:00:00+02:00"\n'
        'closes_at = "2021-10-01T00:00:00+02:00"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"proposals: closes_at .* is not after opens_at"):
        load_config(path)


@pytest.mark.parametrize(
    ("section", "missing"),
    [
        ('homeserver = "https://matrix.example.org"', "user_id"),
        ('user_id = "@l4a-hub:example.org"', "homeserver"),
    ],
)
def test_a_half_configured_matrix_front_is_refused_not_silently_skipped(
    tmp_path: Path, section: str, missing: str
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[matrix]\n{section}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"matrix: {missing} is needed too"):
        load_config(path)


def test_every_language_key_takes_a_language_of_the_catalogs_and_names_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[bot]\ndefault_language = "tr"\n[proposals]\nreview_language = "tr"\n'
        '[announcements]\nlanguage = "tr"\n[events]\nlanguage = "tr"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.bot.default_language == config.proposals.review_language == "tr"
    assert config.announcements.language == config.events.language == "tr"
    for section, key in (
        ("bot", "default_language"),
        ("proposals", "review_language"),
        ("announcements", "language"),
        ("events", "language"),
    ):
        path.write_text(f'[{section}]\n{key} = "de"\n', encoding="utf-8")
        with pytest.raises(ConfigError, match=r"unknown language 'de'; known: en, es, fr, tr"):
            load_config(path)


def test_failover_seconds_defaults_to_15_and_refuses_nonsense() -> None:
    from pydantic import ValidationError

    assert Config().store.failover_seconds == 15
    assert Config.model_validate({"store": {"failover_seconds": 4}}).store.failover_seconds == 4
    for bad in (0, -3, 100_000, "soon"):
        with pytest.raises(ValidationError):
            Config.model_validate({"store": {"failover_seconds": bad}})
