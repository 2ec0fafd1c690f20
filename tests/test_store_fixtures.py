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
