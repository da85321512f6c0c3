"""`translit import wikidata|marc|gnd|eac-cpf PATH` and `translit export eac-cpf|marc|csv|tables OUT`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from .cli import cli
from .errors import InputError


def _progress(path: str, enabled: bool):
    """A tqdm bar of the file's bytes read, with the persons written; (on_bytes, on_batch, close)."""
    if not enabled:
        return None, None, lambda: None
    from tqdm import tqdm

    size = os.path.getsize(path)
    bar = tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024, desc="import", file=sys.stderr)
    state = {"pos": 0, "records": 0}

    def on_bytes(pos: int) -> None:
        bar.update(max(0, pos - state["pos"]))
        state["pos"] = pos

    def on_batch(records: int, written: int) -> None:
        state["records"] += records
        bar.set_postfix(records=state["records"], persons_written=written, refresh=False)

    def close() -> None:
        bar.update(max(0, size - state["pos"]))
        bar.close()

    return on_bytes, on_batch, close


def _run(obj, source: str, path: str, reader_factory, who, batch, skip_bad, report, progress, jobs=1):
    from .importers import Importer
    from .importers.parallel import parallel_records

    if not Path(path).exists():
        raise InputError(f"{path}: no such file")
    from .authority import Authority

    # the shipped persons, schemes and folding only: the store's persons are read one by one as records
    # need them, so that memory stays flat however many persons the database holds
    importer = Importer(Authority(obj.tables), obj.store, source, who=who, batch_size=batch, skip_bad=skip_bad)
    show = progress if progress is not None else sys.stderr.isatty()
    on_bytes, on_batch, close = _progress(path, show and Path(path).is_file())
    try:
        if jobs > 1:  # read and prepare in a second process, write in this one
            records = parallel_records(reader_factory, importer.authority, importer.summary.skipped, on_bytes,
                                       db=str(obj.store.path), source=source)
        else:
            records = reader_factory(importer.summary.skipped, on_bytes)
        summary = importer.run(records, progress=on_batch)
    finally:
        close()
        if report:
            data = json.dumps(importer.summary.to_dict(), ensure_ascii=False, indent=2) + "\n"
            Path(report).write_text(data, encoding="utf-8")
    for line in summary.lines():
        click.echo(line)
    click.echo(f"  written in transactions of {batch} records each: an interrupted import keeps the batches "
               "committed; running it again resumes (unchanged records are skipped)")


def _common(f):
    f = click.option("--who", default=None, help="Name for the audit trail (default import:SOURCE).")(f)
    f = click.option("--batch", default=1000, show_default=True, help="Records per transaction.")(f)
    f = click.option("--skip-bad", is_flag=True, help="Report bad records and go on (default: stop at the first).")(f)
    f = click.option("--report", default=None, help="Write the summary with every conflict as JSON.")(f)
    f = click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")(f)
    f = click.option("--jobs", "-j", type=click.IntRange(1, 2), default=min(2, os.cpu_count() or 1),
                     show_default=True, help="Processes: 2 reads and prepares records beside the writing one.")(f)
    return f


@cli.group("import")
def import_group():
    """Import authority records: Wikidata, MARC 21, lobid-gnd, EAC-CPF.

    Example: translit import wikidata latest-all.json.bz2 --citizenship Q28 --lived 1945-1991
    """


def _wikidata_reader(path: str, citizenship=(), lived=None, **_):
    from .importers.wikidata import Filters, WikidataReader

    lo = hi = None
    if lived:
        try:
            lo, hi = (int(x) for x in lived.split("-", 1))
        except ValueError:
            raise InputError(f"--lived {lived!r}: give FROM-TO years, e.g. 1945-1991") from None
    filters = Filters(set(citizenship), lo, hi)
    return lambda sk, ob: WikidataReader(path, filters, sk, ob)


def _reader(module: str, name: str):
    """The reader `translit.importers.MODULE.NAME(path, skipped, on_bytes)`, imported when a command runs."""
    def make(path: str, **_):
        import importlib

        read = getattr(importlib.import_module(f"translit.importers.{module}"), name)
        return lambda sk, ob: read(path, sk, ob)
    return make


_WIKIDATA_OPTIONS = (
    click.option("--citizenship", multiple=True, help="Keep only citizens of this country (QID; repeatable)."),
    click.option("--lived", default=None, help="Keep only persons alive at some time in FROM-TO (years)."),
)

# (command = source, the reader for a path and the command's own options, its options, its help)
IMPORTS = (
    ("wikidata", _wikidata_reader, _WIKIDATA_OPTIONS,
     """A Wikidata JSON dump (.json/.json.gz/.json.bz2, streamed), Special:EntityData JSON or SPARQL JSON.

    Example: translit import wikidata dump.json.gz --citizenship Q28 --citizenship Q15180 --lived 1945-1991
    """),
    ("marc", _reader("marc", "read_marc"), (),
     """MARC 21 authority records: binary (.mrc) or MARCXML.

    Example: translit import marc names.mrc
    """),
    ("gnd", _reader("gnd", "read_gnd"), (),
     """lobid-gnd JSON: one record, a JSON array, JSON Lines or a search result ("member").

    Example: translit import gnd gnd.jsonl
    """),
    ("eac-cpf", _reader("eac", "read_eac"), (),
     """EAC-CPF XML: one eac-cpf document or several inside any wrapper element.

    Example: translit import eac-cpf persons.xml
    """),
)


def _register(source: str, make_reader, options, doc: str) -> None:
    def command(obj, path, who, batch, skip_bad, report, progress, jobs, **extra):
        _run(obj, source, path, make_reader(path, **extra), who, batch, skip_bad, report, progress, jobs)

    command.__doc__ = doc
    command.__name__ = f"import_{source.replace('-', '_')}"
    f = click.pass_obj(command)
    f = _common(f)
    for option in reversed(options):
        f = option(f)
    f = click.argument("path")(f)
    import_group.command(source)(f)


for _spec in IMPORTS:
    _register(*_spec)


@cli.command("export")
@click.argument("fmt", type=click.Choice(["eac-cpf", "marc", "marcxml", "csv", "tables"]))
@click.argument("out")
@click.option("--only-imported", is_flag=True, help="Only persons that carry an external id.")
@click.pass_obj
def export_cmd(obj, fmt, out, only_imported):
    """Write every person as EAC-CPF, MARC 21 authority (binary or MARCXML), CSV or the tables/ format.

    Example: translit export eac-cpf persons.xml
    """
    from .importers.export import export

    n = export(obj.authority, obj.store, fmt, Path(out), only_imported=only_imported)
    click.echo(f"exported {n} persons to {out}")
