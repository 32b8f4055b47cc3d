"""Configuration from NESA_* variables; production refuses unsafe settings; all are documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from nesa_collab.settings import DEFAULT_SECRET_KEY, DOCUMENTED, Settings, SettingsError


def test_defaults_are_safe_for_development():
    s = Settings.from_env({})
    assert s.database_url.startswith("sqlite:///") and s.env == "development"


def test_production_refuses_the_default_secret_key():
    with pytest.raises(SettingsError, match="NESA_SECRET_KEY"):
        Settings.from_env({"NESA_ENV": "production"})
    with pytest.raises(SettingsError):
        Settings.from_env({"NESA_ENV": "production", "NESA_SECRET_KEY": "short"})
    ok = Settings.from_env({"NESA_ENV": "production", "NESA_SECRET_KEY": "s" * 40})
    assert ok.secret_key != DEFAULT_SECRET_KEY


def test_bad_values_are_refused_with_the_variable_named():
    with pytest.raises(SettingsError, match="NESA_TIME_ZONE"):
        Settings.from_env({"NESA_TIME_ZONE": "Atlantis/Capital"})
    with pytest.raises(SettingsError, match="NESA_SCHOOL_YEAR_START_MONTH"):
        Settings.from_env({"NESA_SCHOOL_YEAR_START_MONTH": "13"})
    with pytest.raises(SettingsError, match="whole number"):
        Settings.from_env({"NESA_SESSION_DAYS": "many"})


def test_every_setting_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for var, _ in DOCUMENTED.values():
        assert var in readme, f"{var} is not documented in README.md"


def test_the_app_refuses_to_start_in_production_with_the_default_key():
    from nesa_collab.app import create_app

    with pytest.raises(SettingsError):
        create_app(Settings(env="production", database_url="sqlite://"))
