"""lobid-gnd JSON (https://lobid.org/gnd): persons of the GND, one record, an array, JSON Lines or a search
result ("member"); undifferentiated names (Tn, type UndifferentiatedPerson) are skipped."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .records import Record, RecordError, clean, invert_heading
from .stream import open_stream
from .wikidata import _JSONError, _loads

# sameAs collections -> the authority of their ids
SAME_AS = (
    (re.compile(r"wikidata\.org/entity/(Q[0-9]+)"), "wikidata"),
    (re.compile(r"viaf\.org/viaf/([0-9]+)"), "viaf"),
    (re.compile(r"id\.loc\.gov/authorities/names/(n[a-z]?[0-9]+)"), "lcnaf"),
    (re.compile(r"isni\.org/isni/([0-9X]{16})"), "isni"),
)
GENDER = {"male": "m", "female": "f"}
_YEAR = re.compile(r"^(-?[0-9]{1,4})")


def read_gnd(path: str, skipped: dict, on_bytes=None) -> Iterator[Record | RecordError]:
    with open_stream(path, on_bytes) as stream:
        first = stream.readline()
        try:
            doc = _loads(first)
            lines = isinstance(doc, dict) and ("gndIdentifier" in doc or "type" in doc)
        except _JSONError:
            lines = False
        if lines:  # JSON Lines, the bulk format
            n, line = 1, first
            while line:
                if line.strip():
                    try:
                        yield from _record(_loads(line), f"line {n}", skipped)
                    except _JSONError as exc:
                        m = re.search(rb'"gndIdentifier"\s*:\s*"([^"]+)"', line)
                        yield RecordError(f"line {n}", m.group(1).decode() if m else None, f"not valid JSON: {exc}")
                line = stream.readline()
                n += 1
            return
        try:
            doc = _loads(first + stream.read())
        except _JSONError as exc:
            yield RecordError(path, None, f"not valid JSON: {exc}")
            return
    items = doc.get("member", [doc]) if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        yield RecordError(path, None, "neither a lobid-gnd record, an array of them nor a search result")
        return
    for n, item in enumerate(items, 1):
        yield from _record(item, f"record {n}", skipped)


def _record(d, pos: str, skipped: dict) -> Iterator[Record | RecordError]:
    if not isinstance(d, dict) or not d.get("gndIdentifier"):
        yield RecordError(pos, None, "a lobid-gnd record needs a gndIdentifier")
        return
    gid = str(d["gndIdentifier"])
    types = set(d.get("type", []))
    if "UndifferentiatedPerson" in types:
        skipped["undifferentiated names (Tn)"] = skipped.get("undifferentiated names (Tn)", 0) + 1
        return
    if "Person" not in types and "DifferentiatedPerson" not in types:
        skipped["records not of a person"] = skipped.get("records not of a person", 0) + 1
        return
    if not isinstance(d.get("preferredName"), str) or not d["preferredName"].strip():
        yield RecordError(pos, gid, "no preferredName")
        return
    r = Record("gnd", gid, pos)
    r.add_id("gnd", gid)
    for same in d.get("sameAs", []):
        url = same.get("id", "") if isinstance(same, dict) else str(same)
        for pattern, auth in SAME_AS:
            m = pattern.search(url)
            if m:
                r.add_id(auth, m.group(1))
    pref = d.get("preferredNameEntityForThePerson") or {}
    if isinstance(pref, list):
        pref = pref[0] if pref else {}
    family, given = _entity_name(pref) if pref else invert_heading(_no_dates(d["preferredName"]))
    r.family, r.given = family, given
    r.native = " ".join(w for w in (given, family) if w) or clean(d["preferredName"])
    r.order = "given-family"
    r.born = _year(d.get("dateOfBirth"))
    r.died = _year(d.get("dateOfDeath"))
    r.gender = next((GENDER[g.get("id", "").rsplit("#", 1)[-1]] for g in d.get("gender", [])
                     if isinstance(g, dict) and g.get("id", "").rsplit("#", 1)[-1] in GENDER), "")
    info = d.get("biographicalOrHistoricalInformation") or []
    r.description = clean(info[0]) if info else ""
    for ent in d.get("variantNameEntityForThePerson", []):
        fam, giv = _entity_name(ent)
        r.add_variant(" ".join(w for w in (giv, fam) if w), "variantNameEntityForThePerson")
    for name in d.get("variantName", []):
        fam, giv = invert_heading(_no_dates(name))
        r.add_variant(" ".join(w for w in (giv, fam) if w), "variantName")
    yield r


def _entity_name(ent: dict) -> tuple[str, str]:
    """(family, given) of a name entity: surname with its prefix ("von"), forename; or a personal name."""
    first = lambda k: clean((ent.get(k) or [""])[0])  # noqa: E731
    if first("surname"):
        prefix = first("prefix")
        return first("surname"), " ".join(w for w in (first("forename"), prefix) if w)
    return first("personalName") or first("forename"), ""


def _no_dates(name: str) -> str:
    return re.sub(r",?\s*\d{3,4}-(\d{3,4})?$", "", name)


def _year(values) -> int | None:
    for v in values or []:
        m = _YEAR.match(str(v).strip())
        if m:
            return int(m.group(1))
    return None
