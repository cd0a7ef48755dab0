"""INSIGHTDESK_DUCKDB_THREADS limits the threads of every DuckDB connection the store layer opens."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from insightdesk.config import SettingsError, get_settings, reset_settings
from insightdesk.store import open_store, scratch_duckdb


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT current_setting('threads')").fetchone()
    assert row is not None
    return int(row[0])


def test_the_setting_reaches_the_store_and_scratch_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTDESK_DUCKDB_THREADS", "3")
    reset_settings()
    with open_store(str(tmp_path / "desk.duckdb")) as store:
        assert _threads(store.duckdb) == 3
    scratch = scratch_duckdb()
    try:
        assert _threads(scratch) == 3
    finally:
        scratch.close()


def test_unset_leaves_duckdbs_own_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSIGHTDESK_DUCKDB_THREADS", raising=False)
    reset_settings()
    default = _threads(duckdb.connect())
    with open_store(str(tmp_path / "desk.duckdb")) as store:
        assert _threads(store.duckdb) == default


@pytest.mark.parametrize("value", ["0", "-2", "two", "100000"])
def test_a_value_that_is_not_a_thread_count_is_refused_by_name(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTDESK_DUCKDB_THREADS", value)
    reset_settings()
    with pytest.raises(SettingsError, match="INSIGHTDESK_DUCKDB_THREADS"):
        get_settings()


def test_compaction_and_the_removal_lock_probe_take_the_limit_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from insightdesk.governance.privacy.compaction import compact_duckdb
    from insightdesk.store.duckdb_files import remove_duckdb_store

    path = tmp_path / "desk.duckdb"
    with open_store(str(path)):
        pass
    monkeypatch.setenv("INSIGHTDESK_DUCKDB_THREADS", "2")
    reset_settings()
    seen: list[int] = []
    real_connect = duckdb.connect

    def counting_connect(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        con = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(_threads(con))
        return con

    monkeypatch.setattr(duckdb, "connect", counting_connect)
    compact_duckdb(path)
    remove_duckdb_store(path)
    assert seen == [2, 2] and not path.exists()
