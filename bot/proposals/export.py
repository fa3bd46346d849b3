"""Every proposal as a CSV sheet, like the response sheet of the old expression-of-interest form.

UTF-8 with a byte-order mark (what Excel needs to read accents right; LibreOffice and Google
Sheets accept it), one row per proposal, every field, its status and its times in the forum's
zone. Cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…) are
prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import own_name, t
from bot.programme import Programme
from bot.proposals.model import Proposal
from bot.sheet import safe_cell

__all__ = ["COLUMNS", "export_name", "proposals_csv", "row", "safe_cell"]

COLUMNS: tuple[str, ...] = (
    "id",
    "status",
    "submitted",
    "updated",
    "decided",
    "host_name",
    "organisation",
    "title",
    "description",
    "slot",
    "slot_id",
    "language",
    "capitals",
    "format",
    "cohosts",
    "email",
    "approved_slot",
    "decided_by",
    "reason",
    "front",
    "user_id",
)


def _time(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if at else ""


def _slot(programme: Programme, slot_id: str | None) -> str:
    slot = programme.by_id.get(slot_id or "")
    if slot is None or slot.starts_at is None or slot.ends_at is None:
        return slot_id or ""
    start = slot.starts_at.astimezone(programme.zone)
    end = slot.ends_at.astimezone(programme.zone)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def row(p: Proposal, programme: Programme, lang: str) -> list[str]:
    zone = programme.zone
    values: dict[str, object] = {
        "id": p.id,
        "status": t(lang, f"proposals.status.{p.status}"),
        "submitted": _time(p.created_at, zone),
        "updated": _time(p.updated_at, zone),
        "decided": _time(p.decided_at, zone),
        "host_name": p.host_name,
        "organisation": p.organisation,
        "title": p.title,
        "description": p.description,
        "slot": _slot(programme, p.slot),
        "slot_id": p.slot,
        "language": own_name(p.language),
        "capitals": ", ".join(t(lang, f"proposals.capital.{c}") for c in p.capitals),
        "format": t(lang, f"proposals.format.{p.format}"),
        "cohosts": p.cohosts,
        "email": p.email,
        "approved_slot": _slot(programme, p.approved_slot) if p.approved_slot else "",
        "decided_by": p.decided_by or "",
        "reason": p.reason or "",
        "front": p.front,
        "user_id": p.user_id,
    }
    return [safe_cell(values[c]) for c in COLUMNS]


def proposals_csv(proposals: list[Proposal], programme: Programme, lang: str) -> bytes:
    """The sheet as bytes (UTF-8 with BOM, CRLF rows, every cell quoted as needed)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    zone = programme.forum.timezone
    writer.writerow([safe_cell(t(lang, f"proposals.csv.{c}", zone=zone)) for c in COLUMNS])
    for p in proposals:
        writer.writerow(row(p, programme, lang))
    return out.getvalue().encode("utf-8-sig")


def export_name(at: datetime, programme: Programme) -> str:
    return f"proposals-{at.astimezone(programme.zone):%Y%m%d-%H%M}.csv"
