"""MARC 21 authority records (binary, MARC-8 or UTF-8, and MARCXML) read with pymarc: personal names only."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pymarc

from .records import Record, RecordError, clean, invert_heading
from .stream import open_stream

MARCXML = "{http://www.loc.gov/MARC21/slim}"
# 377 $a (MARC language codes) -> the project's languages
LANGS = {"hun": "hu", "rus": "ru", "srp": "sr", "hrv": "hr", "scr": "hr", "scc": "sr", "bos": "bs", "slv": "sl",
         "mac": "mk", "ukr": "uk", "bel": "be", "pol": "pl", "cze": "cs", "slo": "sk", "ger": "de", "fre": "fr",
         "eng": "en"}
SOURCES = {"wikidata": "wikidata", "viaf": "viaf", "gnd": "gnd", "isni": "isni", "lcnaf": "lcnaf", "naf": "lcnaf"}
_YEAR = re.compile(r"(-?\d{3,4})")
_DATES = re.compile(r"^(?:(?:b\.|born)\s*)?(?:ca\.\s*)?(\d{3,4})?\s*-?\s*(?:(?:d\.|died)\s*)?(?:ca\.\s*)?(\d{3,4})?")


def read_marc(path: str, skipped: dict, on_bytes=None) -> Iterator[Record | RecordError]:
    """Records of a binary MARC file or a MARCXML file (by its first byte)."""
    with open_stream(path, on_bytes) as stream:
        if stream.peek_text().startswith("<"):
            yield from _xml(stream, skipped)
            return
        reader = pymarc.MARCReader(stream.inner, to_unicode=True, permissive=True, utf8_handling="strict")
        for n, rec in enumerate(reader, 1):
            pos = f"record {n}"
            if rec is None:
                chunk = reader.current_chunk or b""
                m = re.search(rb"\x1e([^\x1e\x1d]{1,40})\x1e", chunk)
                yield RecordError(pos, m.group(1).decode("latin-1") if m else None,
                                  f"not a MARC 21 record ({reader.current_exception})")
                continue
            yield from _mapped(rec, pos, skipped)
        if on_bytes:
            on_bytes(stream.raw.tell())


def _xml(stream, skipped) -> Iterator[Record | RecordError]:
    from lxml import etree

    n = 0
    try:
        for _, el in etree.iterparse(stream.inner, events=("end",), tag=(f"{MARCXML}record", "record")):
            n += 1
            rec = pymarc.Record()
            for child in el:
                tag = etree.QName(child).localname
                if tag == "leader":
                    rec.leader = pymarc.Leader((child.text or "").ljust(24))
                elif tag == "controlfield":
                    rec.add_field(pymarc.Field(tag=child.get("tag"), data=child.text or ""))
                elif tag == "datafield":
                    subs = [pymarc.Subfield(s.get("code"), s.text or "") for s in child]
                    rec.add_field(pymarc.Field(tag=child.get("tag"), subfields=subs,
                                               indicators=pymarc.Indicators(child.get("ind1", " "),
                                                                            child.get("ind2", " "))))
            el.clear()
            yield from _mapped(rec, f"record {n}", skipped)
    except etree.XMLSyntaxError as exc:
        yield RecordError(f"record {n + 1}", None, f"not well-formed MARCXML: {exc}")


def _skip(skipped: dict, why: str) -> None:
    skipped[why] = skipped.get(why, 0) + 1


def _mapped(rec: pymarc.Record, pos: str, skipped: dict) -> Iterator[Record | RecordError]:
    cn = rec.get("001")
    lccn = rec.get("010")
    rid = (cn.data.strip() if cn is not None else "") or (lccn.get("a", "").replace(" ", "") if lccn else "")
    if not rid:
        yield RecordError(pos, None, "no control number (001) or LCCN (010)")
        return
    status = str(rec.leader)[5] if len(str(rec.leader)) > 5 else "n"
    if status in "dsx":  # deleted, deleted as split, deleted as replaced
        yield _deleted(rec, rid, pos, status, lccn)
        return
    heading = rec.get("100")
    if heading is None:
        _skip(skipped, "records not of a personal name")
        return
    f008 = rec.get("008")
    if f008 is not None and len(f008.data) > 32 and f008.data[32] == "b":
        _skip(skipped, "undifferentiated personal names")
        return
    r = Record("marc", rid, pos)
    if lccn is not None:
        r.add_id("lcnaf", lccn.get("a", ""))
        r.replaces = [z.replace(" ", "") for z in lccn.get_subfields("z")]
    for f in rec.get_fields("024"):
        source = SOURCES.get((f.get("2") or "").strip().lower())
        value = (f.get("a") or f.get("1") or "").strip().rstrip("/").rsplit("/", 1)[-1]
        if source:
            r.add_id(source, value)
    lang = next((LANGS[c] for f in rec.get_fields("377") for c in f.get_subfields("a") if c in LANGS), "")
    r.lang = lang or ""
    family, given = _name(heading)
    r.order = "family-given" if lang == "hu" else "given-family"
    r.family, r.given = family, given
    r.native = _display(family, given, r.order)
    r.born, r.died = _dates(rec, heading)
    notes = []
    for f in rec.get_fields("670"):
        cite = clean(f.get("a") or "")
        if cite:
            b = clean(f.get("b") or "")
            if b and not (b.startswith("(") and b.endswith(")")):
                b = f"({b})"
            notes.append(f"{cite} {b}".strip())
    if notes:
        r.description = "Sources (MARC 670): " + "; ".join(notes)
    cite = f" (670: {notes[0]})" if notes else ""
    for f in rec.get_fields("400"):
        fam, giv = _name(f)
        r.add_variant(_display(fam, giv, r.order), f"400{cite}"[:200])
    yield r


def _deleted(rec: pymarc.Record, rid: str, pos: str, status: str, lccn) -> Record:
    """A deleted record: its 682 (deleted heading information) explains it; one replacement named in 682 $0
    (leader/05 `x`, or `d` for a duplicate) makes it a redirect to that LCCN; a split (`s`) or a deletion
    without one replacement is reported."""
    r = Record("marc", rid, pos, status="deleted")
    if lccn is not None:
        r.add_id("lcnaf", lccn.get("a", ""))
    notes, targets = [], []
    for f in rec.get_fields("682"):
        notes.append(clean(" ".join(sf.value.strip() for sf in f.subfields if sf.code in ("i", "a"))))
        for z in f.get_subfields("0"):
            value = re.sub(r"^\([^)]*\)", "", z.strip()).rstrip("/").rsplit("/", 1)[-1].replace(" ", "")
            probe = Record("marc", rid)
            probe.add_id("lcnaf", value)
            if probe.ids:
                targets.append(probe.ids["lcnaf"])
    r.description = "; ".join(n for n in notes if n)
    if status in "dx" and len(set(targets)) == 1 and targets[0] != r.ids.get("lcnaf"):
        r.status, r.redirect_to = "redirect", targets[0]
    return r


def _name(f: pymarc.Field) -> tuple[str, str]:
    """(family, given) of a 100/400: ind1 1 = surname first ("Nagy, Ferenc,"), 0 = forename, 3 = family."""
    a = clean(f.get("a") or "")
    if a.endswith(".") and len(a.rsplit(" ", 1)[-1]) > 2:  # ISBD's closing full stop, not an initial's
        a = a[:-1]
    if f.indicators[0] == "1":
        family, given = invert_heading(a)
        q = clean(f.get("q") or "").strip("()")
        if q and given and q.startswith(given.rstrip(".")):
            given = q  # fuller form of the given names: "Hebrang, A. (Andrija)"
        return family, given
    return a, ""


def _display(family: str, given: str, order: str) -> str:
    words = [family, given] if order == "family-given" else [given, family]
    return " ".join(w for w in words if w)


def _dates(rec: pymarc.Record, heading: pymarc.Field) -> tuple[int | None, int | None]:
    born = died = None
    for f in rec.get_fields("046"):
        for code, target in (("f", "born"), ("g", "died")):
            m = _YEAR.match((f.get(code) or "").strip().lstrip("+"))
            if m and (born if target == "born" else died) is None:
                if target == "born":
                    born = int(m.group(1))
                else:
                    died = int(m.group(1))
    d = clean(heading.get("d") or "")
    m = _DATES.match(d)
    if m and d:
        if d.startswith(("d.", "died")):
            died = died if died is not None else int(m.group(2) or m.group(1))
        else:
            born = born if born is not None else (int(m.group(1)) if m.group(1) else None)
            died = died if died is not None else (int(m.group(2)) if m.group(2) else None)
    return born, died
