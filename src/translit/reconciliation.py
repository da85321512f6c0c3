"""Reconciliation for OpenRefine (W3C Reconciliation Service API 0.2), without the web: candidates for a
query with its properties, whether one of them is certain, their matching features, and the property
values of persons for data extension.  `web/reconcile.py` speaks HTTP around it.

A wrong person is worse than no answer: `match` is set only when exactly one candidate is left and it is
certain (no namesake as likely, no bare common surname, no damaged reading, a score of CERTAIN or more), or
when the query's properties leave exactly one candidate that agrees with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial

from .authority import STYLES
from .errors import TranslitError
from .model import Person

CERTAIN = 0.90  # the least name score of a match set without the help of properties
TYPE = {"id": "person", "name": "Person"}
TYPE_ALIASES = {"person", "q5", "/people/person", "human"}  # Wikidata's human (Q5), Freebase's person

# A person's country, where the language of the native form tells it (Cold War states; Wikidata items).
# Persons in English, German, Italian or Arabic get none: their language does not tell their state.
COUNTRIES = {
    "Q28": ("Hungary", {"hu", "hun", "hungary", "magyarország", "magyarorszag", "hungarian people's republic"}),
    "Q15180": ("Soviet Union", {"su", "ussr", "urss", "sssr", "ссср", "soviet union", "sowjetunion",
                                "szovjetunió", "russia", "ru", "rus"}),
    "Q83286": ("Yugoslavia", {"yu", "yug", "yugoslavia", "jugoslavija", "југославија", "jugoszlávia",
                              "sfrj", "sfry", "fprj"}),
    "Q218": ("Romania", {"ro", "rou", "romania", "românia", "románia"}),
    "Q148": ("China", {"cn", "chn", "china", "prc", "people's republic of china"}),
    "Q668": ("India", {"in", "ind", "india"}),
    "Q36": ("Poland", {"pl", "pol", "poland", "polska"}),
    "Q33946": ("Czechoslovakia", {"cs", "csk", "czechoslovakia", "československo"}),
}
_LANG_COUNTRY = {"hu": "Q28", "ru": "Q15180", "be": "Q15180", "uk": "Q15180", "hy": "Q15180", "ka": "Q15180",
                 "az": "Q15180", "sr": "Q83286", "hr": "Q83286", "sl": "Q83286", "mk": "Q83286", "bs": "Q83286",
                 "sh": "Q83286", "ro": "Q218", "zh": "Q148", "hi": "Q668", "pl": "Q36", "cs": "Q33946",
                 "sk": "Q33946"}
_EXTERNAL = ("wikidata", "viaf", "gnd", "lcnaf")


class BadQuery(TranslitError):
    """A reconciliation request whose JSON is well formed but not what the protocol sends (HTTP 400)."""

    http_status = 400


@dataclass(frozen=True)
class Prop:
    id: str
    name: str
    kind: str  # str | int | id
    aliases: tuple[str, ...] = ()  # Wikidata property ids and other names a client may send
    description: str = ""


PROPERTIES = (
    Prop("native", "Native form", "str", ("P1559", "native name"), "the name in its own script and orthography"),
    Prop("canonical", "Canonical form (house style)", "str", ("canonical form",),
         "the name in the house style chosen in the setting 'style'"),
    Prop("born", "Birth year", "int", ("P569", "birth", "date of birth", "birth year", "year of birth")),
    Prop("died", "Death year", "int", ("P570", "death", "date of death", "death year", "year of death")),
    Prop("country", "Country (from the native language)", "str", ("P27", "citizenship", "country of citizenship"),
         "the Cold War state whose language the native form is in; empty when the language does not tell"),
    Prop("lang", "Language of the native form", "str", ("P103", "language")),
    Prop("description", "Description", "str", ("P2184", "note")),
    Prop("wikidata", "Wikidata item", "id", ("wikidata id", "qid")),
    Prop("viaf", "VIAF ID", "id", ("P214", "viaf id")),
    Prop("gnd", "GND ID", "id", ("P227", "gnd id")),
    Prop("lcnaf", "Library of Congress authority ID (LC NAF)", "id", ("P244", "lc naf", "lccn", "loc")),
    Prop("spellings", "Spellings (every known variant)", "str", ("variants", "aliases")),
)
BY_ID = {p.id: p for p in PROPERTIES}
_ALIAS = {a.casefold(): p.id for p in PROPERTIES for a in (p.id, p.name, *p.aliases)}
# what a query can be narrowed by (the rest are data extension only)
QUERYABLE = ("born", "died", "country", "lang", "native", "wikidata", "viaf", "gnd", "lcnaf")
SETTINGS = [{"name": "style", "label": "House style of the canonical form", "type": "select", "default": "en",
             "help_text": "The spelling the 'canonical' column is written in",
             "choices": [{"value": s, "name": s} for s in STYLES]}]


def property_id(name) -> str | None:
    """The property a client means by an id, a Wikidata property id or a name; None if unknown."""
    return _ALIAS.get(name.casefold()) if isinstance(name, str) else None


def country_of(person: Person) -> str | None:
    return _LANG_COUNTRY.get(person.lang)


def country_id(value: str) -> str | None:
    v = value.strip()
    if v.upper() in COUNTRIES:
        return v.upper()
    v = v.casefold()
    return next((qid for qid, (name, names) in COUNTRIES.items() if v == name.casefold() or v in names), None)


_YEAR = re.compile(r"^\s*[+]?(-?\d{1,4})(?:-\d\d(?:-\d\d)?(?:T[\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?)?\s*$")


def year_of(value) -> int | None:
    """A year from what OpenRefine sends for a cell: 1894, 1894.0, "1894", "1894-04-15T00:00:00Z"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        m = _YEAR.match(value)
        return int(m.group(1)) if m else None
    return None


def values_of(authority, person: Person, pid: str, style: str = "en") -> list:
    """A person's values of one property, as data-extension cells ({"str"}, {"int"})."""
    if pid in ("born", "died"):
        year = getattr(person, pid)
        return [] if year is None else [{"int": year}]
    if pid == "native":
        return [{"str": person.native}]
    if pid == "canonical":
        return [{"str": authority.canonical(person, style)}]
    if pid == "country":
        qid = country_of(person)
        return [] if qid is None else [{"str": COUNTRIES[qid][0]}]
    if pid in ("lang", "description"):
        value = getattr(person, pid)
        return [{"str": value}] if value else []
    if pid in _EXTERNAL:
        value = person.ids.get(pid)
        return [{"str": value}] if value else []
    if pid == "spellings":
        return [{"str": v.form} for v in authority.full_forms(person)]
    raise BadQuery(f"unknown property {pid!r}")


@dataclass
class Condition:
    """One property of a query: what it asks for, normalised, and how to test a person against it."""

    pid: str
    wanted: list  # years, country QIDs, folded texts or identifiers

    def test(self, authority, person: Person) -> bool | None:
        """True: the person agrees; False: they disagree; None: the table does not know."""
        if self.pid in ("born", "died"):
            have = getattr(person, self.pid)
            return None if have is None else have in self.wanted
        if self.pid == "country":
            have = country_of(person)
            return None if have is None else have in self.wanted
        if self.pid == "lang":
            return person.lang.casefold() in self.wanted
        if self.pid == "native":
            return authority.folder.fold(person.native) in self.wanted
        have = person.ids.get(self.pid)
        return None if not have else have.casefold() in self.wanted


def conditions(raw, fold) -> list[Condition]:
    """The query's `properties` ([{"pid" or "p": ..., "v": value, [values] or {"id", "name"}}]) as conditions.
    A structure that is not that is a BadQuery (400); a value that cannot be read (a year "unknown", a
    country we cannot place) is no evidence either way and is left out."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadQuery("'properties' must be a list of {\"pid\": ..., \"v\": ...}")
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or "v" not in item or not isinstance(item.get("pid", item.get("p")), str):
            raise BadQuery(f"properties[{i}]: needs a 'pid' (or 'p') string and a 'v'")
        name = item.get("pid", item.get("p"))
        pid = property_id(name)
        if pid is None:
            raise BadQuery(f"properties[{i}]: unknown property {name!r}; properties: {', '.join(QUERYABLE)}")
        if pid not in QUERYABLE:
            raise BadQuery(f"properties[{i}]: {pid!r} cannot narrow a query; these can: {', '.join(QUERYABLE)}")
        wanted = []
        for v in item["v"] if isinstance(item["v"], list) else [item["v"]]:
            if isinstance(v, dict):  # a reconciled cell: {"id": ..., "name": ...}
                v = v.get("id") or v.get("name")
            if pid in ("born", "died"):
                y = year_of(v)
                wanted += [] if y is None else [y]
            elif not isinstance(v, str | int) or isinstance(v, bool) or not str(v).strip():
                continue
            elif pid == "country":
                qid = country_id(str(v))
                wanted += [] if qid is None else [qid]
            elif pid == "native":
                wanted.append(fold(str(v)))
            else:
                wanted.append(str(v).strip().casefold())
        if wanted:
            out.append(Condition(pid, wanted))
    return out


@dataclass
class Candidate:
    person: Person
    name_score: float  # the lookup's score, 0..1
    features: list = field(default_factory=list)
    agree: int = 0
    unknown: int = 0
    match: bool = False
    why: str = ""

    @property
    def score(self) -> float:
        """0..100: the name score, lowered by a fifth of it for each property the table cannot confirm."""
        given = self.agree + self.unknown
        return round(100 * self.name_score * (1 - 0.2 * self.unknown / given if given else 1), 1)


def features_of(m) -> list[dict]:
    """What the match rests on, as W3C features (numbers or booleans): the name score and its parts, the
    scheme of each word read, inflection, damage (OCR, typing), the order of the name's parts."""
    feats = {"name_score": round(m.score, 4)}
    parts = m._why if isinstance(m._why, list) else [m._why]
    roles, inflected, damaged, cyrillic = [], False, False, False
    for r in parts:
        if isinstance(r, str):
            damaged |= "damaged or misspelled" in r
            continue
        args = r._why.args if isinstance(r._why, partial) else ()
        part, how = (args[1], args[2]) if len(args) == 3 else (None, "")
        how = how if isinstance(how, str) else ""
        if part is not None:
            roles.append(part.role)
            feats[f"word_{part.role}"] = round(max(r.score, feats.get(f"word_{part.role}", 0)), 4)
            src = part.source
            scheme = src.split("scheme:", 1)[1].split("+")[0].split(" ")[0] if "scheme:" in src else src.split(":")[0]
            feats[f"scheme_{scheme}"] = True
        damaged |= "damaged or misspelled" in how or "by sound" in how
        inflected |= how.endswith("removed")
        cyrillic |= "read from Cyrillic" in how
    feats.update(inflected=inflected, damaged=damaged, read_from_cyrillic=cyrillic,
                 bare_surname=bool(m.bare), given_name_matched="given" in m.roles,
                 family_first=bool(roles) and roles[0] in ("family", "pseudonym") and len(roles) > 1)
    return [{"id": k, "value": v} for k, v in feats.items()]


def reconcile(lookup, query: str, props: list[Condition], limit: int = 5) -> list[Candidate]:
    """Candidates for one query, best first; `match` on one of them at most."""
    decision = lookup.decider.decide(lookup.words(query))
    authority = lookup.authority
    cands = []
    for m in decision.candidates:
        c = Candidate(m.person, m.score, features_of(m))
        for cond in props:
            verdict = cond.test(authority, m.person)
            if verdict is False:
                break  # narrowing: a person the properties speak against is no candidate
            c.agree += verdict is True
            c.unknown += verdict is None
            c.features.append({"id": f"property_{cond.pid}", "value": bool(verdict)})
        else:
            cands.append(c)
    if not cands and props:
        cands = _by_identifier(authority, props)
    cands.sort(key=lambda c: (-c.agree, -c.score))  # stable: the lookup's order among equals
    damaged = {f["id"]: f["value"] for f in cands[0].features}.get("damaged") if cands else True
    if len(cands) == 1 and props and cands[0].agree and not cands[0].unknown:
        cands[0].match = cands[0].name_score >= lookup.threshold and not damaged
    elif len(cands) == 1 and not decision.needs_context and decision.best is not None:
        cands[0].match = cands[0].name_score >= CERTAIN and not damaged
    elif len(cands) > 1 and props and cands[0].agree > cands[1].agree and not cands[0].unknown:
        # the properties single one person out of namesakes the name alone cannot tell apart
        cands[0].match = cands[0].name_score >= CERTAIN and not damaged
    return cands[:limit]


def _by_identifier(authority, props: list[Condition]) -> list[Candidate]:
    """No name fits, but an external identifier was given: the person who carries it, if one does."""
    ids = [c for c in props if c.pid in _EXTERNAL]
    if not ids:
        return []
    found = [p for p in authority if all(c.test(authority, p) for c in ids)]
    out = []
    for p in found[:2]:
        c = Candidate(p, 1.0, [{"id": "name_score", "value": 0.0}], agree=len(ids))
        c.features += [{"id": f"property_{x.pid}", "value": True} for x in ids]
        out.append(c)
    if len(out) == 1:
        out[0].match = True
    return out


def extend(authority, ids: list[str], properties: list[dict]) -> dict:
    """The data-extension answer: `meta` in the order asked, `rows` for exactly the ids asked (a person not
    known: every property empty)."""
    cols = []
    for i, p in enumerate(properties):
        if not isinstance(p, dict) or not isinstance(p.get("id"), str):
            raise BadQuery(f"extend.properties[{i}]: needs an 'id' string")
        pid = property_id(p["id"])
        if pid is None:
            raise BadQuery(f"extend.properties[{i}]: unknown property {p['id']!r}; "
                             f"properties: {', '.join(BY_ID)}")
        settings = p.get("settings") or {}
        if not isinstance(settings, dict):
            raise BadQuery(f"extend.properties[{i}].settings must be an object")
        style = settings.get("style", "en")
        if style not in STYLES:
            raise BadQuery(f"extend.properties[{i}]: unknown style {style!r}; styles: {', '.join(STYLES)}")
        cols.append((p["id"], pid, style))
    rows = {}
    for pid_ in ids:
        if not isinstance(pid_, str):
            raise BadQuery("extend.ids must be a list of strings")
        person = authority.get(pid_)
        rows[pid_] = {asked: (values_of(authority, person, pid, style) if person else []) for asked, pid, style in cols}
    return {"meta": [{"id": asked, "name": BY_ID[pid].name} for asked, pid, _ in cols], "rows": rows}
