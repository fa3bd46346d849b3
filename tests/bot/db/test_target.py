"""Where the database is: paths, postgresql:// URLs, the environment, and passwords never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config
from bot.db.postgres import to_dollar
from bot.db.target import ENV_URL, parse_target, redact


def test_a_path_is_a_sqlite_file() -> None:
    target = parse_target("data/bot.sqlite3")
    assert target.path == Path("data/bot.sqlite3") and not target.is_postgresql


def test_a_postgresql_url_is_kept_whole_and_shown_without_its_password() -> None:
    target = parse_target("postgresql://l4a:s3cret@db.example.org:5432/l4a")
    assert target.url == "postgresql://l4a:s3cret@db.example.org:5432/l4a"
    assert str(target) == "postgresql://l4a:***@db.example.org:5432/l4a"
    assert "s3cret" not in repr(str(target))


def test_a_url_is_shown_without_its_query_which_may_carry_a_password() -> None:
    shown = redact("postgresql://db.example.org/l4a?user=l4a&password=s3cret&sslmode=require")
    assert shown == "postgresql://db.example.org/l4a"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("mysql://u:s3cret@h/db", "unsupported database URL"),
        ("postgresql://u:s3cret@/db", "names no host"),
        ("postgresql://u:s3cret@h", "names no database"),
    ],
)
def test_unusable_urls_are_refused_in_one_line_without_the_password(url: str, words: str) -> None:
    with pytest.raises(ValueError, match=words) as caught:
        parse_target(url)
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)


def test_the_environment_url_is_used_when_nothing_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_URL, "postgresql://l4a:pw@127.0.0.1/l4a")
    assert Config().database_target().url == "postgresql://l4a:pw@127.0.0.1/l4a"
    assert Config().database_target("other.sqlite3").path == Path("other.sqlite3")  # --db wins


def test_without_anything_the_bot_uses_its_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_URL, raising=False)
    assert Config().database_target().path == Config().bot.database


def test_a_password_in_the_config_file_is_refused_with_where_to_put_it() -> None:
    with pytest.raises(ValueError, match="PGPASSWORD"):
        Config.model_validate({"store": {"url": "postgresql://l4a:s3cret@h/l4a"}})


def test_question_marks_become_numbered_parameters_outside_quoted_text() -> None:
    assert to_dollar("SELECT ? , '?', \"a?\" WHERE x = ?") == "SELECT $1 , '?', \"a?\" WHERE x = $2"


@pytest.mark.parametrize(
    ("url", "port"),
    [
        ("postgresql://u:s3cret@h:notaport/db", "'notaport'"),
        ("postgresql://u:s3cret@h:99999/db", "'99999'"),
        ("postgresql://u:s3cret@h:5432,h2:0/db", "'0'"),
        ("postgresql://u:s3cret@[::1]:x1/db", "'x1'"),
    ],
)
def test_a_url_with_an_invalid_port_is_refused_in_one_line_without_the_password(
    url: str, port: str
) -> None:
    # The driver raised ValueError/OverflowError (a traceback) for these, at start and in db status.
    with pytest.raises(ValueError, match=f"invalid port {port}") as caught:
        parse_target(url)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:s3cret@h:5432/db",
        "postgresql://u:s3cret@h/db",
        "postgresql://u:s3cret@h1:5432,h2:5433/db",
        "postgresql://u:s3cret@h1,h2/db",
        "postgresql://u:s3cret@[::1]:5432/db",
        "postgresql://u:s3cret@[::1]/db",
    ],
)
def test_urls_with_valid_or_no_ports_are_accepted(url: str) -> None:
    assert parse_target(url).url == url


def test_an_unreadable_url_is_refused_in_one_line_without_the_password() -> None:
    with pytest.raises(ValueError, match="cannot be read") as caught:
        parse_target("postgresql://u:s3cret@[::1/db")
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    "typed",
    [
        "postgresql:/l4a:s3cret@db.example.org/l4a",  # one slash: was "names no host" + password
        "postgresql:l4a:s3cret@db.example.org/l4a",
        "postgresql//l4a:s3cret@db.example.org/l4a",  # was a SQLite path, shown with password
        "l4a:s3cret@db.example.org:5432/l4a",
    ],
)
def test_a_mistyped_url_with_a_password_is_refused_without_showing_it(typed: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_target(typed)
    assert "s3cret" not in str(caught.value) and ":***@" in str(caught.value)


def test_a_postgresql_url_in_the_sqlite_file_key_is_refused_without_showing_its_password(
    tmp_path: Path,
) -> None:
    # [bot] database is a path: the URL became "<config dir>/postgresql:/l4a:s3cret@…", and
    # "no database at …" showed the password.
    config = tmp_path / "l4a.toml"
    config.write_text('[bot]\ndatabase = "postgresql://l4a:s3cret@db.example.org/l4a"\n')
    from bot.config import load_config

    with pytest.raises(ValueError) as caught:
        load_config(config).database_target()
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize("key", ["password", "sslpassword", "PASSWORD"])
def test_a_password_in_the_config_files_url_query_is_refused_too(key: str, tmp_path: Path) -> None:
    from bot.config import ConfigError, load_config

    config = tmp_path / "l4a.toml"
    config.write_text(f'[store]\nurl = "postgresql://l4a@h/l4a?sslmode=require&{key}=s3cret"\n')
    with pytest.raises(ConfigError, match="PGPASSWORD") as caught:
        load_config(config)
    assert "s3cret" not in str(caught.value)


def test_a_config_url_with_a_harmless_query_is_kept() -> None:
    url = "postgresql://l4a@h/l4a?sslmode=require"
    assert Config.model_validate({"store": {"url": url}}).store.url == url
