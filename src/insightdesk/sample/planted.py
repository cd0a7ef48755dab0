"""The effects planted in every generated desk, with their exact parameters.

Analytics must rediscover these from the data alone; `planted_effects.json` (written next to the
data) records them so a test or a benchmark can check what was found against what was planted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class PlantedEffects:
    # (a) One team's customers are less satisfied, all else equal.
    low_csat_team: str = "Service Desk South"
    low_csat_team_logit_shift: float = -1.0
    # (b) One theme's volume (tickets and the survey comments on them) spikes in one ISO week.
    spike_theme: str = "billing_double_charge"
    spike_subcategory: str = "Double charge"
    spike_keywords: tuple[str, ...] = ("double charge", "charged twice", "billed twice", "duplicate payment")
    spike_multiplier: float = 5.0
    spike_iso_week: str = ""  # filled from the period: the week 60% of the way through
    # (c) One customer segment waits longer for a first response.
    slow_segment_column: str = "customers.region"
    slow_segment_value: str = "APAC"
    slow_segment_first_response_factor: float = 2.0
    # (d) One channel's tickets are followed by a repeat contact more often.
    repeat_channel: str = "chat"
    repeat_probability: float = 0.25
    repeat_probability_other_channels: float = 0.05
    repeat_window_days: int = 7
    # How every answered survey depends on the ticket's experience (logit of P(CSAT >= 4)).
    experience_model: dict[str, float] = field(
        default_factory=lambda: {
            "intercept": 2.0,
            "log1p_resolution_days": -0.6,
            "reassignment": -0.35,
            "reopened": -1.0,
            "sla_resolution_breached": -0.5,
            "sla_response_breached": -0.3,
            "customer_sd": 0.4,
        }
    )

    def describe(self) -> list[dict[str, object]]:
        """The effects as JSON-ready records, each with how to measure it."""
        return [
            {
                "name": "low_csat_team",
                "team_name": self.low_csat_team,
                "logit_shift": self.low_csat_team_logit_shift,
                "measure": "share of answered CSAT (scale csat) with score >= 4, tickets of this team "
                "(tickets.team_id = final team) vs all other tickets; expected about 15 points lower",
            },
            {
                "name": "theme_spike",
                "theme": self.spike_theme,
                "subcategory": self.spike_subcategory,
                "keywords": list(self.spike_keywords),
                "iso_week": self.spike_iso_week,
                "multiplier": self.spike_multiplier,
                "measure": "weekly count of tickets with this subcategory (by ISO week of created_at), and of "
                "feedback comments containing a keyword; the named week is about `multiplier` x the median week",
            },
            {
                "name": "slow_segment",
                "column": self.slow_segment_column,
                "value": self.slow_segment_value,
                "first_response_factor": self.slow_segment_first_response_factor,
                "measure": "median(first_response_at - created_at) of this segment's tickets / the same for "
                "all other tickets",
            },
            {
                "name": "repeat_contact_channel",
                "channel": self.repeat_channel,
                "follow_up_probability": self.repeat_probability,
                "follow_up_probability_other_channels": self.repeat_probability_other_channels,
                "window_days": self.repeat_window_days,
                "measure": "share of tickets followed, within window_days, by another ticket of the same customer "
                "and subcategory, by channel of the first ticket",
            },
        ]

    def to_json(self) -> dict[str, object]:
        return {"effects": self.describe(), "parameters": asdict(self)}
