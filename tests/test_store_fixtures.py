"""The PostgreSQL fixtures' advice when the server is down (``store_fixtures``)."""

from __future__ import annotations

import pytest
from store_fixtures import pg_start_hint


@pytest.mark.parametrize(
    ("installed", "hint"),
    [
        (["17"], "pg_ctlcluster --skip-systemctl-redirect 17 main start"),
        (["15"], "pg_ctlcluster --skip-systemctl-redirect 15 main start"),
        (
            ["9.6", "15", "13"],
            "pg_ctlcluster --skip-systemctl-redirect VERSION main start "
            "(VERSION: one of 9.6, 13, 15)",
        ),
    ],
)
def test_the_start_hint_names_the_installed_postgresql_version(tmp_path, installed, hint):
    for version in installed:
        (tmp_path / version).mkdir()
    (tmp_path / "README").write_text("not a version")  # a file is not a version
    assert pg_start_hint(tmp_path) == hint


def test_with_no_postgresql_installed_the_start_hint_names_no_version(tmp_path):
    missing = tmp_path / "postgresql"
    hint = pg_start_hint(missing)
    assert hint == (
        f"pg_ctlcluster --skip-systemctl-redirect VERSION main start (VERSION: see ls {missing})"
    )


@pytest.mark.postgres
def test_a_test_schemas_drop_held_by_a_transaction_fails_naming_it(pg_database):
    """A connection a test left in a transaction on its schema held the teardown's DROP
    SCHEMA for ever, in silence (the server has no lock_timeout). It waits a bounded time
    and fails, naming that connection."""
    import secrets

    import psycopg
    from sqlalchemy import create_engine, text
    from store_fixtures import drop_schema

    schema = f"t_{secrets.token_hex(6)}"
    engine = create_engine(pg_database, isolation_level="AUTOCOMMIT")
    dsn = pg_database.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            conn.execute(text(f'CREATE TABLE "{schema}".held (x int)'))
        with psycopg.connect(dsn) as holder:
            holder.execute(f'SELECT * FROM "{schema}".held')  # its lock kept: in a transaction
            with engine.connect() as conn, pytest.raises(pytest.fail.Exception) as failed:
                drop_schema(conn, schema, lock_timeout_s=0.2)
            assert f"DROP SCHEMA {schema} waited 0.2 s" in str(failed.value)
            assert f"pid={holder.info.backend_pid} " in str(failed.value)
            assert "state='idle in transaction'" in str(failed.value)
            holder.rollback()
        with engine.connect() as conn:
            drop_schema(conn, schema)  # let go: dropped
            gone = conn.execute(text("SELECT to_regnamespace(:s)"), {"s": schema}).scalar()
            assert gone is None
    finally:
        engine.dispose()
