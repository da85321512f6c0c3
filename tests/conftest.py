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


MINI_PERSONS = '''
[[person]]
id = "kovacs-bela"
native = "Kovács Béla"
lang = "hu"
family = "Kovács"
given = "Béla"
order = "family-given"
description = "Smallholder politician."

[[person]]
id = "ivanov-ivan"
native = "Иван Петрович Иванов"
lang = "ru"
family = "Иванов"
given = "Иван"
patronymic = "Петрович"
'''


@pytest.fixture()
def mini_tables(tmp_path):
    """A throwaway tables directory: the shipped schemes and conventions, two persons."""
    import shutil

    d = tmp_path / "tables"
    shutil.copytree(ROOT / "tables", d, ignore=shutil.ignore_patterns("persons", "__pycache__"))
    (d / "persons").mkdir()
    (d / "persons" / "mini.toml").write_text(MINI_PERSONS, encoding="utf-8")
    return d
