"""Wikidata: the JSON dump (streamed, .json/.gz/.bz2), Special:EntityData JSON and SPARQL JSON results.

The dump is one JSON array with one entity per line; it is read line by line (a 100 GB dump is never in
memory), and a line without "Q5" in it is not even parsed: a human's P31 always names Q5.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .records import Record, RecordError, clean
from .stream import open_stream

try:
    import orjson

    _loads = orjson.loads
    _JSONError: tuple = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover - orjson is a dependency; the standard parser answers the same
    _loads = json.loads
    _JSONError = (ValueError,)

WANTED = ("hu", "sr", "sr-ec", "sr-el", "sh", "hr", "bs", "sl", "mk", "ru", "uk", "be",
          "en", "de", "fr", "pl", "cs", "sk")
# language codes of Wikidata -> the project's (sr-ec is Serbian Cyrillic, sr-el Serbian Latin)
LANG = {"sr-ec": "sr", "sr-el": "sr"}
# country of citizenship (P27) -> the languages in which its citizens' names are written natively
CITIZENSHIP_LANGS = {
    "Q28": ("hu",), "Q15180": ("ru", "uk", "be"), "Q159": ("ru",), "Q34266": ("ru",),
    # Yugoslavs as the shipped tables write them: Latin script first (sr-el, hr, sh), Cyrillic (sr, mk) last
    "Q36704": ("sr-el", "hr", "sh", "bs", "sl", "sr", "mk"), "Q83286": ("sr-el", "hr", "sh", "bs", "sl", "sr", "mk"),
    "Q403": ("sr-el", "sh", "sr"), "Q224": ("hr",), "Q225": ("bs", "hr", "sr-el", "sr"), "Q215": ("sl",),
    "Q221": ("mk",), "Q236": ("sr-el", "sh", "sr"), "Q212": ("uk",), "Q184": ("be",), "Q36": ("pl",), "Q33946": ("cs", "sk"),
    "Q213": ("cs",), "Q214": ("sk",), "Q183": ("de",), "Q142": ("fr",), "Q30": ("en",), "Q145": ("en",),
}
NAME_ITEMS = {"Q101352", "Q202444", "Q12308941", "Q11879590", "Q3409032"}  # family name, given names
GENDER = {"Q6581097": "m", "Q6581072": "f"}
EXTERNAL = {"P214": "viaf", "P227": "gnd", "P244": "lcnaf", "P213": "isni"}
_ID = re.compile(rb'"id"\s*:\s*"(Q[0-9]+)"')
_NAME_MARKS = tuple(f'"{q}"'.encode() for q in NAME_ITEMS)


@dataclass
class Filters:
    """Which humans to keep: any of these citizenships (QIDs), alive at some time in [lived_from, lived_to]."""

    citizenship: set[str] = field(default_factory=set)
    lived_from: int | None = None
    lived_to: int | None = None

    def keep(self, r: Record) -> str | None:
        """None to keep the record, else why it is left out."""
        if self.citizenship and not self.citizenship & set(r.citizenship):
            return "of another citizenship"
        if self.lived_from is not None or self.lived_to is not None:
            lo = self.lived_from if self.lived_from is not None else -10_000
            hi = self.lived_to if self.lived_to is not None else 10_000
            if r.born is None and r.died is None:
                return "without life dates"
            born = r.born if r.born is not None else r.died - 100
            died = r.died if r.died is not None else born + 100
            if born > hi or died < lo:
                return "outside the life dates"
        return None


class WikidataReader:
    """Yields Records (and RecordErrors for bad lines) from a dump, EntityData or SPARQL file."""

    def __init__(self, path: str, filters: Filters | None = None, skipped: dict | None = None, on_bytes=None):
        self.path = path
        self.filters = filters or Filters()
        self.skipped = skipped if skipped is not None else {}
        self.on_bytes = on_bytes
        self.names: dict[str, dict[str, str]] = {}  # labels of family/given name items seen in the stream

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def __iter__(self) -> Iterator[Record | RecordError]:
        with open_stream(self.path, self.on_bytes) as stream:
            head = stream.peek_text()
            if head.startswith("["):
                yield from self._dump(stream)
                return
            first = stream.readline()
            try:
                doc = _loads(first)
                whole = isinstance(doc, dict) and "type" in doc and "id" in doc
            except _JSONError:
                whole = False
            if whole:  # one entity per line without the array
                yield from self._entity_line(first, 1, 0)
                yield from self._dump(stream, start=2, offset=len(first))
                return
            rest = first + stream.read()
            try:
                doc = _loads(rest)
            except _JSONError as exc:
                yield RecordError(f"{self.path}", None, f"not valid JSON: {exc}")
                return
            if isinstance(doc, dict) and "entities" in doc:
                yield from self._entity_data(doc)
            elif isinstance(doc, dict) and "results" in doc and "head" in doc:
                yield from sparql_records(doc, self)
            else:
                yield RecordError(self.path, None, "neither a Wikidata dump, Special:EntityData JSON nor SPARQL results")

    def _dump(self, stream, start: int = 1, offset: int = 0) -> Iterator[Record | RecordError]:
        n = start - 1
        for line in stream:
            n += 1
            size = len(line)
            yield from self._entity_line(line, n, offset)
            offset += size

    def _entity_line(self, line: bytes, n: int, offset: int) -> Iterator[Record | RecordError]:
        body = line.strip()
        if body.endswith(b","):
            body = body[:-1]
        if not body or body in (b"[", b"]"):
            return
        if b'"Q5"' not in body and not any(m in body for m in _NAME_MARKS) and body.endswith(b"}"):
            self.skip("entities not human")
            return
        pos = f"line {n} (byte {offset})"
        try:
            entity = _loads(body)
        except _JSONError as exc:
            m = _ID.search(body)
            yield RecordError(pos, m.group(1).decode() if m else None, f"not valid JSON: {exc}")
            return
        yield from self._entity(entity, pos)

    def _entity_data(self, doc: dict) -> Iterator[Record | RecordError]:
        for n, (key, entity) in enumerate(doc["entities"].items(), 1):
            pos = f"entity {n}"
            if not isinstance(entity, dict):
                yield RecordError(pos, key, "entity is not a JSON object")
                continue
            eid = entity.get("id", key)
            redirect = entity.get("redirects") or ({"from": key, "to": eid} if key != eid else None)
            if redirect:
                yield Record("wikidata", redirect["from"], pos, status="redirect", redirect_to=redirect["to"])
            if "missing" in entity:
                self.skip("missing entities")
                continue
            yield from self._entity(entity, pos)

    def _entity(self, e: dict, pos: str) -> Iterator[Record | RecordError]:
        try:
            record = entity_record(e, pos, self)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            yield RecordError(pos, e.get("id") if isinstance(e, dict) else None,
                              f"not a Wikibase entity as documented ({type(exc).__name__}: {exc})")
            return
        if self.wanted(record):
            yield record

    def wanted(self, r: Record | None) -> bool:
        """A record with a name that the filters keep (what is left out is counted)."""
        if r is None:
            return False
        if not pick_native(r):
            self.skip("humans without a name in a wanted language")
            return False
        why = self.filters.keep(r)
        if why:
            self.skip(f"humans {why}")
        return not why


def pick_native(r: Record) -> bool:
    """Without a native form, the first label in a wanted language is it; False when there is none."""
    if not r.native and r.variants:
        first = r.variants.pop(0)
        lang = first.source.rsplit("@", 1)[1]
        r.native, r.lang = first.form, LANG.get(lang, lang)
    return bool(r.native)


def statements(e: dict, prop: str) -> list[dict]:
    """The statements of a property, deprecated ones dropped, preferred ones first."""
    out = [s for s in e.get("claims", {}).get(prop, []) if s.get("rank") != "deprecated"]
    return sorted(out, key=lambda s: s.get("rank") != "preferred")


def values(e: dict, prop: str) -> list:
    out = []
    for s in statements(e, prop):
        snak = s.get("mainsnak", {})
        if snak.get("snaktype", "value") == "value" and "datavalue" in snak:
            out.append(snak["datavalue"]["value"])
    return out


def item_ids(e: dict, prop: str) -> list[str]:
    return [v["id"] if "id" in v else f"Q{v['numeric-id']}" for v in values(e, prop) if isinstance(v, dict)]


def year(value: dict) -> int | None:
    """The year of a Wikibase time value, where its precision is a year or finer (9+); else None."""
    if not isinstance(value, dict) or int(value.get("precision", 11)) < 9:
        return None
    m = re.match(r"^([+-]?)0*([0-9]+)-", value["time"])
    if not m:
        raise ValueError(f"time {value['time']!r} is not +YYYY-MM-DDT...")
    return -int(m.group(2)) if m.group(1) == "-" else int(m.group(2))


def entity_record(e: dict, pos: str, reader: WikidataReader) -> Record | None:
    if e.get("type") != "item":
        reader.skip("entities not items")
        return None
    instance = set(item_ids(e, "P31"))
    qid = e["id"]
    labels = {k: v["value"] for k, v in e.get("labels", {}).items()}
    if instance & NAME_ITEMS:
        reader.names[qid] = labels
        reader.skip("name items (read for their labels)")
        return None
    if "Q5" not in instance:
        reader.skip("entities not human")
        return None
    r = Record("wikidata", qid, pos)
    r.add_id("wikidata", qid)
    for prop, auth in EXTERNAL.items():
        for v in values(e, prop)[:1]:
            r.add_id(auth, str(v).replace(" ", ""))
    r.citizenship = item_ids(e, "P27")
    native = values(e, "P1559")
    if native and isinstance(native[0], dict):
        r.native = clean(native[0]["text"])
        r.lang = LANG.get(native[0].get("language", ""), native[0].get("language", ""))
    else:
        for lang in (lg for c in r.citizenship for lg in CITIZENSHIP_LANGS.get(c, ())):
            if labels.get(lang):
                r.native, r.lang = clean(labels[lang]), LANG.get(lang, lang)
                break
    for lang in WANTED:
        if labels.get(lang):
            r.add_variant(labels[lang], f"label@{lang}")
        for alias in e.get("aliases", {}).get(lang, []):
            r.add_variant(alias["value"], f"alias@{lang}")
    if not pick_native(r):
        reader.skip("humans without a name in a wanted language")
        return None
    r.family = _name_label(reader, item_ids(e, "P734"), r)
    r.given = " ".join(g for g in (_name_label(reader, [q], r) for q in item_ids(e, "P735")) if g)
    r.gender = next((GENDER[q] for q in item_ids(e, "P21") if q in GENDER), "")
    r.born = next((y for y in map(year, values(e, "P569")) if y is not None), None)
    r.died = next((y for y in map(year, values(e, "P570")) if y is not None), None)
    descriptions = e.get("descriptions", {})
    r.description = next((descriptions[lg]["value"] for lg in ("en", r.lang, *WANTED) if lg in descriptions), "")
    return r


def _name_label(reader: WikidataReader, qids: list[str], r: Record) -> str:
    """The label of a name item (P734/P735) as it is written inside the native form, if the item was seen."""
    for q in qids:
        for label in reader.names.get(q, {}).values():
            if label and label in r.native.split():
                return label
    return ""


def sparql_records(doc: dict, reader: WikidataReader) -> Iterator[Record | RecordError]:
    """SPARQL JSON results, one or more rows per ?item: ?itemLabel and any ?…Label/?…alias literal with an
    xml:lang become variants; ?native (P1559), ?born/?died (P569/P570), ?familyName(Label), ?citizenship."""
    rows: dict[str, list[dict]] = {}
    for row in doc["results"].get("bindings", []):
        item = row.get("item", {}).get("value", "")
        rows.setdefault(item.rsplit("/", 1)[-1], []).append(row)
    for n, (qid, group) in enumerate(rows.items(), 1):
        pos = f"result {n}"
        if not re.match(r"^Q[0-9]+$", qid):
            yield RecordError(pos, qid or None, "a result without an ?item that is a Wikidata entity")
            continue
        r = Record("wikidata", qid, pos)
        r.add_id("wikidata", qid)
        for row in group:
            for var, cell in row.items():
                value, lang = cell.get("value", ""), cell.get("xml:lang", "")
                if var == "native" and not r.native:
                    r.native, r.lang = clean(value), LANG.get(lang, lang)
                elif var in ("born", "died") and value[:1] in "+-0123456789":
                    y = year({"time": value if value[:1] in "+-" else "+" + value, "precision": 9})
                    setattr(r, var, getattr(r, var) or y)
                elif var in ("familyNameLabel", "givenNameLabel") and value in (r.native or value):
                    setattr(r, "family" if var.startswith("family") else "given", clean(value))
                elif var == "citizenship":
                    r.citizenship.append(value.rsplit("/", 1)[-1])
                elif lang in WANTED and (var.endswith("Label") or "alias" in var.lower()):
                    r.add_variant(value, f"{var}@{lang}")
        r.citizenship = list(dict.fromkeys(r.citizenship))
        if reader.wanted(r):
            yield r
