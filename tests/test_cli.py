"""The nesa-collab command: migrate, seed, add a person, create a token that the API accepts."""

from __future__ import annotations

import pytest

from nesa_collab.cli import main


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("NESA_DATABASE_URL", url)
    monkeypatch.setenv("NESA_ENV", "development")
    return url


def test_db_upgrade_users_and_tokens(cli_env, capsys, monkeypatch):
    main(["db", "upgrade"])
    main(["users", "create", "--name", "Maya Haddad", "--email", "Maya@Example.org", "--role", "dpl",
          "--password", "a-long-password"])
    out = capsys.readouterr().out
    assert "Created person 1: Maya Haddad <Maya@example.org> (dpl)" in out
    with pytest.raises(SystemExit, match="already used"):
        main(["users", "create", "--name", "Other", "--email", "maya@example.org"])
    main(["tokens", "create", "--email", "maya@example.org", "--name", "ci"])
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("nesa_")

    from starlette.testclient import TestClient

    from nesa_collab.app import create_app

    with TestClient(create_app()) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["person"]["roles"] == ["dpl"]
        assert len(client.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"}).json()["items"]) >= 2


def test_users_create_refuses_an_unknown_school(cli_env):
    main(["db", "upgrade"])
    with pytest.raises(SystemExit, match="no school"):
        main(["users", "create", "--name", "X", "--email", "x@example.org", "--school", "atlantis"])


def test_production_without_a_secret_key_is_refused(cli_env, monkeypatch):
    monkeypatch.setenv("NESA_ENV", "production")
    with pytest.raises(SystemExit, match="NESA_SECRET_KEY"):
        main(["db", "upgrade"])


def test_obligations_refresh_brings_a_seeded_copy_in_line_and_changes_nothing_the_second_time(
        seeded, monkeypatch, capsys):
    """O1–O3: the command derives every school's obligations; the demo's are already in line, so
    after the obligations are wiped it adds them back, and a second run finds nothing to do."""
    from sqlalchemy import delete, func, select

    from nesa_collab.db import Database
    from nesa_collab.obligations.models import Obligation

    world, settings = seeded
    monkeypatch.setenv("NESA_DATABASE_URL", world.url)
    monkeypatch.setenv("NESA_ENV", "development")
    database = Database(world.url)
    with database.transaction() as db:
        live = db.scalar(select(func.count()).select_from(Obligation).where(Obligation.withdrawn_at.is_(None)))
        db.execute(delete(Obligation))
    main(["obligations", "refresh"])
    assert f"Obligations: {live} added, 0 moved" in capsys.readouterr().out
    main(["obligations", "refresh"])
    assert "Obligations: 0 added, 0 moved (0 asked again), 0 withdrawn." in capsys.readouterr().out
    database.dispose()


@pytest.mark.parametrize("command", [["seed"], ["demo", "--no-serve"]])
def test_seed_and_demo_refuse_a_production_database_unless_told(cli_env, monkeypatch, tmp_path, command):
    monkeypatch.setenv("NESA_ENV", "production")
    monkeypatch.setenv("NESA_SECRET_KEY", "s" * 48)
    if command[0] == "demo":
        command = [*command, "--db", str(tmp_path / "demo.db")]
    else:
        main(["db", "upgrade"])
    with pytest.raises(SystemExit, match="--allow-production"):
        main(command)


def test_seed_allowed_in_production_creates_no_demo_account(cli_env, monkeypatch, capsys):
    """The demo Director's password is published: an administrator anyone could sign in as."""
    from sqlalchemy import func, select

    from nesa_collab.auth.models import Person
    from nesa_collab.db import Database

    monkeypatch.setenv("NESA_ENV", "production")
    monkeypatch.setenv("NESA_SECRET_KEY", "s" * 48)
    main(["db", "upgrade"])
    main(["seed", "--allow-production"])
    assert "Seeded:" in capsys.readouterr().out
    database = Database(cli_env)
    with database.session(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Person)) > 10
        assert db.scalar(select(func.count()).select_from(Person).where(Person.password_hash.is_not(None))) == 0
    database.dispose()


def test_db_upgrade_does_not_print_the_database_password(monkeypatch, capsys):
    import nesa_collab.migrate

    monkeypatch.setenv("NESA_DATABASE_URL", "postgresql+psycopg://nesa:S3cret-pw@db.example/nesa")
    monkeypatch.setattr(nesa_collab.migrate, "upgrade", lambda url, revision="heads": None)
    main(["db", "upgrade"])
    out = capsys.readouterr().out
    assert "S3cret-pw" not in out and "nesa:***@db.example/nesa" in out
