"""The data model: persons and their variants, loaded from tables/persons/*.toml."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import TableError
from .errors import toml_line as _toml_line
from .fold import is_cyrillic

VARIANT_KINDS = ("spelling", "exonym", "ocr", "pseudonym", "birth-name", "by-name", "married-name", "short")
ORDERS = ("given-family", "family-given")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PERSON_FIELDS = {
    "id", "native", "lang", "given", "patronymic", "family", "order", "gender", "born", "died",
    "description", "confidence", "note", "exonyms", "variants", "prominence", "ids",
}
# external identifiers a person may carry: authority -> pattern of its ids
ID_AUTHORITIES = {
    "wikidata": re.compile(r"^Q[1-9][0-9]*$"),
    "viaf": re.compile(r"^[1-9][0-9]{0,22}$"),
    "gnd": re.compile(r"^[0-9X-]{1,12}$"),
    "lcnaf": re.compile(r"^n[abors]?[0-9]{8,10}$"),
    "isni": re.compile(r"^[0-9]{15}[0-9X]$"),
}


@dataclass(frozen=True)
class Variant:
    form: str
    kind: str = "spelling"
    source: str = ""  # "seed:L12", "convention:de", "scheme:ru-hu", "user:alice"

    def to_dict(self) -> dict:
        return {"form": self.form, "kind": self.kind, "source": self.source}


@dataclass
class Person:
    id: str
    native: str
    lang: str
    family: str
    given: str = ""
    patronymic: str = ""
    order: str = "given-family"
    gender: str = ""
    born: int | None = None
    died: int | None = None
    description: str = ""
    confidence: str = "certain"
    note: str = ""
    exonyms: dict[str, str] = field(default_factory=dict)
    variants: list[Variant] = field(default_factory=list)
    prominence: int = 0  # how often the source names the person: breaks ties between namesakes
    ids: dict[str, str] = field(default_factory=dict)  # external identifiers: {"wikidata": "Q35314", ...}
    origin: str = ""  # "tables/persons/ru.toml:12" or "store"
    revision: int = field(default=0, compare=False)  # the store's revision of this person (0: as shipped)

    @property
    def script(self) -> str:
        return "Cyrl" if is_cyrillic(self.native) else "Latn"

    @property
    def given_names(self) -> list[str]:
        return self.given.split()

    def to_dict(self) -> dict:
        """The record's fields as plain data (what the store and the tables write), empty ones left out
        (id, native and family always there); origin and revision are not part of it.  Written out field
        by field: dataclasses.asdict deep-copies every variant, the largest single cost of an import."""
        d = {"id": self.id, "native": self.native, "lang": self.lang, "family": self.family,
             "given": self.given, "patronymic": self.patronymic, "order": self.order, "gender": self.gender,
             "born": self.born, "died": self.died, "description": self.description,
             "confidence": self.confidence, "note": self.note, "exonyms": dict(self.exonyms),
             "variants": [{"form": v.form, "kind": v.kind, "source": v.source} for v in self.variants],
             "prominence": self.prominence, "ids": dict(self.ids)}
        return {k: v for k, v in d.items() if v not in (None, "", [], {}) or k in _ALWAYS}

    @classmethod
    def from_dict(cls, data: dict, origin: str = "", revision: int = 0) -> Person:
        """A person from a record (a table entry, a stored row, an edit, an import): every field's type
        and text checked, a fault naming the field (see check_text)."""
        if not isinstance(data, dict):
            raise ValueError("a person must be a table of fields")
        unknown = set(data) - PERSON_FIELDS
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
        for key in ("id", "native", "lang", "family"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                raise ValueError(f"missing or empty field {key!r}")
        for key in _TEXT_FIELDS:
            if data.get(key) is not None:
                check_text(data[key], key, name=key in _NAME_FIELDS, multiline=key in ("note", "description"))
        if not _ID.match(data["id"]):
            raise ValueError(f"id {data['id']!r}: use lower-case ascii letters, digits and hyphens")
        order = data.get("order", "given-family")
        if order not in ORDERS:
            raise ValueError(f"order {order!r}: one of {', '.join(ORDERS)}")
        variants = []
        raw_variants = data.get("variants", []) or []
        if not isinstance(raw_variants, list):
            raise ValueError("variants must be a list of spellings (each a string or a table with 'form')")
        for v in raw_variants:
            if isinstance(v, str):
                v = {"form": v}
            if not isinstance(v, dict) or not isinstance(v.get("form"), str) or not v["form"].strip():
                raise ValueError(f"variant {v!r}: needs a non-empty 'form'")
            if set(v) - {"form", "kind", "source"}:
                raise ValueError(f"variant {v['form']!r}: unknown field(s) {', '.join(sorted(set(v) - {'form', 'kind', 'source'}))}")
            check_text(v["form"], "variants.form", name=True)
            kind = v.get("kind", "spelling")
            if kind not in VARIANT_KINDS:
                raise ValueError(f"variant {v['form']!r}: kind {kind!r} is not one of {', '.join(VARIANT_KINDS)}")
            if v.get("source") is not None:
                check_text(v["source"], "variants.source")
            variants.append(Variant(v["form"], kind, v.get("source", "") or ""))
        exonyms = data.get("exonyms", {}) or {}
        if not isinstance(exonyms, dict):
            raise ValueError("exonyms must be a table of language = form")
        for lang, form in exonyms.items():
            check_text(lang, "exonyms (language)")
            check_text(form, f"exonyms.{lang}", name=True)
        ids = data.get("ids", {}) or {}
        if not isinstance(ids, dict):
            raise ValueError("ids must be a table of authority = identifier")
        for auth, value in ids.items():
            if auth not in ID_AUTHORITIES:
                raise ValueError(f"ids: unknown authority {auth!r} (one of {', '.join(ID_AUTHORITIES)})")
            if not isinstance(value, str) or not ID_AUTHORITIES[auth].match(value):
                raise ValueError(f"ids: {auth} identifier {value!r} is not well formed")
        for key in ("born", "died", "prominence"):
            value = data.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValueError(f"{key} must be an integer" + (" (a year)" if key != "prominence" else ""))
        return cls(
            id=data["id"],
            native=data["native"],
            lang=data["lang"],
            family=data["family"],
            given=data.get("given") or "",
            patronymic=data.get("patronymic") or "",
            order=order,
            gender=data.get("gender") or "",
            born=data.get("born"),
            died=data.get("died"),
            description=data.get("description") or "",
            confidence=data.get("confidence") or "certain",
            note=data.get("note") or "",
            exonyms=dict(exonyms),
            variants=variants,
            prominence=int(data.get("prominence", 0) or 0),
            ids=dict(ids),
            origin=origin,
            revision=revision,
        )


_ALWAYS = ("id", "native", "family")
_TEXT_FIELDS = ("id", "native", "lang", "given", "patronymic", "family", "gender", "description",
                "confidence", "note")
_NAME_FIELDS = {"native", "given", "patronymic", "family"}
# bidirectional controls, zero-width characters and the byte-order mark: invisible, they make a name that
# looks like another one
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
MAX_TEXT = 2000


def check_text(value, field: str, name: bool = False, multiline: bool = False) -> str:
    """The one check of a text field, at every boundary (tables, store, edits, imports; `tables check` uses
    it too): a string, not too long, without NUL, control, bidirectional or zero-width characters, and,
    in a name (`name`), no word that mixes Latin and Cyrillic letters (a homoglyph form: `Tіto` with a
    Ukrainian і). A fault raises ValueError naming the field."""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, not {type(value).__name__} ({value!r:.40})")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{field} is longer than {MAX_TEXT} characters")
    bad = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value) or _INVISIBLE.search(value)
    if bad:
        raise ValueError(f"{field}: control or invisible character U+{ord(bad.group()):04X} in {value!r:.60}")
    if name:
        for word in _WORD.findall(value):
            if _LATIN.search(word) and _CYRILLIC.search(word):
                raise ValueError(f"{field}: {word!r} mixes Latin and Cyrillic letters (a homoglyph form)")
    return value


def load_person_file(path: Path) -> list[Person]:
    """Parse one persons file; any fault names the file and the line of the offending person."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TableError(str(path), f"not UTF-8 (byte offset {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TableError(str(path), f"invalid TOML: {exc}", _toml_line(exc)) from None
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "[[person]]"]
    persons = []
    for n, raw in enumerate(data.get("person", [])):
        line = starts[n] if n < len(starts) else None
        try:
            persons.append(Person.from_dict(raw, origin=f"{path.parent.name}/{path.name}:{line}"))
        except ValueError as exc:
            raise TableError(str(path), f"person #{n + 1}: {exc}", line) from None
    return persons


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
