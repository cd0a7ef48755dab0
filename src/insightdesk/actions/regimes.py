"""Regulatory regimes: the deadline clocks a regulatory-complaint case carries, per regulator.

A clock counts from the complaint's receipt in calendar days or business days (the desk's business
calendar: close of business on the N-th working day after the day of receipt). A binding clock that
runs past its due time is a breach; a non-binding one is a window (the FCA's summary resolution) that
lapses. Closing the case stops every clock whose `stops_on` is `close` (the final response answers
the complaint); the others are stopped by hand (`actions.stop_clock`).

The built-in regimes follow the regulators' published rules (checked 2026-12):

- `uk-fca-disp`: FCA Handbook DISP 1.6.1R, a *prompt* written acknowledgement (no number of days: one
  business day is this regime's own target); DISP 1.5, complaints resolved by close of business on the
  third business day after receipt may close with a summary resolution communication (a window, not a
  breach); DISP 1.6.2R, a final (or holding) response by the end of eight weeks after receipt.
- `uk-fca-psd`: DISP 1.6.2AR for payment-services and e-money complaints, a final response within 15
  business days, or in exceptional circumstances a holding response then and the final one within 35.
- `us-cfpb`: CFPB Company Portal Manual 8.1, a response within 15 calendar days of the complaint being
  sent to the company, and a final response within 60 calendar days when it was marked in progress.

A desk adds or adjusts regimes in `ActionsConfig.regimes` (the numbers change; check them with your
compliance team, this is not legal advice).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from insightdesk.actions.business_hours import BusinessCalendar, add_business_days

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")


@dataclass(frozen=True)
class Clock:
    """One deadline: `amount` calendar or business days after receipt."""

    name: str
    amount: int
    unit: Literal["calendar_days", "business_days"]
    binding: bool = True
    stops_on: Literal["close", "manual"] = "close"
    source: str = ""

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"clock {self.name!r}: use 2-63 lower-case letters, digits, '-' or '_'")
        if not 1 <= self.amount <= 3660:
            raise ValueError(f"clock {self.name!r}: amount must be 1 to 3660 {self.unit}, got {self.amount}")
        if self.unit not in ("calendar_days", "business_days"):
            raise ValueError(
                f"clock {self.name!r}: unit must be calendar_days or business_days, got {self.unit!r}"
            )
        if self.stops_on not in ("close", "manual"):
            raise ValueError(f"clock {self.name!r}: stops_on must be close or manual, got {self.stops_on!r}")

    def due(self, received: dt.datetime, calendar: BusinessCalendar) -> dt.datetime:
        """When the clock runs out for a complaint received at `received` (naive UTC)."""
        if self.unit == "business_days":
            return add_business_days(received, self.amount, calendar)
        return received + dt.timedelta(days=self.amount)


@dataclass(frozen=True)
class RegulatoryRegime:
    """A regulator's clocks, and the roles that alone may see its cases."""

    name: str
    title: str
    clocks: tuple[Clock, ...]
    restricted_to: tuple[str, ...] = ("admin",)

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"regime {self.name!r}: use 2-63 lower-case letters, digits, '-' or '_'")
        if not self.clocks:
            raise ValueError(f"regime {self.name!r} has no clocks")
        names = [c.name for c in self.clocks]
        if len(set(names)) != len(names):
            raise ValueError(f"regime {self.name!r}: clock names repeat ({', '.join(names)})")
        if not self.restricted_to:
            raise ValueError(f"regime {self.name!r}: name the roles that may see its cases (restricted_to)")


FCA = "FCA Handbook"
BUILTIN_REGIMES: dict[str, RegulatoryRegime] = {
    r.name: r
    for r in (
        RegulatoryRegime(
            "uk-fca-disp",
            "UK FCA complaints (DISP 1)",
            (
                Clock(
                    "acknowledgement",
                    1,
                    "business_days",
                    source=f"{FCA} DISP 1.6.1R (prompt; 1 day is our target)",
                ),
                Clock("summary_resolution", 3, "business_days", binding=False, source=f"{FCA} DISP 1.5"),
                Clock("final_response", 56, "calendar_days", source=f"{FCA} DISP 1.6.2R (eight weeks)"),
            ),
        ),
        RegulatoryRegime(
            "uk-fca-psd",
            "UK FCA payment-services and e-money complaints (DISP 1.6.2AR)",
            (
                Clock("final_or_holding_response", 15, "business_days", source=f"{FCA} DISP 1.6.2AR(1)"),
                Clock("final_response", 35, "business_days", source=f"{FCA} DISP 1.6.2AR(2)"),
            ),
        ),
        RegulatoryRegime(
            "us-cfpb",
            "US CFPB consumer complaints (Company Portal)",
            (
                Clock("response", 15, "calendar_days", source="CFPB Company Portal Manual 8.1"),
                Clock("final_response", 60, "calendar_days", source="CFPB Company Portal Manual 8.1"),
            ),
        ),
    )
}
