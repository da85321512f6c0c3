"""Batch normalization: files, formats, local processes, and Dask for more than one machine."""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from .discover import discoverer_for
from .errors import DecodeError, InputError, TranslitError
from .normalize import Mention, Normalizer, Report, chunked

FORMATS = ("text", "spans", "annotate", "tei", "csv")


@lru_cache(maxsize=4)
def get_normalizer(tables: str | None = None, db: str | None = None, style: str = "en") -> Normalizer:
    """One normalizer per process (and per tables/db/style): its caches are what makes it fast."""
    from .authority import Authority
    from .lookup import Lookup
    from .store import Store

    store = Store(db) if db else None
    return Normalizer(Lookup(Authority(tables, store=store)), style=style)


def read_text(path: str, errors: str = "strict") -> str:
    """A file as UTF-8 without newline translation, so offsets are those of the file's text."""
    data = Path(path).read_bytes() if path != "-" else __import__("sys").stdin.buffer.read()
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: looks like a binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        raise DecodeError(path, exc.start) from None


MAX_PIECE = 1 << 20  # bytes: a line longer than this is cut at whitespace (a one-line 40 MB file is a corpus too)
_SPACE = (b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c")


def _cut(buf: bytes) -> int:
    """Where to cut an over-long line: after its last whitespace, else before the last UTF-8 character."""
    pos = max(buf.rfind(c) for c in _SPACE)
    if pos > 0:
        return pos + 1
    pos = len(buf) - 1
    while pos > 0 and (buf[pos] & 0xC0) == 0x80:  # a continuation byte: back to the character's start
        pos -= 1
    return pos or len(buf)


def _pieces(fh, limit: int = MAX_PIECE):
    """The lines of a binary file (with their ends), a line longer than `limit` bytes given in pieces cut
    at whitespace: no piece holds more than 2 * `limit` bytes."""
    carry = b""
    while True:
        more = fh.readline(limit)
        buf = carry + more
        if not more or more.endswith(b"\n"):
            if buf:
                yield buf
            if not more:
                return
            carry = b""
            continue
        if len(more) < limit:  # end of file without a newline: the next read ends it
            carry = buf
            continue
        cut = _cut(buf)
        yield buf[:cut]
        carry = buf[cut:]


def iter_lines(path: str, errors: str = "strict", on_bytes=None):
    """A file line by line (lines keep their ends; an over-long line in pieces cut at whitespace), decoded
    with line numbers and byte offsets in errors; `on_bytes(n)` is told of every n bytes read."""
    import sys

    fh = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    offset, n = 0, 1
    try:
        for k, raw in enumerate(_pieces(fh)):
            if k == 0 and b"\x00" in raw[:8192]:
                raise InputError(f"{path}: looks like a binary file (NUL bytes), not text")
            try:
                yield raw.decode("utf-8", errors=errors)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"{path} line {n}", offset + exc.start) from None
            offset += len(raw)
            n += raw.endswith(b"\n")
            if on_bytes:
                on_bytes(len(raw))
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


def render(nz: Normalizer, text: str, mentions: list[Mention], fmt: str, name: str = "") -> str:
    if fmt == "spans":
        return "".join(json.dumps(m.to_dict(), ensure_ascii=False) + "\n" for m in mentions)
    if fmt == "text":
        return nz.replace(text, mentions)
    if fmt == "annotate":
        return nz.replace(text, mentions, mark=True)
    if fmt == "tei":
        return tei(text, mentions, name)
    raise InputError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


_TEI_FOOT = "</body></text>\n</TEI>\n"


def _tei_head(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0">\n'
        f"<teiHeader><fileDesc><titleStmt><title>{escape(title)}</title></titleStmt>"
        "<publicationStmt><p>normalized by translit</p></publicationStmt><sourceDesc><p/></sourceDesc>"
        "</fileDesc></teiHeader>\n<text><body>\n"
    )


def _tei_body(text: str, mentions: list[Mention], found=()) -> str:
    out, pos = [], 0
    for m in sorted([*mentions, *found], key=lambda m: m.start):
        out.append(escape(text[pos:m.start]))
        if isinstance(m, Mention) and m.ambiguous:  # two persons fit about equally: both pointed to, none asserted
            refs = " ".join(f"#{escape(pid)}" for pid in m.ambiguous)
            out.append(f'<persName ref="{refs}" cert="low" type="ambiguous">{escape(m.surface)}</persName>')
        elif isinstance(m, Mention):
            out.append(f'<persName ref="#{escape(m.match.person.id)}" key="{escape(m.match.canonical)}">'
                       f'{escape(m.surface)}</persName>')
        else:  # a person the authority does not know: no @ref, the cluster as its key
            out.append(f'<persName key="{escape(m.cluster)}">{escape(m.surface)}</persName>')
        pos = m.end
    out.append(escape(text[pos:]))
    paras = "".join(out).split("\n\n")
    return "".join(f"<p>{p.strip()}</p>\n" for p in paras if p.strip())


def tei(text: str, mentions: list[Mention], title: str = "") -> str:
    """A TEI document with each mention as <persName ref="#id">."""
    return _tei_head(title) + _tei_body(text, mentions) + _TEI_FOOT


def normalize_csv(nz: Normalizer, text: str, column: str, source: str = "CSV") -> str:
    """A CSV with `column` normalized into new columns: <column>_id, <column>_canonical, <column>_score."""
    from .cli_io import csv_rows

    reader = csv_rows(text, source)  # a field over the csv module's limit: an error naming the line
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("empty CSV") from None
    if column not in header:
        raise InputError(f"CSV has no column {column!r} (columns: {', '.join(header)})")
    idx = header.index(column)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header + [f"{column}_id", f"{column}_canonical", f"{column}_score"])
    for n, row in enumerate(reader, start=2):
        if len(row) != len(header):
            raise InputError(f"CSV line {n}: {len(row)} fields, header has {len(header)}")
        res = nz.lookup.lookup(row[idx], style=nz.style)
        best = res.best
        w.writerow(row + ([best.person.id, best.canonical, f"{best.score:.3f}"] if best else ["", "", ""]))
    return buf.getvalue()


def iter_output(path: str, report: Report, fmt: str = "spans", style: str = "en", tables: str | None = None,
                db: str | None = None, errors: str = "strict", column: str | None = None, on_bytes=None,
                discover: bool = False):
    """The normalized output of one file, piece by piece: the file is read in chunks of about a megabyte
    (cut at blank lines where it can be; a line longer than a megabyte is cut at whitespace), so memory
    stays bounded whatever the file's size. CSV input is read whole (a table, not a corpus)."""
    nz = get_normalizer(tables, db, style)
    if fmt == "csv":
        if not column:
            raise InputError("--format csv needs --column NAME")
        yield normalize_csv(nz, read_text(path, errors), column, "<stdin>" if path == "-" else path)
        return
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    chunks = chunked(iter_lines(path, errors, on_bytes))
    if discover and fmt in ("spans", "tei"):
        yield from _discovered_output(nz, chunks, report, fmt, Path(path).name)
        return
    if fmt == "spans":
        for m in nz.find_stream(chunks, report):
            yield json.dumps(m.to_dict(), ensure_ascii=False) + "\n"
        return
    if fmt == "tei":
        yield _tei_head(Path(path).name)
        for chunk in chunks:
            yield _tei_body(chunk, nz.find(chunk, report))
        yield _TEI_FOOT
        return
    for chunk in chunks:
        yield nz.replace(chunk, nz.find(chunk, report), mark=fmt == "annotate")


def _discovered_output(nz: Normalizer, chunks, report: Report, fmt: str, title: str):
    """Spans or TEI with the persons the authority does not know as well: spans with "id": null, their
    cluster and proposal; <persName> without @ref."""
    report.collect_unknown = True
    if fmt == "tei":
        yield _tei_head(title)
    base = 0
    for chunk in chunks:
        mentions = nz.find(chunk, report)
        found = nz.last_found  # offsets in the chunk (find reads it as a text of its own)
        discoverer_for(nz.lookup).propose(found)
        if fmt == "tei":
            yield _tei_body(chunk, mentions, found)
        else:
            items = sorted([(m.start, m.to_dict()) for m in mentions] + [(f.start, f.to_dict()) for f in found],
                           key=lambda x: x[0])
            for _, d in items:
                d["start"] += base
                d["end"] += base
                yield json.dumps(d, ensure_ascii=False) + "\n"
        base += len(chunk)
    if fmt == "tei":
        yield _TEI_FOOT


def normalize_file(path: str, fmt: str = "spans", style: str = "en", tables: str | None = None,
                   db: str | None = None, errors: str = "strict", column: str | None = None,
                   unknown: bool = True, discover: bool = False):
    """Normalize one file; returns (output text, Report). Runs in worker processes too.

    `unknown=False` skips collecting unknown names (the report then has the persons' forms only),
    which lets the normalizer skip every capitalised word that is not a name."""
    report = Report(collect_unknown=unknown)
    out = "".join(iter_output(path, report, fmt=fmt, style=style, tables=tables, db=db, errors=errors,
                              column=column, discover=discover))
    return out, report


def _spool_file(args) -> tuple[str, Report]:
    """In a worker: normalize one file into a spool file; returns its path and the report."""
    path, spool, unknown, kw = args
    report = Report(collect_unknown=unknown)
    try:
        with open(spool, "wb") as fh:
            for piece in iter_output(path, report, **kw):
                fh.write(piece.encode("utf-8"))
    except TranslitError as exc:  # sent back as its message: not every error class survives pickling
        return None, (isinstance(exc, InputError), exc.exit_code, str(exc))
    return spool, report


class WorkerError(TranslitError):
    """An error met in a worker process, with its message and exit status."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class WorkerInputError(WorkerError, InputError):
    pass


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends the workers


def _read_spool(spool: str, block: int = 1 << 20):
    with open(spool, "rb") as fh:
        while data := fh.read(block):
            yield data
    Path(spool).unlink()


def normalize_files(paths: list[str], jobs: int = 1, progress: bool = False, **kw):
    """Yield (path, output pieces, report) for each file, in order, using `jobs` processes.  The output is
    an iterator of pieces (str, or bytes from a worker's spool file), so memory stays bounded whatever
    the files' sizes; the report is complete once the pieces are consumed.  `progress` shows a bar by
    bytes read (for one large file as for many)."""
    unknown = kw.pop("unknown", True)
    bar = None
    if progress:
        from tqdm import tqdm

        total = sum(Path(p).stat().st_size for p in paths if p != "-")
        bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc="normalize")
    try:
        if jobs <= 1 or len(paths) <= 1:
            for p in paths:
                rep = Report(collect_unknown=unknown)
                yield p, iter_output(p, rep, on_bytes=bar.update if bar else None, **kw), rep
            return
        yield from _parallel(paths, jobs, unknown, bar, kw)
    finally:
        if bar:
            bar.close()


def _parallel(paths, jobs, unknown, bar, kw):
    """Each worker writes a file's output to a spool file in a private temporary directory; the parent
    streams the spool files out in order and deletes each.  Interrupted, the workers are terminated and
    the directory removed."""
    import multiprocessing
    import tempfile

    with tempfile.TemporaryDirectory(prefix="translit-spool-") as spool_dir:
        tasks = [(p, str(Path(spool_dir) / f"{i}.out"), unknown, kw) for i, p in enumerate(paths)]
        pool = multiprocessing.Pool(jobs, initializer=_ignore_sigint)
        try:
            for p, (spool, rep) in zip(paths, pool.imap(_spool_file, tasks), strict=True):
                if spool is None:
                    is_input, code, message = rep
                    raise (WorkerInputError if is_input else WorkerError)(message, code)
                if bar:
                    bar.update(Path(p).stat().st_size)
                yield p, _read_spool(spool), rep
            pool.close()
        finally:
            pool.terminate()
            pool.join()


# -- Dask -------------------------------------------------------------------------------------

def _partition_spans(texts, style="en", tables=None):
    nz = get_normalizer(tables, None, style)
    return [[m.to_dict() for m in nz.find(t)] for t in texts]


def normalize_bag(bag, style: str = "en", tables: str | None = None):
    """A Dask bag of texts -> a bag of lists of span dicts, partition by partition."""
    return bag.map_partitions(_partition_spans, style=style, tables=tables)


def normalize_dataframe(df, column: str, style: str = "en", tables: str | None = None):
    """A Dask dataframe -> the same with `<column>_mentions` (JSON list of spans) added per row."""

    def part(pdf):
        pdf = pdf.copy()
        spans = _partition_spans(list(pdf[column].fillna("").astype(str)), style, tables)
        pdf[f"{column}_mentions"] = [json.dumps(s, ensure_ascii=False) for s in spans]
        return pdf

    meta = df._meta.assign(**{f"{column}_mentions": ""})
    return df.map_partitions(part, meta=meta)


def normalize_paths_dask(paths: list[str], client, fmt: str = "spans", style: str = "en", tables=None,
                         discover: bool = False):
    """Normalize files on a Dask cluster; yields (path, output, report) in order."""
    futures = client.map(normalize_file, paths, fmt=fmt, style=style, tables=tables, discover=discover,
                         pure=False)
    for p, f in zip(paths, futures, strict=True):
        out, rep = f.result()
        yield p, out, rep


# -- the review queue ------------------------------------------------------------------------

def record_unknown(store, proposals: list[dict], cap: int | None = None, who: str | None = None) -> int:
    """Add a run's discovered persons (the report's clusters, `Report.to_dict()["unknown"]`) to the review
    queue (`translit.review`), capped: clusters already queued are counted again, new ones are added most
    frequent first while there is room, the rest are dropped (the report still lists them)."""
    from . import review

    return review.record(store, proposals, who=who, cap=review.CAP if cap is None else cap)
