"""The name authority: shipped persons merged with user edits, derived variants, house styles."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from unidecode import unidecode

from . import persist
from .errors import NotFoundError, TableError
from .fold import is_cyrillic
from .loader import Tables, get_tables
from .model import Person, Variant, load_person_file

_CHANGE_MEMORY = 256  # refreshes whose changes a process remembers for its index (older: rebuild)
SOUTH_SLAVIC = {"sr", "hr", "sl", "mk", "bs", "sh", "cnr"}

# house style -> scheme, per source of the native form
STYLE_SCHEMES = {
    "ru-Cyrl": {
        "en": "ru-alalc-plain", "en-bgn": "ru-bgn", "en-alalc": "ru-alalc", "de": "ru-de", "fr": "ru-fr",
        "hu": "ru-hu", "sh": "ru-sh", "pl": "ru-pl", "cs": "ru-cs", "iso9": "ru-iso9",
        "scholarly": "ru-scholarly",
    },
    "hu-Latn": {"ru": "hu-ru", "sh": "hu-sh"},
    "sh-Latn": {"ru": "sh-ru", "sr-Cyrl": "sr-latn-cyrl", "hu": "sh-hu"},
}
STYLES = ("native", "en", "en-bgn", "en-alalc", "de", "fr", "hu", "sh", "pl", "cs", "ru", "sr-Cyrl", "ascii")
STYLE_NAMES = {
    "native": "native script and orthography",
    "en": "English, ALA-LC without diacritics (the source's style)",
    "en-bgn": "English, BGN/PCGN",
    "en-alalc": "ALA-LC with diacritics (catalogues)",
    "de": "German", "fr": "French", "hu": "Hungarian", "sh": "Serbo-Croatian (Latin)",
    "pl": "Polish", "cs": "Czech", "ru": "Russian Cyrillic", "sr-Cyrl": "Serbian Cyrillic",
    "ascii": "plain ASCII",
}


def source_of(person: Person) -> str:
    """Which family of schemes reads this person's native form."""
    if person.script == "Cyrl":
        return "ru-Cyrl"
    if person.lang == "hu":
        return "hu-Latn"
    if person.lang in SOUTH_SLAVIC:
        return "sh-Latn"
    return ""


@dataclass(frozen=True)
class NamePart:
    """One word of a person's name, in every derivable spelling: the unit that lookup indexes."""

    person_id: str
    role: str  # family | given | patronymic | pseudonym | full
    form: str
    source: str  # "native", "scheme:ru-hu", "seed:L12", ...
    kind: str = "spelling"


class Authority:
    """Persons of the shipped tables merged with the edits of a store, with derived spellings."""

    def __init__(self, tables: Tables | str | Path | None = None, store=None, persisted: bool = True):
        if not isinstance(tables, Tables):
            tables = get_tables(str(tables) if tables else None)
        self.tables = tables
        self.schemes = tables.schemes
        self.folder = tables.folder
        self.store = store
        self.base: dict[str, Person] = {}
        for path in tables.person_files():
            for person in load_person_file(path):
                if person.id in self.base:
                    raise TableError(str(path), f"duplicate id {person.id!r} (also in {self.base[person.id].origin})")
                self.base[person.id] = person
        self.revision = None
        self._canonical_cache: dict[tuple[str, str], str] = {}
        self._render_cache: dict[tuple[str, str], list[tuple[str, str]]] = {}  # given names repeat
        self.persons: dict[str, Person] = {}
        self._changes: deque[tuple[int, dict[str, Person | None]]] = deque()
        self._log_start = 0
        self.persisted = persisted  # open the index saved beside the database (translit.persist)
        self.saved_index = None  # its state, until the Lookup takes it
        self.refresh()

    # -- merging with the store -----------------------------------------------------------
    def refresh(self) -> bool:
        """See the store's changes since the last look; True when persons changed. The first look loads
        every stored row (linear); later ones read only the change log (the rows written since), and what
        changed is remembered for the lookup index (`changed_since`)."""
        if self.store is None:
            if self.revision is None:
                self.persons, self.revision = dict(self.base), 0
                return True
            return False
        if self.revision is None:
            self.store.base = self.store.base or self.base
            saved = persist.load(self) if self.persisted else None
            if saved is not None:  # the persons (and index) of a saved revision; the change log since follows
                self.revision, self.persons, state = saved
                self.saved_index = (self.revision, state)
                self._log_start = self.revision
                self.refresh()
                return True
            rev = self.store.revision()
            self.persons = self.store.merge(self.base)
            self.revision = rev
            self._log_start = rev
            return True
        if self.store.revision() == self.revision:
            return False
        rev, rows = self.store.changes_since(self.revision)
        touched = {}
        for pid, person in rows:
            touched[pid] = self.persons.get(pid)
            if person is None:
                self.persons.pop(pid, None)
            else:
                self.persons[pid] = person
            for style in STYLES:
                self._canonical_cache.pop((pid, style), None)
        self._changes.append((rev, touched))
        while len(self._changes) > _CHANGE_MEMORY:  # memory bounded, whatever the number of edits
            self._log_start = self._changes.popleft()[0]
        self.revision = rev
        return bool(touched)

    def changed_since(self, revision) -> dict[str, Person | None] | None:
        """{person id: the person as it was at `revision` (None: not there)} for every person changed
        since; None when that is further back than this process remembers (rebuild instead)."""
        if revision == self.revision:
            return {}
        if revision is None or revision < self._log_start:
            return None
        out: dict[str, Person | None] = {}
        for rev, touched in self._changes:
            if rev > revision:
                for pid, old in touched.items():
                    out.setdefault(pid, old)
        return out

    def __iter__(self) -> Iterator[Person]:
        return iter(self.persons.values())

    def __len__(self) -> int:
        return len(self.persons)

    def __contains__(self, pid: str) -> bool:
        return pid in self.persons

    def get(self, pid: str) -> Person | None:
        return self.persons.get(pid)

    def search(self, text: str, limit: int = 20) -> list[Person]:
        """Persons whose id, native name, exonyms or variants contain `text` (folded), best known first."""
        key = self.folder.fold(text)
        if not key:
            return []
        out = []
        for p in self.persons.values():
            fields = [p.id.replace("-", " "), p.native, *p.exonyms.values(), *(v.form for v in p.variants)]
            if any(key in self.folder.fold(f) for f in fields):
                out.append(p)
        out.sort(key=lambda p: (-p.prominence, p.id))
        return out[:limit]

    def variants(self, person: Person | str) -> list[Variant]:
        """Every known and derivable spelling of a person, each with its provenance (see full_forms)."""
        return self.full_forms(self[person] if isinstance(person, str) else person)

    def __getitem__(self, pid: str) -> Person:
        person = self.persons.get(pid)
        if person is None:
            raise NotFoundError(f"no person with id {pid!r}")
        return person

    # -- derived spellings ------------------------------------------------------------------
    def _schemes_for(self, person: Person):
        src = source_of(person)
        return [s for s in self.schemes if src and s.source == src]

    def render(self, text: str, person: Person) -> list[tuple[str, str]]:
        """`text` (in the person's native script) in every applicable scheme: (form, scheme id)."""
        key = (text, source_of(person))
        cached = self._render_cache.get(key)
        if cached is None:
            if len(self._render_cache) >= 500_000:  # a table of hundreds of thousands of names: start over
                self._render_cache.clear()
            cached = self._render_cache[key] = self._render(text, person)
        return cached

    def _render(self, text: str, person: Person) -> list[tuple[str, str]]:
        out = []
        for scheme in self._schemes_for(person):
            form = scheme.transliterate(text)
            out.append((form, scheme.id))
            if scheme.target == "sh-Latn" and "sr-latn-cyrl" in self.schemes and scheme.id != "sr-latn-cyrl":
                out.append((self.schemes["sr-latn-cyrl"].transliterate(form), f"{scheme.id}+sr-latn-cyrl"))
        return out

    def name_parts(self, person: Person) -> list[NamePart]:
        """Every word of the name in every spelling, with its role and provenance."""
        parts: list[NamePart] = []
        pid = person.id

        def add(role: str, text: str, source: str, kind: str = "spelling") -> None:
            if not text:
                return
            parts.append(NamePart(pid, role, text, source, kind))
            if source in ("native",) or source.startswith(("seed", "convention", "user", "table")):
                for form, sid in self.render(text, person):
                    parts.append(NamePart(pid, role, form, f"scheme:{sid}", kind))

        add("family", person.family, "native")
        for g in person.given_names:
            add("given", g, "native")
        add("patronymic", person.patronymic, "native")
        for lang, exo in person.exonyms.items():
            parts.append(NamePart(pid, "full", exo, f"convention:{lang}", "exonym"))
        for v in person.variants:
            role = "pseudonym" if v.kind in ("pseudonym", "by-name") else "full"
            src = v.source or "table"
            parts.append(NamePart(pid, role, v.form, src, v.kind))
            if v.kind != "ocr" and source_of(person) and _same_script(v.form, person.native):
                for form, sid in self.render(v.form, person):
                    parts.append(NamePart(pid, role, form, f"{src}+scheme:{sid}", v.kind))
        return parts

    def full_forms(self, person: Person) -> list[Variant]:
        """All known and derivable spellings of the whole name, each with its provenance."""
        seen: set[str] = set()
        out: list[Variant] = []

        def add(form: str, kind: str, source: str) -> None:
            form = " ".join(form.split())
            if form and form not in seen:
                seen.add(form)
                out.append(Variant(form, kind, source))

        add(person.native, "native", "table")
        western = self.western_order(person)
        add(western, "native", "table:given-family")
        for form, sid in self.render(western, person):
            add(form, "spelling", f"scheme:{sid}")
        short = " ".join(x for x in (person.given, person.family) if x)
        if short != western:
            for form, sid in self.render(short, person):
                add(form, "spelling", f"scheme:{sid}")
        for lang, exo in person.exonyms.items():
            add(exo, "exonym", f"convention:{lang}")
        for v in person.variants:
            add(v.form, v.kind, v.source or "table")
        for form, sid in self.render(person.family, person):
            add(form, "spelling", f"scheme:{sid} (family name)")
        add(unidecode(western), "spelling", "ascii")
        return out

    def western_order(self, person: Person) -> str:
        words = [person.given, person.patronymic, person.family]
        return " ".join(w for w in words if w)

    def canonical(self, person: Person, style: str = "en") -> str:
        """The display form of a person in a house style (exonyms kept where established)."""
        key = (person.id, style)  # emptied whenever refresh() changes the persons
        form = self._canonical_cache.get(key)
        if form is None:
            form = self._canonical_cache[key] = self._canonical(person, style)
        return form

    def _canonical(self, person: Person, style: str) -> str:
        if style not in STYLES:
            raise NotFoundError(f"unknown style {style!r}; styles: {', '.join(STYLES)}")
        if style == "native":
            return person.native
        if style == "ascii":
            return unidecode(self.canonical(person, "en"))
        if style in person.exonyms:
            return person.exonyms[style]
        src = source_of(person)
        short = " ".join(w for w in (person.given, person.family) if w) or person.native
        if src != "ru-Cyrl" and person.order != "family-given" and person.family in person.native:
            # a Latin-script name in given-family order is its own house form, by-names included
            # (Josip Broz Tito, Svetozar Vukmanović-Tempo), also where it is transliterated
            short = person.native
        if src == "ru-Cyrl":
            if style == "ru":
                return short
            if style == "en-bgn" and "en" in person.exonyms:
                return person.exonyms["en"]
            scheme_id = STYLE_SCHEMES[src].get(style, "ru-alalc-plain")
            return self.schemes[scheme_id].transliterate(short)
        if src in STYLE_SCHEMES and style in STYLE_SCHEMES[src]:
            return self.schemes[STYLE_SCHEMES[src][style]].transliterate(short)
        if style == "hu" and person.lang == "hu":
            return person.native
        if style == "en" or person.order == "family-given":
            return person.exonyms.get("en", short)
        return short


def _same_script(a: str, b: str) -> bool:
    return is_cyrillic(a) == is_cyrillic(b)
