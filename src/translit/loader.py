"""Where the tables live, and loading them once per process."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .errors import TableError
from .fold import Folder
from .schemes import SchemeSet


def default_tables_dir() -> Path:
    """$TRANSLIT_TABLES, else the tables shipped with the package (wheel or editable install)."""
    env = os.environ.get("TRANSLIT_TABLES")
    if env:
        return Path(env)
    import translit.tables as shipped

    return Path(shipped.__file__).parent


class Tables:
    """The schemes and folding conventions of one tables directory."""

    def __init__(self, directory: Path | str | None = None):
        self.directory = Path(directory) if directory else default_tables_dir()
        if not self.directory.is_dir():
            raise TableError(str(self.directory), "tables directory not found")
        self.schemes = SchemeSet(self.directory / "schemes")
        fold_path = self.directory / "folding.toml"
        if not fold_path.exists():
            raise TableError(str(fold_path), "missing")
        self.folder = Folder(fold_path)

    def person_files(self) -> list[Path]:
        return sorted((self.directory / "persons").glob("*.toml"))


@lru_cache(maxsize=8)
def get_tables(directory: str | None = None) -> Tables:
    return Tables(directory)
