"""`translit export eac-cpf|marc|marcxml|csv|tables OUT`: every person of the authority, written atomically."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pymarc

from ..editing import atomic_write, export_tables
from ..errors import InputError
from ..model import ID_AUTHORITIES
from .eac import eac_document
from .marc import LANGS

CSV_COLUMNS = ("id", "form", "kind", "source", "native", "lang", "family", "given", "patronymic", "born", "died",
               *ID_AUTHORITIES)


def export(authority, store, fmt: str, out: Path, only_imported: bool = False) -> int:
    authority.refresh()
    persons = sorted((p for p in authority if p.ids or not only_imported), key=lambda p: p.id)
    if fmt == "tables":
        export_tables(authority, out)
        return len(authority)
    if fmt == "eac-cpf":
        # one EAC-CPF document per person (the schema has no collection element): OUT is a directory
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: EAC-CPF is written as one file per person into a directory")
        out.mkdir(parents=True, exist_ok=True)
        for p in persons:
            history = store.history(p.id, limit=200) if store is not None else []
            atomic_write(out / f"{p.id}.xml", eac_document(p, authority, history))
        return len(persons)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for p in persons:
            base = [p.native, p.lang, p.family, p.given, p.patronymic, p.born or "", p.died or "",
                    *(p.ids.get(a, "") for a in ID_AUTHORITIES)]
            w.writerow([p.id, p.native, "native", "table", *base])
            for v in p.variants:
                w.writerow([p.id, v.form, v.kind, v.source, *base])
        atomic_write(out, buf.getvalue().encode("utf-8"))
        return len(persons)
    records = [marc_record(p) for p in persons]
    if fmt == "marcxml" or out.suffix.lower() == ".xml":
        body = b"".join(pymarc.record_to_xml(r, namespace=False) + b"\n" for r in records)
        data = (b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
                + body + b"</collection>\n")
    else:
        data = b"".join(r.as_marc() for r in records)
    atomic_write(out, data)
    return len(persons)


def _heading(tag: str, family: str, given: str, dates: str) -> pymarc.Field:
    subs = [pymarc.Subfield("a", f"{family}, {given}," if given and dates else
                            f"{family}, {given}" if given else family + ("," if dates else ""))]
    if dates:
        subs.append(pymarc.Subfield("d", dates))
    return pymarc.Field(tag=tag, indicators=pymarc.Indicators("1" if given else "0", " "), subfields=subs)


def _invert(form: str, order: str) -> tuple[str, str]:
    words = form.split()
    if len(words) < 2:
        return form, ""
    if order == "family-given":
        return words[0], " ".join(words[1:])
    return words[-1], " ".join(words[:-1])


def marc_record(p) -> pymarc.Record:
    """A MARC 21 authority record: 100 inverted heading with $d, 400 see-from variants, 670 provenance,
    024 external ids, 046 dates."""
    rec = pymarc.Record(force_utf8=True, leader="     nz  a22     n  4500")
    rec.add_field(pymarc.Field(tag="001", data=p.id))
    rec.add_field(pymarc.Field(tag="003", data="translit"))
    f008 = "      n| azannaabn          |a aaa      "
    rec.add_field(pymarc.Field(tag="008", data=f008[:32] + "a" + f008[33:40].ljust(7)))
    if "lcnaf" in p.ids:
        v = p.ids["lcnaf"]
        prefix = v.rstrip("0123456789")
        rec.add_field(pymarc.Field(tag="010", indicators=pymarc.Indicators(" ", " "),
                                   subfields=[pymarc.Subfield("a", f"{prefix:<3}{v[len(prefix):]}")]))
    for auth, value in sorted(p.ids.items()):
        rec.add_field(pymarc.Field(tag="024", indicators=pymarc.Indicators("7", " "),
                                   subfields=[pymarc.Subfield("a", value), pymarc.Subfield("2", auth)]))
    if p.born is not None or p.died is not None:
        subs = [pymarc.Subfield("f", f"{p.born:04d}")] if p.born is not None else []
        subs += [pymarc.Subfield("g", f"{p.died:04d}")] if p.died is not None else []
        rec.add_field(pymarc.Field(tag="046", indicators=pymarc.Indicators(" ", " "),
                                   subfields=subs + [pymarc.Subfield("2", "edtf")]))
    dates = f"{p.born or ''}-{p.died or ''}" if p.born or p.died else ""
    given = " ".join(w for w in (p.given, p.patronymic) if w)
    rec.add_field(_heading("100", p.family, given, dates))
    code = next((c for c, lang in LANGS.items() if lang == p.lang), None)
    if code:
        rec.add_field(pymarc.Field(tag="377", indicators=pymarc.Indicators(" ", " "),
                                   subfields=[pymarc.Subfield("a", code)]))
    seen = {p.native}
    sources: dict[str, list[str]] = {}
    for v in p.variants:
        if v.form in seen:
            continue
        seen.add(v.form)
        fam, giv = _invert(v.form, p.order)
        rec.add_field(_heading("400", fam, giv, ""))
        sources.setdefault(v.source.split(" ", 1)[0] or "translit", []).append(v.form)
    for src, forms in sorted(sources.items()):
        rec.add_field(pymarc.Field(tag="670", indicators=pymarc.Indicators(" ", " "),
                                   subfields=[pymarc.Subfield("a", src),
                                              pymarc.Subfield("b", "(" + "; ".join(forms[:20]) + ")")]))
    return rec
