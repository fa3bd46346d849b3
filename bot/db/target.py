"""Where the database is: a SQLite file path or a ``postgresql://`` URL, and how to name it.

The password may be in the URL, or come from the environment only: ``L4A_DATABASE_URL`` (a
whole URL, used when no ``--db`` or ``[store] url`` is given) or libpq's ``PGPASSWORD`` (read by
the driver). A URL is only ever shown with its password replaced by ``***``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

ENV_URL = "L4A_DATABASE_URL"
_SCHEMES = ("postgresql", "postgres")
#: ``user:secret@`` in something that is not a well-formed URL (``postgresql:/u:pw@h/db``,
#: ``u:pw@h/db``): hidden like a URL's password.
_USERINFO = re.compile(r"[^/@\s]*:[^/@\s]*@")


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """A SQLite ``path`` or a PostgreSQL ``url`` (exactly one is set)."""

    path: Path | None = None
    url: str | None = None

    @property
    def is_postgresql(self) -> bool:
        return self.url is not None

    def __str__(self) -> str:
        """How to name it to people: the path, or the URL with its password hidden."""
        return str(self.path) if self.path is not None else redact(self.url or "")


def is_url(text: str) -> bool:
    return urlsplit(text).scheme.lower() in _SCHEMES


def parse_target(value: str | Path | None, *, default: Path | str | None = None) -> DatabaseTarget:
    """``--db`` / ``[store] url`` (``value``), else ``L4A_DATABASE_URL``, else ``default``.

    Raises ``ValueError`` (one line, no password) for a URL of another kind (``mysql://``) or a
    PostgreSQL URL without a host or database name."""
    text = str(value) if value is not None else os.environ.get(ENV_URL) or None
    if text is None:
        if default is None:
            raise ValueError("no database given")
        text = str(default)
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # "Invalid IPv6 URL": an unclosed [
        raise ValueError(f"the database URL {redact(text)} cannot be read ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme in _SCHEMES:
        if not parts.hostname and "host=" not in parts.query:
            raise ValueError(f"the database URL {redact(text)} names no host")
        _check_ports(text, parts.netloc)
        if not parts.path.strip("/"):
            raise ValueError(f"the database URL {redact(text)} names no database (…/dbname)")
        return DatabaseTarget(url=text)
    if "://" in text and len(scheme) > 1:  # one-letter schemes are Windows drives
        raise ValueError(
            f"unsupported database URL {redact(text)}: give a SQLite file path or postgresql://…"
        )
    if _USERINFO.search(text):  # a mistyped URL, never a file to create
        raise ValueError(
            f"the database {redact(text)} is neither a SQLite file path nor a URL like "
            "postgresql://user@host:5432/dbname"
        )
    return DatabaseTarget(path=Path(text))


def query_password(url: str) -> bool:
    """Whether ``url``'s query carries a password (``?password=…``, ``sslpassword=…``)."""
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return False
    return any(key.lower() in ("password", "sslpassword") for key in query)


def _check_ports(text: str, netloc: str) -> None:
    """Each ``host:port`` of the URL (libpq allows ``h1:5432,h2:5433``) has a port 1–65535, or
    none: the driver would otherwise fail with a traceback, not one line."""
    for spec in netloc.rsplit("@", 1)[-1].split(","):
        host_port = spec.rsplit("]", 1)[-1]  # after an IPv6 [address]
        port = host_port.rpartition(":")[2] if ":" in host_port else ""
        if port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise ValueError(
                f"the database URL {redact(text)} has an invalid port {port!r} (1–65535)"
            )


def redact(url: str) -> str:
    """How to show a database ``url``: a path as is; a URL with its password as ``***`` and
    without its query (which may carry one: ``?password=…``, ``sslpassword=…``)."""
    if "://" not in url:
        return _USERINFO.sub(lambda m: m.group(0).split(":", 1)[0] + ":***@", url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<database URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
