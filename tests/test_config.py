"""The configuration: every setting read from the environment once, documented in the README."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from insightdesk.config import SettingsError, documented_settings, get_settings, reset_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_when_the_environment_is_silent(monkeypatch):
    for setting in documented_settings():
        monkeypatch.delenv(setting.env, raising=False)
    reset_settings()
    settings = get_settings()
    assert settings.db == "insightdesk.duckdb"
    assert settings.ingest_memory == "1GB"
    assert settings.text_threads is None
    assert settings.spark_local_ip == "127.0.0.1"


def test_environment_is_read_once_until_reset(monkeypatch):
    monkeypatch.setenv("INSIGHTDESK_INGEST_MEMORY", "2GB")
    reset_settings()
    assert get_settings().ingest_memory == "2GB"
    # Changed behind the settings' back (the suite's monkeypatch.setenv re-reads them: conftest.py);
    # monkeypatch restores the variable after the test.
    os.environ["INSIGHTDESK_INGEST_MEMORY"] = "3GB"
    assert get_settings().ingest_memory == "2GB"
    reset_settings()
    assert get_settings().ingest_memory == "3GB"


def test_empty_variable_means_the_default(monkeypatch):
    monkeypatch.setenv("INSIGHTDESK_DB", "")
    reset_settings()
    assert get_settings().db == "insightdesk.duckdb"


def test_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("INSIGHTDESK_TEXT_THREADS", "many")
    reset_settings()
    with pytest.raises(SettingsError, match="INSIGHTDESK_TEXT_THREADS"):
        get_settings()


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    for setting in documented_settings():
        assert setting.help, f"{setting.env} has no help text"
        assert re.search(rf"`{setting.env}`", text), f"README does not document {setting.env}"


def test_library_reads_the_environment_only_in_config():
    package = Path(__file__).resolve().parents[1] / "src" / "insightdesk"
    readers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "migrations" not in path.parts
        and path.name != "config.py"
        and re.search(r"os\.environ\.get|os\.getenv|environ\[", path.read_text(encoding="utf-8"))
    ]
    assert readers == []
