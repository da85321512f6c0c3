"""`translit tables check`: everything a table file can get wrong, with file and line."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .authority import Authority
from .errors import TableError
from .loader import Tables

_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_CYR = re.compile(r"[\u0400-\u04FF]")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass
class Finding:
    level: str  # error | warning
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def check_tables(directory: Path | str | None = None) -> list[Finding]:
    findings: list[Finding] = []
    try:
        tables = Tables(directory)
    except TableError as exc:
        return [Finding("error", exc.path, str(exc))]
    files = sorted(tables.directory.rglob("*.toml"))
    for path in files:
        findings += _check_text(path, tables.directory)
    for scheme in tables.schemes:
        for sample in scheme.samples:
            got = scheme.transliterate(sample.source)
            if got != sample.expected:
                findings.append(Finding("error", f"schemes/{scheme.id}.toml",
                                        f"sample {sample.source!r} gives {got!r}, expected {sample.expected!r}"))
    try:
        authority = Authority(tables)
    except TableError as exc:
        return findings + [Finding("error", exc.path, str(exc))]
    findings += _check_persons(authority)
    return findings


def _check_text(path: Path, base: Path) -> list[Finding]:
    out = []
    rel = str(path.relative_to(base.parent)) if base.parent in path.parents else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [Finding("error", rel, f"not UTF-8 at byte {exc.start}")]
    for n, line in enumerate(text.splitlines(), 1):
        where = f"{rel}:{n}"
        if not unicodedata.is_normalized("NFC", line):
            out.append(Finding("error", where, "not NFC-normalized"))
        if line != line.rstrip():
            out.append(Finding("error", where, "trailing whitespace"))
        if line.lstrip().startswith("#") or "persons" not in path.parts:
            continue  # name strings are checked in the person tables; other tables hold letters and marks
        for m in _STRING.finditer(line):
            value = m.group(1)
            if value != value.strip() or "  " in value:
                out.append(Finding("error", where, f"stray whitespace in {value!r}"))
            for word in _WORD.findall(value):
                if _LATIN.search(word) and _CYR.search(word):
                    out.append(Finding("error", where, f"mixed Latin and Cyrillic letters in {word!r}"))
    return out


# Cyrillic native forms: Cyrillic-script languages, and Soviet citizens known by the Russian form of their name
_CYRILLIC_OK = {"ru", "uk", "be", "bg", "sr", "mk", "hy", "ka", "az", "kk", "uz", "tt", "ky", "tg", "tk", "ro",
                "lv", "lt", "et", "os"}


def _check_persons(authority: Authority) -> list[Finding]:
    out = []
    fold = authority.folder.fold
    claims: dict[str, set[str]] = defaultdict(set)
    for person in authority:
        if person.family not in person.native and not any(w in person.native for w in person.family.split()):
            out.append(Finding("warning", person.origin, f"{person.id}: family {person.family!r} not in native name"))
        if person.script == "Cyrl" and person.lang not in _CYRILLIC_OK:
            out.append(Finding("warning", person.origin, f"{person.id}: Cyrillic native form for lang {person.lang}"))
        if person.confidence not in ("certain", "reconstructed", "probable"):
            out.append(Finding("error", person.origin, f"{person.id}: confidence {person.confidence!r}"))
        for v in person.variants:
            claims[fold(v.form)].add(person.id)
        claims[fold(person.native)].add(person.id)
    for key, pids in sorted(claims.items()):
        if len(pids) > 1:
            persons = [authority[p] for p in sorted(pids)]
            same_family = len({fold(p.family) for p in persons}) == 1
            level = "warning" if same_family else "error"
            note = "deliberate ambiguity (namesakes)" if level == "warning" else "claimed by two persons"
            out.append(Finding(level, persons[0].origin, f"{key!r} {note}: {', '.join(sorted(pids))}"))
    return out
