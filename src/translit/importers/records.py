"""The neutral import record every reader produces, and what turns it into a person."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

import orjson
from unidecode import unidecode

from ..authority import source_of
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

    def __reduce__(self):  # made in a worker process, raised in the importing one
        return RecordError, (self.position, self.record_id, self.reason)


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
    prepared: str = ""  # the digest, once `prepare` has completed the record
    finished: bool = False  # checked and tagged (`finish`)
    keys: list[str] = field(default_factory=list)  # name keys of its forms, the native one's first (writer)

    @property
    def tag(self) -> str:
        """The provenance prefix of this record's variants: "wikidata:Q35314"."""
        return f"{self.source}:{self.record_id}"

    def digest(self) -> str:
        """A hash of everything the record says: an unchanged record is skipped on re-import."""
        data = [self.source, self.record_id, self.native, self.lang, self.family, self.given, self.patronymic,
                self.order, self.gender, self.born, self.died, self.description,
                [(v.form, v.kind, v.source) for v in self.variants], sorted(self.ids.items()), self.citizenship,
                self.status, self.redirect_to, self.replaces]
        return hashlib.blake2b(orjson.dumps(data), digest_size=16).hexdigest()

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


def prepare(r: Record, authority, tag: bool = True, finish_it: bool = True) -> Record | RecordError:
    """Complete the record and hash what the source says (`prepared`), then (`finish`) check it, key it and
    tag its variants with schemes: the work before a record meets the database (done in a worker for dumps,
    which finishes only the records that changed since the last import); the writer adds the name keys."""
    try:
        if r.status == "ok":
            r.complete()
        r.prepared = r.digest()
    except RecordError as exc:
        return exc
    except ValueError as exc:
        return RecordError(r.position, r.record_id, str(exc))
    return finish(r, authority, tag) if finish_it else r


def finish(r: Record, authority, tag: bool = True) -> Record | RecordError:
    """Check that a prepared record makes a valid person and tag its variants' schemes (its name keys are
    the writer's: the reading process has the more work of the two)."""
    try:
        if r.status == "ok":
            person_from(r, "probe")
            if tag:
                tag_schemes(r, authority)
        r.finished = True
        return r
    except RecordError as exc:
        return exc
    except ValueError as exc:
        return RecordError(r.position, r.record_id, str(exc))


def uncached_fold(authority):
    """The folder's fold without its cache: a dump's names are seen once, and would only fill it."""
    return functools.partial(type(authority.folder).fold.__wrapped__, authority.folder)


def name_key(fold, form: str) -> str:
    """A name's words folded and sorted: "Nagy Ferenc" and "Ferenc Nagy" have one key."""
    return " ".join(sorted(fold(form).split()))


def name_keys(r: Record, fold) -> list[str]:
    """The name keys of a record's forms, its native form's first."""
    return list(dict.fromkeys(name_key(fold, f) for f in (r.native, *(v.form for v in r.variants))))


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


def person_of(record: Record, pid: str) -> Person:
    """`person_from` without its checks, for a record that `prepare` has checked already (the same Person)."""
    return Person(id=pid, native=record.native, lang=record.lang, family=record.family, given=record.given,
                  patronymic=record.patronymic, order=record.order, gender=record.gender, born=record.born,
                  died=record.died, description=record.description, confidence="probable",
                  variants=list(record.variants), ids=dict(record.ids), origin="store")


def tag_schemes(record: Record, authority) -> None:
    """Each romanized variant that a scheme makes from the native form gets `+scheme:ID` in its source.

    Word by word: a variant is the scheme's when each of its words is the scheme's spelling of a different
    word of the native form ("Nikita Khrushchev" of "Никита Сергеевич Хрущёв" by ru-alalc-plain). The words
    of names repeat (given names above all), so the renderings come from a cache: the import's own, of
    bounded size (`renderings`), not the authority's (a dump's one-off words would fill that one).
    """
    words = list(dict.fromkeys(record.native.split()))
    if not words or not record.variants:
        return
    probe = Person(id="probe", native=record.native, lang=record.lang or "und", family=record.family or words[-1])
    per_word: dict[str, dict[str, int]] = {}  # scheme -> spelling of a native word -> its position
    for i, w in enumerate(words):
        for form, sid in renderings(authority, w, probe):
            per_word.setdefault(sid, {}).setdefault(form, i)
    if not per_word:
        return
    tagged = []
    for v in record.variants:
        sid = None if "+scheme:" in v.source else _scheme_of(v.form, per_word)
        tagged.append(Variant(v.form, v.kind, f"{v.source}+scheme:{sid}") if sid else v)
    record.variants = tagged


_RENDERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # authority -> its import renderings
RENDER_CACHE = 20_000  # words: the names of a nation's persons repeat; the memory of an import stays flat


def renderings(authority, word: str, person: Person) -> list[tuple[str, str]]:
    """`authority.render(word, person)` through a least-recently-used cache of RENDER_CACHE words."""
    cache = _RENDERED.get(authority)
    if cache is None:
        cache = _RENDERED[authority] = OrderedDict()
    key = (word, source_of(person))
    got = cache.get(key)
    if got is None:
        got = cache[key] = authority._render(word, person)  # the uncached rendering of the same method
        if len(cache) > RENDER_CACHE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return got


def _scheme_of(form: str, per_word: dict[str, dict[str, int]]) -> str | None:
    parts = form.split()
    for sid, spelled in per_word.items():
        seen = set()
        for p in parts:
            i = spelled.get(p)
            if i is None or i in seen:
                break
            seen.add(i)
        else:
            return sid
    return None
