"""Configuration: one TOML file validated into typed sections; secrets only from the environment.

With no file at all the bot runs on its embedded defaults: the bundled programme, a SQLite file
under ``./data`` and the console front-end.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.clock import parse_instant
from bot.config_announce import (  # re-exported: the sections' home is bot.config_announce
    AnnouncementsSection as AnnouncementsSection,
)
from bot.config_announce import ChannelMap as ChannelMap
from bot.config_announce import DeliveryMode as DeliveryMode
from bot.config_announce import EventsSection as EventsSection
from bot.config_announce import FrontName as FrontName
from bot.config_announce import ReminderDelivery as ReminderDelivery
from bot.config_base import Language, _Section
from bot.db.target import DatabaseTarget, is_url, parse_target

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_SCHEDULE = REPO_ROOT / "schedule.yaml"
#: The last good copy of a live programme source, next to the database.
LIVE_COPY = "schedule-live.yaml"


class BotSection(_Section):
    schedule: Path = BUNDLED_SCHEDULE
    #: Set when ``schedule`` is an http(s) URL: the live source (``bot/interchange/live.py``).
    schedule_url: str | None = None
    schedule_format: Literal["frab-xml", "frab-json", "csv", "ics"] | None = None
    schedule_timezone: str | None = None
    refresh_minutes: float = Field(default=5.0, ge=0.5, le=24 * 60)
    database: Path = Path("data/l4a-bot.sqlite3")
    default_language: Language = "en"
    clock: datetime | None = None
    clock_speed: float = Field(default=1.0, gt=0, le=100_000, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _schedule_url(cls, data: object) -> object:
        """``schedule = "https://…"``: a live source, fetched and refreshed (http(s) only)."""
        if not isinstance(data, dict):
            return data
        value = data.get("schedule")
        if isinstance(value, str) and "://" in value:
            from bot.interchange.fetch import check_url

            data = {k: v for k, v in data.items() if k != "schedule"}
            data["schedule_url"] = check_url(value)  # ValueError: shown without secrets
        return data

    @field_validator("clock", mode="before")
    @classmethod
    def _aware_clock(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_instant(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("clock needs an offset, e.g. 2021-10-06T11:50:00+02:00")
        return value


class StoreSection(_Section):
    """``[store]``: the database, when it is not the SQLite file ``[bot] database``."""

    #: ``postgresql://user@host:5432/dbname`` (or a SQLite path). The password never goes here:
    #: libpq's ``PGPASSWORD``, or the whole URL in ``L4A_DATABASE_URL``.
    url: str | None = None
    #: Connections each process keeps to PostgreSQL.
    pool_size: int = Field(default=10, ge=2, le=100)
    #: Several processes on PostgreSQL: how soon (seconds) a standby takes a front over after
    #: the active process died or lost the database.
    failover_seconds: float = Field(default=15, ge=1, le=600)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from bot.db.target import is_url, parse_target, query_password

        parse_target(value)  # ValueError: one line, password hidden
        if is_url(value) and (urlsplit(value).password is not None or query_password(value)):
            raise ValueError(
                "the password does not belong in the config file: set PGPASSWORD, or give the "
                "whole URL in the environment variable L4A_DATABASE_URL"
            )
        return value


class DiscordSection(_Section):
    guild_ids: list[int] = Field(default_factory=list)
    moderator_role: str = "Moderators"
    #: The forum's own servers: moderator rights come only from them (default: ``guild_ids``).
    forum_guild_ids: list[int] = Field(default_factory=list)

    @property
    def forum_guilds(self) -> list[int]:
        """Where the moderator role or Manage Server makes a moderator; empty: nowhere."""
        return self.forum_guild_ids or self.guild_ids


class ConsoleSection(_Section):
    default_user: str = Field(default="you", min_length=1, max_length=32)
    moderators: list[str] = Field(default_factory=lambda: ["moderator"])


def _aware(value: object) -> object:
    if isinstance(value, str):
        return parse_instant(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("needs an offset, e.g. 2021-10-04T23:59:00+02:00")
    return value


class ProposalsSection(_Section):
    """The open-space proposal form (see ``bot/proposals``)."""

    opens_at: datetime | None = None
    closes_at: datetime | None = None
    rooms_per_slot: int = Field(default=4, ge=1, le=100)
    max_pending_per_host: int = Field(default=3, ge=1, le=100)
    review_channel_id: int | None = None
    review_language: Language | None = None

    @field_validator("opens_at", "closes_at", mode="before")
    @classmethod
    def _aware_dates(cls, value: object) -> object:
        return _aware(value)

    @model_validator(mode="after")
    def _opens_before_it_closes(self) -> ProposalsSection:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError(
                f"closes_at {self.closes_at.isoformat()} is not after opens_at "
                f"{self.opens_at.isoformat()}: the form would never be open"
            )
        return self


class PollsSection(_Section):
    refresh_seconds: float = Field(default=2.0, ge=0.5, le=60)
    synchronous: Literal["FULL", "NORMAL"] = "FULL"


_MXID = r"^@[a-z0-9._=/+-]+:[A-Za-z0-9.-]+(:\d+)?$"
_SERVER = r"^[A-Za-z0-9.-]+(:\d+)?$"


class MatrixSection(_Section):
    """The Matrix front (``fronts/matrix``). Configured when ``homeserver`` and ``user_id`` are
    set; the access token or password comes only from the environment."""

    homeserver: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    user_id: str | None = Field(default=None, pattern=_MXID)
    #: The device a password login uses (kept across restarts: the homeserver deduplicates
    #: a resent message per device).
    device_id: str = Field(default="L4A-HUB-BOT", min_length=1, max_length=64)
    #: Servers whose users may invite the bot into rooms; empty: only the bot's own server.
    allowed_servers: list[str] = Field(default_factory=list)
    moderator_power_level: int = Field(default=50, ge=0, le=1_000_000)
    moderators: list[str] = Field(default_factory=list)
    moderation_rooms: list[str] = Field(default_factory=list)
    sync_timeout_seconds: float = Field(default=30.0, ge=1, le=300)
    max_backoff_seconds: float = Field(default=60.0, ge=1, le=3600)
    #: Commands typed while the bot was down are answered when at most this old (minutes).
    catch_up_minutes: float = Field(default=10.0, ge=0, le=1440)

    @field_validator("allowed_servers")
    @classmethod
    def _servers(cls, value: list[str]) -> list[str]:
        for server in value:
            if not re.match(_SERVER, server):
                raise ValueError(f"{server!r} is not a server name such as matrix.org")
        return [s.casefold() for s in value]

    @field_validator("moderators")
    @classmethod
    def _user_ids(cls, value: list[str]) -> list[str]:

        for user in value:
            if not re.match(_MXID, user):
                raise ValueError(f"{user!r} is not a Matrix user id such as @ana:example.org")
        return value

    @model_validator(mode="after")
    def _both_or_neither(self) -> MatrixSection:
        """``homeserver`` without ``user_id`` (or the reverse) would silently not start Matrix."""
        if bool(self.homeserver) != bool(self.user_id):
            missing = "user_id" if self.homeserver else "homeserver"
            raise ValueError(f"{missing} is needed too: the Matrix front runs with both set")
        return self

    @property
    def configured(self) -> bool:
        return bool(self.homeserver and self.user_id)

    @property
    def server_name(self) -> str:
        return (self.user_id or ":").split(":", 1)[1].casefold()

    def allows_server(self, server: str) -> bool:
        allowed = self.allowed_servers or [self.server_name]
        return server.casefold() in allowed


class WebSection(_Section):
    """The web front (``fronts/web``): ``l4a-bot web``, or with ``l4a-bot run`` when enabled."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    #: The public address people open (behind a reverse proxy: its https URL). Chat fronts add
    #: a poll's short link and QR code to ``/poll start`` only when it is set.
    base_url: str | None = None
    #: Proxies (IP addresses) whose X-Forwarded-For/-Proto headers are believed.
    trusted_proxies: list[str] = Field(default_factory=list)
    #: Votes (and other form posts) per client address per minute.
    posts_per_minute: int = Field(default=1200, ge=1, le=1_000_000)
    #: Largest request body accepted, in bytes.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=10 * 1024 * 1024)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError(f"{value!r} is not an http(s) URL such as https://hub.example.org")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _ips(cls, value: list[str]) -> list[str]:
        import ipaddress

        for ip in value:
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise ValueError(f"{ip!r} is not an IP address") from None
        return value


class OpsSection(_Section):
    """``/healthz`` and ``/metrics`` (``fronts/ops.py``) of the long-running commands."""

    host: str = "127.0.0.1"
    #: 0: no ops server. ``l4a-bot run/web --ops-port`` wins.
    port: int = Field(default=9180, ge=0, le=65535)
    #: ``l4a-bot console`` serves them only when this is true (the demo stays quiet).
    console: bool = False
    #: A delivery sent more than this many seconds after its due time counts as late.
    late_seconds: float = Field(default=60.0, ge=1.0, le=3600.0)

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        import ipaddress

        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})", value):
                raise ValueError(
                    f"{value!r} is not an IP address or host name (e.g. 127.0.0.1)"
                ) from None
        return value


class Config(_Section):
    bot: BotSection = Field(default_factory=BotSection)
    discord: DiscordSection = Field(default_factory=DiscordSection)
    console: ConsoleSection = Field(default_factory=ConsoleSection)
    polls: PollsSection = Field(default_factory=PollsSection)
    proposals: ProposalsSection = Field(default_factory=ProposalsSection)
    matrix: MatrixSection = Field(default_factory=MatrixSection)
    announcements: AnnouncementsSection = Field(default_factory=AnnouncementsSection)
    events: EventsSection = Field(default_factory=EventsSection)
    web: WebSection = Field(default_factory=WebSection)
    store: StoreSection = Field(default_factory=StoreSection)

    def database_target(self, given: str | Path | None = None) -> DatabaseTarget:
        """Where the database is: ``--db`` (``given``), else ``[store] url``, else the
        environment's ``L4A_DATABASE_URL``, else the SQLite file ``[bot] database``."""
        return parse_target(
            given if given is not None else self.store.url, default=self.bot.database
        )

    @property
    def data_dir(self) -> Path:
        """The bot's folder for files (the SQLite file's, also with PostgreSQL)."""
        return self.bot.database.parent

    ops: OpsSection = Field(default_factory=OpsSection)


class ConfigError(Exception):
    pass


def load_config(path: Path | None) -> Config:
    """Read ``path`` (or return the defaults for ``None``); relative paths are taken from the
    config file's folder."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(path, e) for e in exc.errors())) from None
    base = path.resolve().parent
    if "schedule" in raw.get("bot", {}) and not config.bot.schedule.is_absolute():
        config.bot.schedule = base / config.bot.schedule
    if not config.bot.database.is_absolute():
        config.bot.database = base / config.bot.database
    url = config.store.url
    if url is not None and not is_url(url) and not Path(url).is_absolute():
        config.store.url = str(base / url)  # a SQLite path, relative to this file
    if config.bot.schedule_url:  # commands that read the file read the live source's last copy
        config.bot.schedule = config.bot.database.parent / LIVE_COPY
    return config


def _describe(path: Path, err: object) -> str:
    assert isinstance(err, dict)
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        section = err["loc"][0] if len(err["loc"]) > 1 else None
        model = Config.model_fields[section].annotation if section in Config.model_fields else None
        if isinstance(model, type) and issubclass(model, BaseModel):
            known = list(model.model_fields)
        else:
            known = list(Config.model_fields)
        close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{path}: unknown key {loc}{hint}"
    return f"{path}: {loc}: {err['msg'].removeprefix('Value error, ')}"
