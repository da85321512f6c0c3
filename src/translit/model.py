"""The data model: persons and their variants, loaded from tables/persons/*.toml."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import asdict, dataclass, field
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

    @property
    def script(self) -> str:
        return "Cyrl" if is_cyrillic(self.native) else "Latn"

    @property
    def given_names(self) -> list[str]:
        return self.given.split()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["variants"] = [v.to_dict() for v in self.variants]
        d.pop("origin", None)
        return {k: v for k, v in d.items() if v not in (None, "", [], {}) or k in ("id", "native", "family")}

    @classmethod
    def from_dict(cls, data: dict, origin: str = "") -> Person:
        unknown = set(data) - PERSON_FIELDS
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
        for key in ("id", "native", "lang", "family"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                raise ValueError(f"missing or empty field {key!r}")
        if not _ID.match(data["id"]):
            raise ValueError(f"id {data['id']!r}: use lower-case ascii letters, digits and hyphens")
        order = data.get("order", "given-family")
        if order not in ORDERS:
            raise ValueError(f"order {order!r}: one of {', '.join(ORDERS)}")
        variants = []
        for v in data.get("variants", []):
            if isinstance(v, str):
                v = {"form": v}
            if not isinstance(v, dict) or not isinstance(v.get("form"), str) or not v["form"].strip():
                raise ValueError(f"variant {v!r}: needs a non-empty 'form'")
            kind = v.get("kind", "spelling")
            if kind not in VARIANT_KINDS:
                raise ValueError(f"variant {v['form']!r}: kind {kind!r} is not one of {', '.join(VARIANT_KINDS)}")
            variants.append(Variant(v["form"], kind, v.get("source", "")))
        ids = data.get("ids", {}) or {}
        if not isinstance(ids, dict):
            raise ValueError("ids must be a table of authority = identifier")
        for auth, value in ids.items():
            if auth not in ID_AUTHORITIES:
                raise ValueError(f"ids: unknown authority {auth!r} (one of {', '.join(ID_AUTHORITIES)})")
            if not isinstance(value, str) or not ID_AUTHORITIES[auth].match(value):
                raise ValueError(f"ids: {auth} identifier {value!r} is not well formed")
        for key in ("born", "died"):
            if data.get(key) is not None and not isinstance(data[key], int):
                raise ValueError(f"{key} must be a year (integer)")
        return cls(
            id=data["id"],
            native=data["native"],
            lang=data["lang"],
            family=data["family"],
            given=data.get("given", ""),
            patronymic=data.get("patronymic", ""),
            order=order,
            gender=data.get("gender", ""),
            born=data.get("born"),
            died=data.get("died"),
            description=data.get("description", ""),
            confidence=data.get("confidence", "certain"),
            note=data.get("note", ""),
            exonyms=dict(data.get("exonyms", {})),
            variants=variants,
            prominence=int(data.get("prominence", 0) or 0),
            ids=dict(ids),
            origin=origin,
        )


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
