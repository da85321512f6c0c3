"""Shared fixtures: the shipped tables, a throwaway database, the eval set when ../shared is there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def tables():
    from translit.loader import get_tables

    return get_tables(str(ROOT / "tables"))


@pytest.fixture(scope="session")
def authority(tables):
    from translit.authority import Authority

    return Authority(tables)


@pytest.fixture(scope="session")
def lookup(authority):
    from translit.lookup import Lookup

    return Lookup(authority)


@pytest.fixture()
def db_path(tmp_path):
    return tmp_path / "edits.sqlite3"


@pytest.fixture()
def shared():
    if not SHARED.is_dir():
        pytest.skip("../shared is absent: the public evaluation set is not available")
    return SHARED


@pytest.fixture()
def cli_env(tmp_path):
    env = dict(os.environ)
    env["TRANSLIT_DB"] = str(tmp_path / "cli.sqlite3")
    env.pop("TRANSLIT_TABLES", None)
    return env
