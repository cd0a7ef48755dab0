"""Settings an admin may change at run time: declared here with their default, type and check.

Only values that differ from the default are stored (table `settings`); every change, and every
reset to the default, is appended to the audit log with the old and the new value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import sqlalchemy as sa

from insightdesk.governance import audit
from insightdesk.governance.clock import utcnow
from insightdesk.governance.users import Actor
from insightdesk.model.display import DEFAULT_CURRENCY
from insightdesk.store.tables.governance import settings as settings_table
from insightdesk.text.consent_scope import BASES, DEFAULT_BASIS


class SettingError(ValueError):
    """An unknown setting or a value it does not accept; the message says which and why."""


def _min_n(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise SettingError(f"dashboard.min_n must be a whole number, got {value!r}")
    if not 1 <= int(value) <= 100_000:
        raise SettingError(f"dashboard.min_n must be between 1 and 100000, got {value!r}")
    return int(value)


def _targets(value: Any) -> dict[str, float]:
    from insightdesk.metrics import list_kpis

    if not isinstance(value, Mapping):
        raise SettingError(
            f'kpi.targets must be an object of KPI name to number, e.g. {{"csat": 0.8}}; got {value!r}'
        )
    known = {k.name for k in list_kpis()}
    out: dict[str, float] = {}
    for name, target in value.items():
        if name not in known:
            raise SettingError(f"kpi.targets: unknown KPI {name!r} (see `insightdesk metrics list`)")
        if isinstance(target, bool) or not isinstance(target, int | float) or not math.isfinite(target):
            raise SettingError(f"kpi.targets[{name!r}] must be a finite number, got {target!r}")
        out[str(name)] = float(target)
    return out


def _webhook(value: Any) -> str:
    if value in (None, ""):
        return ""
    url = urlparse(str(value))
    if url.scheme not in ("http", "https") or not url.netloc:
        raise SettingError(f"alerts.webhook_url must be an http(s) URL or empty, got {value!r}")
    return str(value)


def _currency(value: Any) -> str:
    text = str(value).strip().upper() if isinstance(value, str) else ""
    if len(text) != 3 or not text.isalpha() or not text.isascii():
        raise SettingError(
            f"display.currency must be a three-letter ISO 4217 code such as USD or EUR, got {value!r}"
        )
    return text


def _consent_basis(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise SettingError(
            f'privacy.consent_basis must be an object, e.g. {{"model_training": "consent"}}; got {value!r}'
        )
    out = dict(DEFAULT_BASIS)
    for purpose, basis in value.items():
        if purpose not in DEFAULT_BASIS:
            raise SettingError(
                f"privacy.consent_basis: purpose {purpose!r} is not one of {', '.join(DEFAULT_BASIS)}"
            )
        if basis not in BASES:
            raise SettingError(
                f"privacy.consent_basis[{purpose!r}] must be one of {', '.join(BASES)}, got {basis!r}"
            )
        out[str(purpose)] = str(basis)
    return out


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _pack_schedule(value: Any) -> dict[str, dict[str, Any]]:
    """Per audience role: when its review pack is built (weekday or "daily", hour UTC), how many days
    it covers, who gets it, whether a second person signs it off first, and the gate's staleness limit."""
    import re

    from insightdesk.governance.roles import parse_role

    if not isinstance(value, Mapping):
        raise SettingError(f'packs.schedule must be an object of role to schedule, e.g. {{"team_lead": '
                           f'{{"weekday": "mon", "hour": 7, "recipients": ["lead@desk.example"]}}}}; got {value!r}')  # fmt: skip
    out: dict[str, dict[str, Any]] = {}
    for role_name, entry in value.items():
        try:
            role = parse_role(str(role_name)).value
        except ValueError as exc:
            raise SettingError(f"packs.schedule: {exc}") from None
        where = f"packs.schedule[{role!r}]"
        if not isinstance(entry, Mapping):
            raise SettingError(
                f"{where} must be an object (weekday, hour, days, recipients...), got {entry!r}"
            )
        unknown = sorted(
            set(entry) - {"weekday", "hour", "days", "recipients", "require_signoff", "max_staleness_hours"}
        )
        if unknown:
            raise SettingError(f"{where}: unknown field {unknown[0]!r}")
        weekday = str(entry.get("weekday", "mon")).strip().lower()[:3]
        if weekday not in (*WEEKDAYS, "dai"):
            raise SettingError(
                f"{where}.weekday must be one of {', '.join(WEEKDAYS)} or daily, got {entry.get('weekday')!r}"
            )
        checks = (
            ("hour", 0, 23, 6),
            ("days", 1, 92, 7 if weekday != "dai" else 1),
            ("max_staleness_hours", 1, 10_000, 48),
        )
        nums = {}
        for field, low, high, default in checks:
            n = entry.get(field, default)
            if isinstance(n, bool) or not isinstance(n, int | float) or int(n) != n or not low <= n <= high:
                raise SettingError(f"{where}.{field} must be a whole number from {low} to {high}, got {n!r}")
            nums[field] = int(n)
        recipients = entry.get("recipients", [])
        if not isinstance(recipients, list) or not all(
            isinstance(r, str) and re.fullmatch(r"[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+", r.strip())
            for r in recipients
        ):
            raise SettingError(f"{where}.recipients must be a list of e-mail addresses, got {recipients!r}")
        signoff = entry.get("require_signoff", False)
        if not isinstance(signoff, bool):
            raise SettingError(f"{where}.require_signoff must be true or false, got {signoff!r}")
        out[role] = {"weekday": "daily" if weekday == "dai" else weekday, **nums,
                     "recipients": sorted({r.strip().lower() for r in recipients}), "require_signoff": signoff}  # fmt: skip
    return out


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    doc: str
    check: Callable[[Any], Any]


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "dashboard.min_n",
            30,
            "Cells of the dashboard and the REST API with fewer observations are flagged `low n`.",
            _min_n,
        ),
        Setting(
            "kpi.targets",
            {},
            'Target per KPI (e.g. {"csat": 0.8}): shown on the overview tiles as met or missed.',
            _targets,
        ),
        Setting(
            "display.currency",
            DEFAULT_CURRENCY,
            "Currency of money amounts (lifetime value, value at risk): an ISO 4217 code, e.g. EUR.",
            _currency,
        ),
        Setting(
            "alerts.webhook_url",
            "",
            "Where `insightdesk alerts run` delivers new alerts (HTTP POST, JSON); empty: log only.",
            _webhook,
        ),
        Setting(
            "privacy.consent_basis",
            dict(DEFAULT_BASIS),
            "Per purpose, who text analysis and training sets include: `consent` (only a yes; unknown "
            "means no) or `objection` (all but a no). See docs/privacy.md, Consent ledger.",
            _consent_basis,
        ),
        Setting(
            "packs.schedule",
            {},
            'Review packs built and mailed on a schedule, per role: {"team_lead": {"weekday": "mon", '
            '"hour": 7, "days": 7, "recipients": ["lead@desk.example"], "require_signoff": false}}. '
            "See docs/actions.md, Scheduled packs.",
            _pack_schedule,
        ),
    )
}


def _known(name: str) -> Setting:
    if name not in SETTINGS:
        raise SettingError(f"unknown setting {name!r}; known: {', '.join(SETTINGS)}")
    return SETTINGS[name]


def _stored(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    rows = conn.execute(sa.select(settings_table)).mappings().all()
    return {r["name"]: dict(r) for r in rows}


def all_settings(engine: sa.Engine) -> list[dict[str, Any]]:
    """Every setting with its current value, default, whether it was changed, by whom and when."""
    with engine.connect() as conn:
        stored = _stored(conn)
    out = []
    for s in SETTINGS.values():
        row = stored.get(s.name)
        out.append(
            {
                "name": s.name,
                "value": json.loads(row["value"]) if row else s.default,
                "default": s.default,
                "changed": row is not None,
                "updated_by": row["updated_by"] if row else None,
                "updated_at": row["updated_at"] if row else None,
                "doc": s.doc,
            }
        )
    return out


def get_setting(engine: sa.Engine, name: str) -> Any:
    """The current value of one setting (its default unless an admin changed it)."""
    setting = _known(name)
    with engine.connect() as conn:
        value = conn.execute(sa.select(settings_table.c.value).where(settings_table.c.name == name)).scalar()
    return setting.default if value is None else json.loads(value)


def set_setting(engine: sa.Engine, name: str, value: Any, *, actor: Actor) -> Any:
    """Check and store a new value; audited as `settings.change` with the old and new value."""
    setting = _known(name)
    checked = setting.check(value)
    old = get_setting(engine, name)
    with engine.begin() as conn:
        conn.execute(settings_table.delete().where(settings_table.c.name == name))
        if checked != setting.default:
            conn.execute(
                settings_table.insert().values(
                    name=name, value=json.dumps(checked), updated_by=actor.name, updated_at=utcnow()
                )
            )
    audit.append_by(engine, actor, "settings.change", "settings", [name], {"old": old, "new": checked})
    return checked


def reset_setting(engine: sa.Engine, name: str, *, actor: Actor) -> Any:
    """Back to the default (audited like any change)."""
    return set_setting(engine, name, _known(name).default, actor=actor)


def parse_value(text: str) -> Any:
    """A value typed at the command line or in a form: JSON when it parses, else the plain string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
