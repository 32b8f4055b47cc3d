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


def test_s3_receipts_are_kept_beside_the_sqlite_database_by_default_and_never_where_the_site_serves():
    from nesa_collab.paths import STATIC_DIR, TEMPLATES_DIR

    s = Settings.from_env({"NESA_DATABASE_URL": "sqlite:////srv/nesa/nesa.db"})
    assert s.receipts_path == Path("/srv/nesa/receipts") and s.receipt_max_bytes == 5 * 1024 * 1024
    assert Settings.from_env({"NESA_DATABASE_URL": "postgresql+psycopg://x@h/db"}).receipts_path == Path("receipts")
    assert Settings.from_env({"NESA_RECEIPTS_DIR": "/var/lib/nesa/receipts"}).receipts_path == Path(
        "/var/lib/nesa/receipts")
    for served in (STATIC_DIR, TEMPLATES_DIR / "support"):
        with pytest.raises(SettingsError, match="NESA_RECEIPTS_DIR"):
            Settings.from_env({"NESA_RECEIPTS_DIR": str(served)})
    with pytest.raises(SettingsError, match="NESA_RECEIPT_MAX_BYTES"):
        Settings.from_env({"NESA_RECEIPT_MAX_BYTES": "10"})
    assert Settings.from_env({"NESA_RECEIPT_MAX_BYTES": "10485760"}).receipt_max_bytes == 10 * 1024 * 1024


def test_s3_the_request_size_limit_fits_a_receipt_of_the_configured_size():
    from nesa_collab.app import MAX_BODY_BYTES, max_body_bytes

    assert max_body_bytes(Settings()) > 5 * 1024 * 1024
    assert max_body_bytes(Settings(receipt_max_bytes=20 * 1024 * 1024)) > 20 * 1024 * 1024
    assert max_body_bytes(Settings(receipt_max_bytes=1024)) == MAX_BODY_BYTES


def test_mail_is_configured_by_the_smtp_variables_and_the_password_stays_secret():
    s = Settings.from_env({})
    assert not s.mail_configured and s.smtp_port == 587 and s.smtp_starttls
    assert s.mail_sender == ("NESA", "no-reply@127.0.0.1")
    s = Settings.from_env({"NESA_SMTP_HOST": "smtp.example.org", "NESA_SMTP_PORT": "2525", "NESA_SMTP_STARTTLS": "false",
                           "NESA_SMTP_USERNAME": "nesa", "NESA_SMTP_PASSWORD": "hunter2-secret",
                           "NESA_MAIL_FROM": "NESA Collaboratives <collaboratives@example.org>",
                           "NESA_SMTP_TIMEOUT_SECONDS": "5"})
    assert s.mail_configured and (s.smtp_port, s.smtp_starttls, s.smtp_timeout_seconds) == (2525, False, 5)
    assert s.mail_sender == ("NESA Collaboratives", "collaboratives@example.org")
    assert "hunter2" not in repr(s)
    with pytest.raises(SettingsError, match="NESA_SMTP_STARTTLS"):
        Settings.from_env({"NESA_SMTP_STARTTLS": "perhaps"})
    with pytest.raises(SettingsError, match="NESA_SMTP_PORT"):
        Settings.from_env({"NESA_SMTP_PORT": "70000"})
    with pytest.raises(SettingsError, match="NESA_MAIL_FROM"):
        Settings.from_env({"NESA_MAIL_FROM": "nobody"})
