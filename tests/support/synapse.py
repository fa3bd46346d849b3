"""A real Synapse homeserver for the Matrix tests: 127.0.0.1 only, a free port, SQLite.

:class:`Synapse` writes a config (no federation listener, raised ``rc_*`` limits, no URL
previews, no stats, quiet logging), launches ``python -m synapse.app.homeserver`` in its own
process group, waits for ``/_matrix/client/versions``, registers users through the shared-secret
admin API, can restart on the same data folder and port, and always stops (``stop`` kills the
whole process group). The session fixture :func:`synapse` below (used through
``tests/conftest.py``) starts one per test session, only when a test asks for it.

Everything here is synchronous (``urllib``), so session-scoped set-up needs no event loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SERVER_NAME = "l4a.test"
START_TIMEOUT = 60.0  # seconds; measured ~2 s, CI machines may be slower
_RATE = {"per_second": 10_000, "burst_count": 100_000}


@dataclass(frozen=True)
class Account:
    user_id: str
    access_token: str
    device_id: str
    password: str

    @property
    def localpart(self) -> str:
        return self.user_id[1:].split(":", 1)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(data: Path, port: int, secret: str) -> dict[str, Any]:
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(data / "homeserver.pid"),
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(data / "homeserver.db")}},
        "log_config": str(data / "log.yaml"),
        "media_store_path": str(data / "media"),
        "signing_key_path": str(data / "signing.key"),
        "registration_shared_secret": secret,
        "macaroon_secret_key": secrets.token_hex(16),
        "form_secret": secrets.token_hex(16),
        "report_stats": False,
        "enable_metrics": False,
        "url_preview_enabled": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "presence": {"enabled": False},
        "enable_registration": False,
        "rc_message": _RATE,
        "rc_registration": _RATE,
        "rc_registration_token_validity": _RATE,
        "rc_login": {"address": _RATE, "account": _RATE, "failed_attempts": _RATE},
        "rc_admin_redaction": _RATE,
        "rc_joins": {"local": _RATE, "remote": _RATE},
        "rc_joins_per_room": _RATE,
        "rc_3pid_validation": _RATE,
        "rc_invites": {"per_room": _RATE, "per_user": _RATE, "per_issuer": _RATE},
        "rc_third_party_invite": _RATE,
        "rc_room_creation": _RATE,
        "rc_presence": {"per_user": _RATE},
        "rc_delayed_event_mgmt": _RATE,
        "rc_reports": _RATE,
        "rc_media_create": _RATE,
    }


_LOG = """version: 1
formatters:
  plain: {format: '%(asctime)s %(levelname)s %(name)s: %(message)s'}
handlers:
  file: {class: logging.FileHandler, filename: 'LOGFILE', formatter: plain}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
"""


def _signing_key() -> str:
    from signedjson.key import encode_signing_key_base64, generate_signing_key

    key = generate_signing_key("a_l4a")
    return f"ed25519 a_l4a {encode_signing_key_base64(key)}\n"


class Synapse:
    """One homeserver process. ``start`` / ``stop`` / ``restart``; ``register`` users."""

    def __init__(self, data: Path, port: int | None = None) -> None:
        self.data = data
        self.port = port or free_port()
        self.secret = secrets.token_hex(16)
        self.proc: subprocess.Popen[bytes] | None = None
        data.mkdir(parents=True, exist_ok=True)
        (data / "media").mkdir(exist_ok=True)
        (data / "signing.key").write_text(_signing_key(), encoding="utf-8")
        (data / "log.yaml").write_text(
            _LOG.replace("LOGFILE", str(data / "homeserver.log")), encoding="utf-8"
        )
        self.config_path = data / "homeserver.yaml"
        self.config_path.write_text(
            json.dumps(_config(data, self.port, self.secret), indent=1), encoding="utf-8"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- process --------------------------------------------------------------------------
    def start(self) -> None:
        assert self.proc is None, "already running"
        out = (self.data / "stdout.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
            cwd=self.data,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() kills every child
        )
        out.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.data / "stdout.log").read_text(errors="replace")[-3000:]
                self.proc = None
                raise RuntimeError(f"synapse exited at start-up:\n{log}")
            with contextlib.suppress(OSError):
                self.request("GET", "/_matrix/client/versions", timeout=1)
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"synapse did not answer within {START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- HTTP -----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        timeout: float = 10,
    ) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                result: dict[str, Any] = json.loads(resp.read() or b"{}")
                return result
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise RuntimeError(f"{method} {path}: {exc.code} {detail}") from None

    def register(self, localpart: str, *, admin: bool = False) -> Account:
        """A new user through the shared-secret admin API (or its fresh login if it exists)."""
        password = f"pw-{localpart}-{self.secret[:8]}"
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": _mac(self.secret, nonce, localpart, password, admin),
        }
        try:
            got = self.request("POST", "/_synapse/admin/v1/register", body)
        except RuntimeError as exc:
            if "M_USER_IN_USE" not in str(exc):
                raise
            got = self.login(localpart, password)
        return Account(got["user_id"], got["access_token"], got["device_id"], password)

    def login(self, localpart: str, password: str) -> dict[str, Any]:
        return self.request(
            "POST",
            "/_matrix/client/v3/login",
            {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": localpart},
                "password": password,
            },
        )


def _mac(secret: str, nonce: str, user: str, password: str, admin: bool) -> str:
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(nonce.encode() + b"\x00" + user.encode() + b"\x00" + password.encode() + b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Synapse:
    """One homeserver for the whole session; stopped at the end, also when tests failed."""
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    request.addfinalizer(server.stop)  # registered before start: a failed start is cleaned too
    server.start()
    return server
