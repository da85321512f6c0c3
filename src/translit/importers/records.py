"""The neutral import record every reader produces, and what turns it into a person."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from unidecode import unidecode

from ..errors import InputError
from ..fold import is_cyrillic
from ..model import ID_AUTHORITIES, Person, Variant

# languages whose names are written family name first
FAMILY_FIRST = {"hu"}
_PATRONYMIC = re.compile(r"(?:ич|вна|ична|инична)$")
_SLUG = re.compile(r"[^a-z0-9]+")


class RecordError(InputError):
    """A record that cannot be imported: names its position in the file and its id."""

    def __init__(self, position: str, record_id: str | None, message: str):
        self.position = position
        self.record_id = record_id
        self.reason = message
        where = f"{position}" + (f" ({record_id})" if record_id else "")
        super().__init__(f"{where}: {message}")


@dataclass
class Record:
    """One authority record, read from any format, before it meets the database."""

    source: str  # wikidata | marc | gnd | eac-cpf
    record_id: str  # Q35314, the MARC 001, the GND id, the EAC recordId
    position: str = ""  # "line 12", "record 3": where a message points the user
    native: str = ""
    lang: str = ""
    family: str = ""
    given: str = ""
    patronymic: str = ""
    order: str = ""
    gender: str = ""
    born: int | None = None
    died: int | None = None
    description: str = ""
    variants: list[Variant] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    citizenship: list[str] = field(default_factory=list)
    status: str = "ok"  # ok | deleted | redirect
    redirect_to: str = ""  # the record id (same authority) a redirect points at
    replaces: list[str] = field(default_factory=list)  # cancelled ids of the same authority (MARC 010 $z)

    @property
    def tag(self) -> str:
        """The provenance prefix of this record's variants: "wikidata:Q35314"."""
        return f"{self.source}:{self.record_id}"

    def digest(self) -> str:
        """A hash of everything the record says: an unchanged record is skipped on re-import."""
        data = asdict(self)
        data.pop("position")
        blob = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.blake2b(blob.encode("utf-8"), digest_size=16).hexdigest()

    def add_variant(self, form: str, where: str, kind: str = "spelling") -> None:
        """A variant with provenance `source:id field@lang`; forms equal to the native one or seen are dropped."""
        form = clean(form)
        if not form or form == self.native or any(v.form == form for v in self.variants):
            return
        self.variants.append(Variant(form, kind, f"{self.tag} {where}"))

    def add_id(self, authority: str, value: str) -> None:
        value = (value or "").strip()
        if authority == "lcnaf":
            value = value.replace(" ", "")
        if authority in ID_AUTHORITIES and ID_AUTHORITIES[authority].match(value):
            self.ids.setdefault(authority, value)

    def complete(self) -> None:
        """Fill the fields a person needs from what the record has: split the name, pick lang and order."""
        if not self.native:
            labels = [v.form for v in self.variants]
            if not labels:
                raise RecordError(self.position, self.record_id, "no name in any wanted language")
            self.native = labels[0]
            self.variants = [v for v in self.variants if v.form != self.native]
        if not self.lang:
            self.lang = "ru" if is_cyrillic(self.native) else "und"
        if not self.order:
            self.order = "family-given" if self.lang in FAMILY_FIRST else "given-family"
        family, given, patronymic = split_name(self.native, self.order, self.family)
        self.family = family
        self.given = self.given if self.given and self.given in self.native else given
        self.patronymic = self.patronymic or patronymic


def clean(text: str) -> str:
    """NFC (MARC's decomposed diacritics composed), one space between words, no stray commas or dots."""
    text = unicodedata.normalize("NFC", " ".join((text or "").split()))
    return text.strip(" ,;:/")


def split_name(native: str, order: str, family_hint: str = "") -> tuple[str, str, str]:
    """(family, given, patronymic) of a full name in its order; a family name known to occur in it wins."""
    words = native.split()
    if not words:
        return "", "", ""
    if family_hint and family_hint in native:
        rest = " ".join(native.replace(family_hint, " ", 1).split())
        return family_hint, *_given_patronymic(rest)
    if order == "family-given":
        return words[0], " ".join(words[1:]), ""
    return words[-1], *_given_patronymic(" ".join(words[:-1]))


def _given_patronymic(rest: str) -> tuple[str, str]:
    words = rest.split()
    if len(words) >= 2 and is_cyrillic(words[-1]) and _PATRONYMIC.search(words[-1]):
        return " ".join(words[:-1]), words[-1]
    return rest, ""


def invert_heading(heading: str) -> tuple[str, str]:
    """'Nagy, Ferenc' -> ('Nagy', 'Ferenc'); a heading without a comma is one name."""
    heading = clean(heading)
    if "," in heading:
        family, given = heading.split(",", 1)
        return clean(family), clean(given)
    return heading, ""


def slug(person_like) -> str:
    """The id a new person gets: family then given name, ASCII, hyphenated ("nagy-ferenc")."""
    words = [person_like.family, *person_like.given.split()[:1]]
    text = _SLUG.sub("-", unidecode(" ".join(w for w in words if w)).lower()).strip("-")
    return text or "person"


def person_from(record: Record, pid: str) -> Person:
    """The person a record describes, checked by the model (a ValueError names the field)."""
    data = {
        "id": pid, "native": record.native, "lang": record.lang, "family": record.family,
        "given": record.given, "patronymic": record.patronymic, "order": record.order,
        "gender": record.gender, "born": record.born, "died": record.died,
        "description": record.description, "variants": [v.to_dict() for v in record.variants],
        "ids": dict(record.ids), "confidence": "probable",
    }
    return Person.from_dict({k: v for k, v in data.items() if v not in (None, "")}, origin="store")


def tag_schemes(record: Record, authority) -> None:
    """Each romanized variant that a scheme makes from the native form gets `+scheme:ID` in its source."""
    probe = person_from(record, "probe")
    forms: dict[str, str] = {}
    western = " ".join(w for w in (probe.given, probe.patronymic, probe.family) if w)
    short = " ".join(w for w in (probe.given, probe.family) if w)
    for text in dict.fromkeys((probe.native, western, short)):
        for form, sid in authority.render(text, probe):
            forms.setdefault(form, sid)
    if not forms:
        return
    tagged = []
    for v in record.variants:
        sid = forms.get(v.form)
        tagged.append(Variant(v.form, v.kind, f"{v.source}+scheme:{sid}") if sid and "+scheme:" not in v.source else v)
    record.variants = tagged
