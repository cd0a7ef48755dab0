"""Vocabulary of the synthetic desk: teams, channels, priorities, regions, tiers, segments, names.

The themes and the phrase banks texts are built from live in sample/phrases.py; they are
importable from here too, so generators read one catalogue (`catalog as cat`).
"""

from __future__ import annotations

from insightdesk.sample.phrases import (
    AGENT_REPLIES,
    CLOSERS,
    CUSTOMER_FOLLOW_UPS,
    DETAILS,
    GENERIC_NEGATIVE,
    GENERIC_POSITIVE,
    OPENERS,
    THEMES,
    Theme,
)

# Teams: L1 intake by channel, L2 specialists per theme, L3 engineering.
TEAMS: tuple[tuple[str, str], ...] = (
    ("Service Desk North", "L1"),
    ("Service Desk South", "L1"),
    ("Chat Squad", "L1"),
    ("Social Care", "L1"),
    ("Billing Specialists", "L2"),
    ("Accounts & Access", "L2"),
    ("Orders & Delivery", "L2"),
    ("Technical Support", "L2"),
    ("Data & Integrations", "L2"),
    ("Network Operations", "L2"),
    ("Platform Engineering", "L3"),
    ("Payments Engineering", "L3"),
)

CHANNELS = ("email", "web", "chat", "phone", "social", "self_service", "bot")
CHANNEL_SHARE = (0.30, 0.22, 0.18, 0.15, 0.06, 0.06, 0.03)
# First-response speed of each channel relative to email (live channels answer in minutes).
CHANNEL_RESPONSE_FACTOR = (1.0, 1.0, 0.05, 0.03, 0.4, 1.2, 0.02)

PRIORITIES = ("critical", "high", "medium", "low")
PRIORITY_SHARE = (0.02, 0.13, 0.55, 0.30)
FIRST_RESPONSE_MEDIAN_MIN = (15.0, 45.0, 180.0, 480.0)
RESOLUTION_MEDIAN_H = (4.0, 14.0, 40.0, 90.0)
SLA_RESPONSE_MIN = (30, 120, 480, 1440)
SLA_RESOLUTION_MIN = (480, 1440, 4320, 10080)
# ITIL matrix: the (impact, urgency) that yields each priority.
PRIORITY_IMPACT = ("high", "high", "medium", "low")
PRIORITY_URGENCY = ("high", "medium", "medium", "low")

REGIONS = ("NA", "EMEA", "APAC", "LATAM")
REGION_SHARE = (0.40, 0.32, 0.18, 0.10)
REGION_LANGUAGES = {
    "NA": (("en", "es"), (0.9, 0.1)),
    "EMEA": (("en", "de", "fr", "es", "it", "nl"), (0.4, 0.2, 0.15, 0.1, 0.08, 0.07)),
    "APAC": (("en", "ja", "zh", "hi"), (0.55, 0.2, 0.15, 0.1)),
    "LATAM": (("es", "pt", "en"), (0.55, 0.35, 0.1)),
}
REGION_COUNTRIES = {
    "NA": (("US", "CA"), ("America/New_York", "America/Toronto")),
    "EMEA": (
        ("GB", "DE", "FR", "ES", "IT", "NL"),
        (
            "Europe/London",
            "Europe/Berlin",
            "Europe/Paris",
            "Europe/Madrid",
            "Europe/Rome",
            "Europe/Amsterdam",
        ),
    ),
    "APAC": (("AU", "JP", "SG", "IN"), ("Australia/Sydney", "Asia/Tokyo", "Asia/Singapore", "Asia/Kolkata")),
    "LATAM": (
        ("BR", "MX", "AR"),
        ("America/Sao_Paulo", "America/Mexico_City", "America/Argentina/Buenos_Aires"),
    ),
}
CURRENCY = {"NA": "USD", "EMEA": "EUR", "APAC": "USD", "LATAM": "USD"}
TIERS = ("platinum", "gold", "silver", "bronze")
TIER_SHARE = (0.05, 0.15, 0.35, 0.45)
TIER_LTV_MEDIAN = (60000.0, 15000.0, 3000.0, 500.0)
SEGMENTS = ("enterprise", "mid_market", "smb", "consumer")
INDUSTRIES = ("retail", "finance", "healthcare", "manufacturing", "public sector", "technology", "education")
FIRST_NAMES = (
    "Ana",
    "Ben",
    "Chen",
    "Dara",
    "Elif",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Vera",
    "Wei",
    "Yusuf",
)
LAST_NAMES = (
    "Adams",
    "Becker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Walsh",
    "Young",
    "Zhang",
)

__all__ = [
    "AGENT_REPLIES",
    "CHANNELS",
    "CHANNEL_RESPONSE_FACTOR",
    "CHANNEL_SHARE",
    "CLOSERS",
    "CURRENCY",
    "CUSTOMER_FOLLOW_UPS",
    "DETAILS",
    "FIRST_NAMES",
    "FIRST_RESPONSE_MEDIAN_MIN",
    "GENERIC_NEGATIVE",
    "GENERIC_POSITIVE",
    "INDUSTRIES",
    "LAST_NAMES",
    "OPENERS",
    "PRIORITIES",
    "PRIORITY_IMPACT",
    "PRIORITY_SHARE",
    "PRIORITY_URGENCY",
    "REGIONS",
    "REGION_COUNTRIES",
    "REGION_LANGUAGES",
    "REGION_SHARE",
    "RESOLUTION_MEDIAN_H",
    "SEGMENTS",
    "SLA_RESOLUTION_MIN",
    "SLA_RESPONSE_MIN",
    "TEAMS",
    "THEMES",
    "TIERS",
    "TIER_LTV_MEDIAN",
    "TIER_SHARE",
    "Theme",
]
