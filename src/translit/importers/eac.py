"""EAC-CPF: import (the 2010 schema and EAC-CPF 2.0) and export (2010: @xml:lang, @scriptCode,
@transliteration = the scheme id; parallel names; maintenanceHistory from the audit trail)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ..fold import is_cyrillic
from .gnd import SAME_AS
from .records import Record, RecordError, clean

NS = "urn:isbn:1-931666-33-4"  # EAC-CPF 2010
NS2 = "https://archivists.org/ns/eac/v2"  # EAC-CPF 2.0
XLINK = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANG3 = {"hun": "hu", "rus": "ru", "srp": "sr", "hrv": "hr", "bos": "bs", "slv": "sl", "mac": "mk", "mkd": "mk",
         "ukr": "uk", "bel": "be", "pol": "pl", "ces": "cs", "cze": "cs", "slk": "sk", "slo": "sk", "deu": "de",
         "ger": "de", "fra": "fr", "fre": "fr", "eng": "en"}
PART_ROLES = {"family": "family", "surname": "family", "familyname": "family", "given": "given",
              "forename": "given", "firstname": "given", "givenname": "given", "patronymic": "patronymic"}
ID_URI = dict(SAME_AS)
ID_URI_OUT = {"wikidata": "http://www.wikidata.org/entity/{}", "viaf": "http://viaf.org/viaf/{}",
              "gnd": "https://d-nb.info/gnd/{}", "lcnaf": "http://id.loc.gov/authorities/names/{}",
              "isni": "https://isni.org/isni/{}"}
_GND_URI = re.compile(r"d-nb\.info/gnd/([0-9X-]+)")


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _kids(el, name: str):
    return [c for c in el if _local(c) == name]


def _find(el, *path):
    for name in path:
        found = _kids(el, name) if el is not None else []
        el = found[0] if found else None
    return el


def _text(el) -> str:
    return clean("".join(el.itertext())) if el is not None else ""


# -- import -------------------------------------------------------------------------------------

def read_eac(path: str, skipped: dict, on_bytes=None) -> Iterator[Record | RecordError]:
    """Every eac-cpf (2010) or eac (2.0) document in a file (at any depth) or in the .xml files of a directory."""
    p = Path(path)
    files = sorted(p.glob("*.xml")) if p.is_dir() else [p]
    done = 0
    for f in files:
        with open(f, "rb") as fh:
            yield from _documents(fh, f.name, skipped)
        done += f.stat().st_size
        if on_bytes:
            on_bytes(done)


def _documents(fh, name: str, skipped: dict) -> Iterator[Record | RecordError]:
    n = 0
    try:
        for _, el in etree.iterparse(fh, events=("end",), tag=(f"{{{NS}}}eac-cpf", f"{{{NS2}}}eac")):
            n += 1
            pos = f"{name} record {n}"
            try:
                record = _eac_record(el, pos, skipped)
            except (ValueError, KeyError) as exc:
                yield RecordError(pos, _text(_find(el, "control", "recordId")) or None, str(exc))
                record = None
            el.clear()
            if record is not None:
                yield record
    except etree.XMLSyntaxError as exc:
        yield RecordError(f"{name} record {n + 1}", None, f"not well-formed XML: {exc}")


def _eac_record(el, pos: str, skipped: dict) -> Record | None:
    control = _find(el, "control")
    rid = _text(_find(control, "recordId"))
    if not rid:
        raise ValueError("no control/recordId")
    desc = _find(el, "cpfDescription")
    if desc is None:
        desc = _find(el, "multipleIdentities", "cpfDescription")
    identity = _find(desc, "identity")
    if identity is None:
        raise ValueError("no cpfDescription/identity")
    etype = _find(identity, "entityType")
    if etype is None or (etype.get("value") or _text(etype)) != "person":
        skipped["records not of a person"] = skipped.get("records not of a person", 0) + 1
        return None
    status = control.get("maintenanceStatus") or _text(_find(control, "maintenanceStatus"))
    if status in ("deleted", "deletedReplaced", "deletedSplit", "cancelled"):
        return Record("eac-cpf", rid, pos, status="deleted")
    conventions = {c.get("id") or c.get("{http://www.w3.org/XML/1998/namespace}id"): _text(_find(c, "shortCode"))
                   for c in _kids(control, "conventionDeclaration")}
    r = Record("eac-cpf", rid, pos)
    for ident in _kids(identity, "entityId") + _kids(identity, "identityId") + _kids(control, "otherRecordId"):
        value = _text(ident)
        kind = (ident.get("localType") or "").lower()
        if kind in ID_URI_OUT:
            r.add_id(kind, value.rstrip("/").rsplit("/", 1)[-1])
        for pattern, auth in (*SAME_AS, (_GND_URI, "gnd")):
            m = pattern.search(value)
            if m:
                r.add_id(auth, m.group(1))
    entries = []  # (entry, authorized?)
    for child in identity:
        name = _local(child)
        if name == "nameEntry":
            entries.append(child)
        elif name in ("nameEntryParallel", "nameEntrySet"):
            entries.extend(_kids(child, "nameEntry"))
    if not entries:
        raise ValueError("no nameEntry")
    main = next((e for e in entries if _kids(e, "authorizedForm") or e.get("preferredForm") == "true"
                 or e.get("status") == "authorized"), entries[0])
    parts = _parts(main)
    r.native = " ".join(form for _, form in parts)
    roles = {role: form for role, form in parts if role}
    r.family, r.given, r.patronymic = roles.get("family", ""), roles.get("given", ""), roles.get("patronymic", "")
    lang = main.get(XML_LANG) or main.get("languageOfElement") or ""
    r.lang = LANG3.get(lang, lang)
    if r.family and parts and parts[0][0] == "family" and len(parts) > 1:
        r.order = "family-given"
    for e in entries:
        if e is main:
            continue
        form = " ".join(f for _, f in _parts(e))
        scheme = e.get("transliteration") or conventions.get(e.get("conventionDeclarationReference"), "")
        lg = e.get(XML_LANG) or e.get("languageOfElement") or ""
        where = f"nameEntry@{lg}" if lg else "nameEntry"
        r.add_variant(form, where + (f"+scheme:{scheme}" if scheme and re.match(r"^[a-z0-9-]+$", scheme) else ""))
    dates = _find(desc, "description", "existDates")
    if dates is not None:
        for tag, attr in (("fromDate", "born"), ("toDate", "died")):
            d = next(iter(dates.iter(f"{{{NS}}}{tag}", f"{{{NS2}}}{tag}")), None)
            if d is not None:
                m = re.match(r"^(-?\d{1,4})", d.get("standardDate") or _text(d))
                setattr(r, attr, int(m.group(1)) if m else None)
    bio = _find(desc, "description", "biogHist")
    r.description = _text(bio)[:500] if bio is not None else ""
    return r


def _parts(entry) -> list[tuple[str, str]]:
    out = []
    for p in _kids(entry, "part"):
        role = PART_ROLES.get((p.get("localType") or "").lower(), "")
        text = _text(p)
        if text:
            out.append((role, text))
    return out


# -- export -------------------------------------------------------------------------------------

def eac_document(person, authority, history: list[dict]) -> bytes:
    """One EAC-CPF (2010) document for a person."""
    E = lambda tag, text=None, **attrs: _el(tag, text, attrs)  # noqa: E731
    root = etree.Element(f"{{{NS}}}eac-cpf", nsmap={None: NS, "xlink": XLINK})
    control = etree.SubElement(root, f"{{{NS}}}control")
    control.append(E("recordId", f"translit:{person.id}"))
    for auth, value in sorted(person.ids.items()):
        control.append(E("otherRecordId", value, localType=auth))
    control.append(E("maintenanceStatus", "revised" if history else "new"))
    agency = E("maintenanceAgency")
    agency.append(E("agencyName", "translit"))
    control.append(agency)
    parallel = authority.render(authority.western_order(person), person)
    schemes = sorted({sid for _, sid in parallel} | {_scheme_of(v.source) for v in person.variants} - {""})
    for sid in schemes:
        conv = E("conventionDeclaration")
        conv.append(E("abbreviation", sid))
        name = authority.schemes[sid.split("+")[0]].info()["name"] if sid.split("+")[0] in authority.schemes else sid
        conv.append(E("citation", name))
        control.append(conv)
    hist = E("maintenanceHistory")
    events = list(reversed(history)) or [{"at": None, "who": "translit", "action": "shipped tables"}]
    for h in events:
        ev = E("maintenanceEvent")
        etype = "created" if h is events[0] else ("deleted" if h["action"] == "delete" else "revised")
        ev.append(E("eventType", etype))
        when = dt.datetime.fromtimestamp(h["at"], dt.UTC) if h["at"] else dt.datetime.now(dt.UTC)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
        ev.append(E("eventDateTime", stamp, standardDateTime=stamp))
        who = h["who"] or "unknown"
        ev.append(E("agentType", "machine" if who.startswith(("import:", "translit")) else "human"))
        ev.append(E("agent", who))
        ev.append(E("eventDescription", h["action"]))
        hist.append(ev)
    control.append(hist)
    if person.ids:
        sources = E("sources")
        for auth, value in sorted(person.ids.items()):
            src = E("source")
            src.set(f"{{{XLINK}}}href", ID_URI_OUT[auth].format(value))
            src.set(f"{{{XLINK}}}type", "simple")
            src.append(E("sourceEntry", f"{auth} {value}"))
            sources.append(src)
        control.append(sources)
    desc = etree.SubElement(root, f"{{{NS}}}cpfDescription")
    identity = etree.SubElement(desc, f"{{{NS}}}identity")
    for auth, value in sorted(person.ids.items()):
        identity.append(E("entityId", ID_URI_OUT[auth].format(value)))
    identity.append(E("entityType", "person"))
    group = E("nameEntryParallel") if parallel else identity
    main = _name_entry(E, person, person.native, person.lang, "")
    main.append(E("authorizedForm", "translit"))
    group.append(main)
    seen = {person.native}
    for form, sid in parallel:
        if form not in seen:
            seen.add(form)
            group.append(_name_entry(E, person, form, person.lang, sid, whole=True))
    if group is not identity:
        identity.append(group)
    for v in person.variants:
        if v.form not in seen:
            seen.add(v.form)
            entry = _name_entry(E, person, v.form, "", _scheme_of(v.source), whole=True)
            entry.append(E("alternativeForm", v.source or "translit"))
            identity.append(entry)
    description = etree.SubElement(desc, f"{{{NS}}}description")
    if person.born is not None or person.died is not None:
        dates = E("existDates")
        rng = E("dateRange")
        if person.born is not None:
            rng.append(E("fromDate", str(person.born), standardDate=f"{person.born:04d}"))
        if person.died is not None:
            rng.append(E("toDate", str(person.died), standardDate=f"{person.died:04d}"))
        dates.append(rng)
        description.append(dates)
    if person.description:
        bio = E("biogHist")
        bio.append(E("p", person.description))
        description.append(bio)
    if not len(description):
        desc.remove(description)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _el(tag: str, text, attrs: dict):
    el = etree.Element(f"{{{NS}}}{tag}")
    if text is not None:
        el.text = text
    for k, v in attrs.items():
        el.set(k, v)
    return el


def _name_entry(E, person, form: str, lang: str, scheme: str, whole: bool = False):
    attrs = {"scriptCode": "Cyrl" if is_cyrillic(form) else "Latn"}
    if scheme:
        attrs["transliteration"] = scheme
    entry = E("nameEntry", **attrs)
    if lang:
        entry.set(XML_LANG, lang)
    words = [("family", person.family), ("given", person.given), ("patronymic", person.patronymic)]
    if person.order != "family-given":
        words = [words[1], words[2], words[0]]
    words = [(role, text) for role, text in words if text]
    if whole or form != person.native or " ".join(t for _, t in words) != form:
        entry.append(E("part", form))  # a form the parts do not spell (by-names, variants): one part
        return entry
    for role, text in words:
        entry.append(E("part", text, localType=role))
    return entry


def _scheme_of(source: str) -> str:
    m = re.search(r"scheme:([a-z0-9+-]+)", source or "")
    return m.group(1) if m else ""
