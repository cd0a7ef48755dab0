"""Dimension tables of a synthetic desk: organisations, customers, teams, agents, problems, changes,
articles. Small next to the tickets, so they are built whole (numpy) and kept for the ticket chunks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from insightdesk.sample import catalog as cat

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


@dataclass
class Dimensions:
    """What ticket generation needs to know about the dimension rows (all numpy, index-aligned)."""

    tables: dict[str, pa.Table]
    customer_region: np.ndarray  # index into cat.REGIONS
    customer_tier: np.ndarray  # index into cat.TIERS
    customer_org: np.ndarray  # organisation index or -1
    customer_cdf: np.ndarray  # cumulative contact propensity, for weighted draws
    team_agents: list[np.ndarray]  # agent indices per team index
    theme_problems: list[np.ndarray]  # problem indices per theme index
    theme_articles: list[np.ndarray]  # article indices per theme index
    n_changes: int


def ids(prefix: str, n: int, width: int = 0) -> pa.Array:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pa.array(np.arange(1, n + 1)).cast(pa.string())
    if width:
        digits = pc.utf8_lpad(digits, width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def pick(values: tuple[str, ...], index: np.ndarray) -> pa.Array:
    """Strings by index (-1 = null), via Arrow's take so millions cost milliseconds."""
    import pyarrow as pa

    return pa.array(values, pa.string()).take(pa.array(index, mask=index < 0))


def _names(rng: np.random.Generator, n: int) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    first = pick(cat.FIRST_NAMES, rng.integers(len(cat.FIRST_NAMES), size=n))
    last = pick(cat.LAST_NAMES, rng.integers(len(cat.LAST_NAMES), size=n))
    return pc.binary_join_element_wise(first, last, pa.scalar(" "))


def build_dimensions(
    rng: np.random.Generator, n_tickets: int, start_s: int, training_rng: np.random.Generator
) -> Dimensions:
    """Organisations, customers, teams, agents, problems, changes and articles of a generated desk.

    Model-training consent is drawn from `training_rng`, a generator of its own, so that adding it
    left every draw of `rng` (and the effects planted with them) as it was."""
    import numpy as np
    import pyarrow as pa

    day = 86400
    n_cust = max(50, n_tickets // 4)
    n_org = max(10, n_cust // 40)
    # Organisations: B2B accounts; the segment follows the account's size.
    org_segment = rng.choice(3, n_org, p=[0.15, 0.35, 0.5])
    org_region = rng.choice(len(cat.REGIONS), n_org, p=cat.REGION_SHARE)
    org_country = np.array([rng.integers(len(cat.REGION_COUNTRIES[cat.REGIONS[r]][0])) for r in org_region])
    organisations = pa.table(
        {
            "id": ids("ORG", n_org, 5),
            "name": pa.array(
                [
                    f"{cat.LAST_NAMES[i % len(cat.LAST_NAMES)]} {s}"
                    for i, s in enumerate(
                        rng.choice(["Holdings", "Group", "Ltd", "Labs", "Partners", "Systems"], n_org)
                    )
                ]
            ),
            "industry": pick(cat.INDUSTRIES, rng.integers(len(cat.INDUSTRIES), size=n_org)),
            "tier": pick(cat.SEGMENTS, org_segment),
            "region": pick(cat.REGIONS, org_region),
            "country": pa.array(
                [
                    cat.REGION_COUNTRIES[cat.REGIONS[r]][0][c]
                    for r, c in zip(org_region, org_country, strict=True)
                ]
            ),
        }
    )
    # Customers: 60% belong to an account (and share its region), the rest are consumers.
    has_org = rng.random(n_cust) < 0.6
    org = np.where(has_org, rng.integers(n_org, size=n_cust), -1)
    region = np.where(
        has_org, org_region[np.maximum(org, 0)], rng.choice(len(cat.REGIONS), n_cust, p=cat.REGION_SHARE)
    )
    segment = np.where(has_org, org_segment[np.maximum(org, 0)], 3)
    tier = rng.choice(len(cat.TIERS), n_cust, p=cat.TIER_SHARE)
    country_i = np.floor(
        rng.random(n_cust) * np.array([len(cat.REGION_COUNTRIES[r][0]) for r in cat.REGIONS])[region]
    )
    country_i = country_i.astype(int)
    countries, zones, languages = [], [], []
    for r in cat.REGIONS:
        countries.append(cat.REGION_COUNTRIES[r][0])
        zones.append(cat.REGION_COUNTRIES[r][1])
        languages.append(cat.REGION_LANGUAGES[r])
    flat_country = tuple(c for cs in countries for c in cs)
    flat_zone = tuple(z for zs in zones for z in zs)
    offsets = np.cumsum([0, *[len(c) for c in countries[:-1]]])
    lang_codes = tuple(sorted({code for codes, _ in languages for code in codes}))
    lang = np.empty(n_cust, dtype=int)
    for r_i, (codes, share) in enumerate(languages):
        mask = region == r_i
        lang[mask] = [
            lang_codes.index(c) for c in np.array(codes)[rng.choice(len(codes), mask.sum(), p=share)]
        ]
    names = _names(rng, n_cust)
    cust_ids = ids("C", n_cust, 7)
    import pyarrow.compute as pc

    email = pc.binary_join_element_wise(pc.utf8_lower(cust_ids), pa.scalar("@example.com"), "")
    email = pc.if_else(pa.array(rng.random(n_cust) < 0.9), email, pa.nulls(n_cust, pa.string()))
    phone = pc.binary_join_element_wise(
        pa.scalar("+1555"), pa.array(rng.integers(1_000_000, 9_999_999, n_cust)).cast(pa.string()), ""
    )
    phone = pc.if_else(pa.array(rng.random(n_cust) < 0.5), phone, pa.nulls(n_cust, pa.string()))
    customers = pa.table(
        {
            "id": cust_ids,
            "organisation_id": ids("ORG", n_org, 5).take(pa.array(org, mask=org < 0)),
            "name": names,
            "tier": pick(cat.TIERS, tier),
            "segment": pick(cat.SEGMENTS, segment),
            "region": pick(cat.REGIONS, region),
            "country": pick(flat_country, offsets[region] + country_i),
            "language": pick(lang_codes, lang),
            "timezone": pick(flat_zone, offsets[region] + country_i),
            "lifetime_value": np.round(
                np.array(cat.TIER_LTV_MEDIAN)[tier] * rng.lognormal(0, 0.7, n_cust), 2
            ),
            "currency": pick(tuple(cat.CURRENCY[r] for r in cat.REGIONS), region),
            "consent_survey": rng.random(n_cust) < 0.92,
            "consent_analytics": rng.random(n_cust) < 0.96,
            "consent_contact": rng.random(n_cust) < 0.75,
            "consent_model_training": training_rng.random(n_cust) < 0.85,
            "created_at": pa.array(start_s - rng.integers(day, 6 * 365 * day, n_cust)).cast(
                pa.timestamp("s")
            ),
            "email": email,
            "phone": phone,
        }
    )
    # Contact propensity: a few customers contact the desk far more often than most.
    weight = rng.lognormal(0, 1.0, n_cust)
    cdf = np.cumsum(weight) / weight.sum()

    n_teams = len(cat.TEAMS)
    teams = pa.table(
        {
            "id": ids("TEAM-", n_teams, 2),
            "name": pa.array([t[0] for t in cat.TEAMS]),
            "support_tier": pa.array([t[1] for t in cat.TEAMS]),
            "parent_team_id": pa.nulls(n_teams, pa.string()),
        }
    )
    n_agents = int(np.clip(n_tickets // 300, 40, 5000))
    # Staff each team in proportion to a rough share of the work it receives.
    load = np.array([0.2, 0.2, 0.12, 0.05, 0.12, 0.08, 0.07, 0.08, 0.03, 0.02, 0.02, 0.01])
    per_team = np.maximum(2, np.floor(load / load.sum() * n_agents)).astype(int)
    agent_team = np.repeat(np.arange(n_teams), per_team)
    n_agents = len(agent_team)
    team_agents = [np.flatnonzero(agent_team == t) for t in range(n_teams)]
    agents = pa.table(
        {
            "id": ids("AG", n_agents, 5),
            "name": _names(rng, n_agents),
            "email": pc.binary_join_element_wise(
                pc.utf8_lower(ids("ag", n_agents, 5)), pa.scalar("@desk.example"), ""
            ),
            "team_id": ids("TEAM-", n_teams, 2).take(pa.array(agent_team)),
            "support_tier": pa.array([cat.TEAMS[t][1] for t in agent_team]),
            "is_bot": pa.array(np.zeros(n_agents, dtype=bool)),
            "hired_at": pa.array(start_s - rng.integers(30 * day, 8 * 365 * day, n_agents)).cast(
                pa.timestamp("s")
            ),
            "active": pa.array(rng.random(n_agents) < 0.95),
        }
    )
    # Problems and articles hang off themes; changes fix problems.
    n_themes = len(cat.THEMES)
    n_prob = max(n_themes, n_tickets // 1000)
    prob_theme = np.arange(n_prob) % n_themes
    problems = pa.table(
        {
            "id": ids("PRB", n_prob, 6),
            "title": pa.array(
                [cat.THEMES[t].issue[i % len(cat.THEMES[t].issue)] for i, t in enumerate(prob_theme)]
            ),
            "status": pick(
                ("investigating", "known_error", "resolved", "closed"), rng.integers(4, size=n_prob)
            ),
            "category": pa.array([cat.THEMES[t].category for t in prob_theme]),
            "priority": pick(cat.PRIORITIES, rng.choice(4, n_prob, p=[0.1, 0.3, 0.5, 0.1])),
            "known_error": pa.array(rng.random(n_prob) < 0.4),
            "created_at": pa.array(start_s + rng.integers(0, 300 * day, n_prob)).cast(pa.timestamp("s")),
        }
    )
    n_chg = max(5, n_prob // 2)
    chg_problem = rng.integers(n_prob, size=n_chg)
    planned = start_s + rng.integers(0, 330 * day, n_chg)
    changes = pa.table(
        {
            "id": ids("CHG", n_chg, 6),
            "title": pa.array([f"Fix: {problems['title'][int(p)].as_py()}" for p in chg_problem]),
            "change_type": pick(("standard", "normal", "emergency"), rng.choice(3, n_chg, p=[0.5, 0.4, 0.1])),
            "status": pick(
                ("implemented", "closed", "scheduled", "failed"),
                rng.choice(4, n_chg, p=[0.4, 0.4, 0.15, 0.05]),
            ),
            "risk": pick(("low", "medium", "high"), rng.choice(3, n_chg, p=[0.5, 0.35, 0.15])),
            "problem_id": problems["id"].take(pa.array(chg_problem)),
            "planned_start": pa.array(planned).cast(pa.timestamp("s")),
            "implemented_at": pa.array(planned + 2 * 3600).cast(pa.timestamp("s")),
            "closed_at": pa.array(planned + 2 * day).cast(pa.timestamp("s")),
        }
    )
    art_theme = np.repeat(np.arange(n_themes), 3)
    n_art = len(art_theme)
    articles = pa.table(
        {
            "id": ids("KB", n_art, 4),
            "title": pa.array(
                [
                    f"{cat.THEMES[t].subcategory}: {cat.THEMES[t].issue[i % 3]}"
                    for i, t in enumerate(art_theme)
                ]
            ),
            "body": pa.array(
                [
                    f"What to do when: {cat.THEMES[t].issue[i % 3]} {cat.AGENT_REPLIES[i % 5]}"
                    for i, t in enumerate(art_theme)
                ]
            ),
            "category": pa.array([cat.THEMES[t].category for t in art_theme]),
            "product": pa.array([cat.THEMES[t].product for t in art_theme]),
            "visibility": pick(("public", "internal"), (np.arange(n_art) % 3 == 2).astype(int)),
            "status": pa.array(["published"] * n_art),
            "created_at": pa.array(start_s - rng.integers(day, 700 * day, n_art)).cast(pa.timestamp("s")),
        }
    )
    return Dimensions(
        tables={
            "organisations": organisations,
            "customers": customers,
            "teams": teams,
            "agents": agents,
            "problems": problems,
            "changes": changes,
            "articles": articles,
        },
        customer_region=region,
        customer_tier=tier,
        customer_org=org,
        customer_cdf=cdf,
        team_agents=team_agents,
        theme_problems=[np.flatnonzero(prob_theme == t) for t in range(n_themes)],
        theme_articles=[np.flatnonzero(art_theme == t) for t in range(n_themes)],
        n_changes=n_chg,
    )
