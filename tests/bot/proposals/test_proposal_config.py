from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import ConfigError, ProposalsSection, load_config
from bot.store import bundled_migrations

pytestmark = pytest.mark.both_backends

REPO = Path(__file__).resolve().parents[3]


def test_every_proposals_key_is_documented_in_the_example_config() -> None:
    text = (REPO / "config.example.toml").read_text(encoding="utf-8")
    assert "[proposals]" in text
    for key in ProposalsSection.model_fields:
        assert f"{key} =" in text, key


def test_submission_dates_are_read_with_their_offset(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[proposals]\nopens_at = "2021-09-01T00:00:00+02:00"\nrooms_per_slot = 2\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.proposals.opens_at == datetime(2021, 8, 31, 22, 0, tzinfo=UTC)
    assert config.proposals.rooms_per_slot == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('closes_at = "2021-10-04T23:59:00"', "offset"),
        ("rooms_per_slot = 0", "greater than or equal to 1"),
        ("max_pending = 2", "did you mean 'max_pending_per_host'"),
    ],
)
def test_bad_proposals_settings_are_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[proposals]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_the_proposals_migration_is_bundled_and_no_placeholder_is_left() -> None:
    names = [m.name for m in bundled_migrations()]
    assert "proposals" in names and "reserved" not in names
