"""Does anything beyond the name agree? A model pair above the threshold merges only if it does.

Names alone over-merge as a population grows (two John Smiths are common; STACK.md's trial saw it):
a pair whose only agreeing evidence is the name goes to review instead. Evidence that counts: an
email within one typo (Damerau-Levenshtein distance <= 1 on the whole address) or the same mailbox
name, the same phone, a date of birth within one character, the same external id, postcode, street,
city or organisation.

"Within a typo" was Jaro-Winkler >= 0.88 until a million generated records showed what it lets
through: `feli.anan74@post.test` and `feli.anan17@corp.test` are two mailboxes, yet score above it;
with many same-name strangers, such edges chained true persons together (pairwise precision 0.62
at 1,000,000 records, 0.88 at 300,000; 0.99 at 300,000 with one edit; fake_1000's F1 went from
0.965 to 0.956).
"""

from __future__ import annotations

import pandas as pd

from insightdesk.store.scratch import scratch_duckdb

_EVIDENCE = """
    coalesce(damerau_levenshtein(l.email, r.email) <= 1, false)
    or coalesce(l.email_user = r.email_user, false)
    or coalesce(l.phone = r.phone, false)
    or coalesce(levenshtein(l.dob, r.dob) <= 1, false)
    or coalesce(l.external_id = r.external_id, false)
    or coalesce(l.postcode = r.postcode, false)
    or coalesce(l.street = r.street, false)
    or coalesce(l.city = r.city, false)
    or coalesce(l.organisation_id = r.organisation_id, false)
"""
_COLUMNS = [
    "record_id",
    "email",
    "email_user",
    "phone",
    "dob",
    "external_id",
    "postcode",
    "street",
    "city",
    "organisation_id",
]


def corroborated(pairs: pd.DataFrame, prepared: pd.DataFrame) -> pd.Series:
    """For each pair (record_id_l, record_id_r): True when evidence beyond the name agrees."""
    if pairs.empty:
        return pd.Series(dtype=bool, index=pairs.index)
    keys = pairs[["record_id_l", "record_id_r"]].reset_index(drop=True).reset_index(names="pair")
    values = prepared[_COLUMNS].astype(object).where(prepared[_COLUMNS].notna(), None)
    with scratch_duckdb() as con:
        con.register("pairs", keys)
        con.register("records", values)
        found = con.sql(
            f"select p.pair, {_EVIDENCE} as ok from pairs p "
            "join records l on l.record_id = p.record_id_l join records r on r.record_id = p.record_id_r"
        ).df()
    ok = found.set_index("pair")["ok"].reindex(range(len(keys))).fillna(False).astype(bool)
    return pd.Series(ok.values, index=pairs.index)
