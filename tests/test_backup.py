"""`nesa-collab backup` and `restore`: a backup of the demo network restores to identical data."""

from __future__ import annotations

import sqlite3

import pytest

from nesa_collab.cli import main
from nesa_collab.settings import sqlite_path

from .databases import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="backup/restore are SQLite's; PostgreSQL uses pg_dump")


def dump(path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def test_a_backup_of_the_demo_restores_to_identical_data(seeded, monkeypatch, tmp_path, capsys):
    _, settings = seeded
    monkeypatch.setenv("NESA_DATABASE_URL", settings.database_url)
    db_file = sqlite_path(settings.database_url)
    before = dump(db_file)
    main(["backup", str(tmp_path / "nightly.db")])
    assert "Backed up to" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="exists"):
        main(["backup", str(tmp_path / "nightly.db")])

    with sqlite3.connect(db_file) as conn:
        conn.execute("DELETE FROM audit_entries")
        conn.execute("UPDATE people SET name = 'Changed'")
    conn.close()
    assert dump(db_file) != before

    with pytest.raises(SystemExit, match="--yes"):
        main(["restore", str(tmp_path / "nightly.db")])
    main(["restore", str(tmp_path / "nightly.db"), "--yes"])
    assert dump(db_file) == before
    assert sum(len(rows) for rows in before.values()) > 1000


def test_restore_refuses_a_file_that_is_not_a_backup(cli_env, tmp_path):
    main(["db", "upgrade"])
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(SystemExit):
        main(["restore", str(tmp_path / "junk.db"), "--yes"])


def test_backup_of_postgres_points_to_pg_dump(monkeypatch, tmp_path):
    monkeypatch.setenv("NESA_DATABASE_URL", "postgresql+psycopg://nesa@db.example/nesa")
    with pytest.raises(SystemExit, match="pg_dump"):
        main(["backup", str(tmp_path / "x.db")])


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NESA_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("NESA_ENV", "development")
