"""CLI commands for maintaining the table: persons, tables check/export/import."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import editing
from .authority import STYLES
from .cli_io import Output, check_csv, decode
from .errors import InputError


@click.group()
def persons():
    """Add, edit, show and list persons.

    Example: translit persons show nagy-imre
    """


@persons.command("list")
@click.option("--lang", default=None, help="Only persons of this language.")
@click.pass_obj
def persons_list(obj, lang):
    """One line per person: id, native name, description.

    Example: translit persons list --lang hu
    """
    for p in sorted(obj.authority, key=lambda p: p.id):
        if lang and p.lang != lang:
            continue
        click.echo(f"{p.id}\t{p.native}\t{p.description}")


@persons.command("show")
@click.argument("person_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def persons_show(obj, person_id, as_json):
    """A person with canonical forms in every house style.

    Example: translit persons show khrushchev-nikita
    """
    from .authority import STYLES

    a = obj.authority
    p = a[person_id]
    data = p.to_dict()
    data["canonical"] = {s: a.canonical(p, s) for s in STYLES}
    data["revision"] = p.revision
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{p.native}  [{p.id}]  ({p.lang}, {p.confidence}, revision {p.revision})")
    if p.description:
        click.echo(f"  {p.description}")
    for s, form in data["canonical"].items():
        click.echo(f"  {s:<10} {form}")
    if obj.store is not None:
        for h in obj.store.history(p.id, limit=10):
            click.echo(f"  history: #{h['seq']} {h['action']} by {h['who']}")


def _person_options(f):
    for name in ("native", "lang", "family", "given", "patronymic", "order", "gender", "description", "note"):
        f = click.option(f"--{name}", default=None)(f)
    f = click.option("--born", type=int, default=None)(f)
    f = click.option("--died", type=int, default=None)(f)
    f = click.option("--confidence", type=click.Choice(["certain", "probable", "reconstructed"]), default=None)(f)
    f = click.option("--who", default=None, help="Editor's name for the audit trail.")(f)
    return f


@persons.command("add")
@click.argument("person_id")
@_person_options
@click.pass_obj
def persons_add(obj, person_id, who, **fields):
    """Add a person (to the database; the shipped tables are not touched).

    Example: translit persons add kovacs-bela --native "Kovács Béla" --lang hu --family Kovács --given Béla --order family-given
    """
    data = {k: v for k, v in fields.items() if v is not None}
    data["id"] = person_id
    p = editing.add_person(obj.authority, obj.store, data, who)
    click.echo(f"added {p.id}: {p.native}")


@persons.command("edit")
@click.argument("person_id")
@_person_options
@click.option("--revision", type=int, default=None,
              help="Only if the person is still at this revision (as `persons show` gave it).")
@click.pass_obj
def persons_edit(obj, person_id, who, revision, **fields):
    """Change fields of a person.

    Example: translit persons edit nagy-imre --description "Prime Minister of Hungary" --revision 2
    """
    changes = {k: v for k, v in fields.items() if v is not None}
    if not changes:
        raise InputError("nothing to change: give at least one --FIELD")
    p = editing.edit_person(obj.authority, obj.store, person_id, changes, who, expect=revision)
    click.echo(f"edited {p.id} (now at revision {p.revision})")


@persons.command("history")
@click.argument("person_id", required=False)
@click.option("--limit", default=20, show_default=True)
@click.pass_obj
def persons_history(obj, person_id, limit):
    """The audit trail: who changed what, when, before and after.

    Example: translit persons history nagy-imre
    """
    if obj.store is None:
        raise InputError("no database (--no-db)")
    for h in obj.store.history(person_id, limit):
        click.echo(json.dumps(h, ensure_ascii=False))


@click.group()
def tables():
    """Check, export and import the tables.

    Example: translit tables check
    """


@tables.command("check")
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.pass_obj
def tables_check(obj, strict):
    """Validate schema, NFC, whitespace, mixed scripts, ids, shared variants, scheme samples.

    Example: translit tables check
    """
    from .validate import check_tables

    findings = check_tables(obj.tables_dir)
    for f in findings:
        click.echo(str(f))
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    click.echo(f"{errors} errors, {warnings} warnings")
    if errors or (strict and warnings):
        sys.exit(1)


@tables.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.pass_obj
def tables_export(obj, directory):
    """Write the merged table (shipped + edits) in the tables/ format, atomically.

    Example: translit tables export my-tables/persons
    """
    for path in editing.export_tables(obj.authority, Path(directory)):
        click.echo(str(path))


@tables.command("import")
@click.argument("csv_file", type=click.File("rb"))
@click.option("--who", default=None)
@click.pass_obj
def tables_import(obj, csv_file, who):
    """Import variants from a CSV (columns: id, form, kind, source); all or nothing.

    Example: translit tables import variants.csv
    """
    text = decode(csv_file.read(), csv_file.name)
    check_csv(text, csv_file.name)  # a field over the csv module's limit: an error naming the line
    n = editing.import_csv(obj.authority, obj.store, text, who)
    click.echo(f"imported {n} variants")


@click.command()
@click.argument("files", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "spans", "annotate", "tei", "csv"]), default="text",
              show_default=True)
@click.option("--style", type=click.Choice(STYLES), default="en", show_default=True, help="House style.")
@click.option("--column", default=None, help="For --format csv: the column of names to normalize.")
@click.option("--report", "report_path", default=None, help="Write a JSON report (persons, forms, unknown names); '-' for stderr.")
@click.option("--jobs", "-j", default=1, show_default=True, help="Processes on this machine.")
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786) to run on a cluster.")
@click.option("--errors", type=click.Choice(["strict", "replace"]), default="strict", help="Bad UTF-8 input.")
@click.option("--output", "-o", default=None,
              help="Write to this file (atomically: complete or not at all) instead of standard output.")
@click.option("--unknown", "discover", is_flag=True,
              help="Spans and TEI also mark the persons the authority does not know (\"id\": null, a cluster).")
@click.pass_obj
def normalize(obj, files, fmt, style, column, report_path, jobs, scheduler, errors, output, discover):
    """Find every mention of the table's persons in FILES (or standard input) and normalize it.

    Example: translit normalize --format tei -o article.xml article.txt
    """
    from .batch import normalize_files, normalize_paths_dask, record_unknown
    from .normalize import Report

    paths = list(files) or ["-"]
    for p in paths:
        if p != "-" and not Path(p).is_file():
            raise InputError(f"{p}: no such file")
    kw = dict(fmt=fmt, style=style, tables=obj.tables_dir, errors=errors, column=column, discover=discover)
    if not obj.no_db and obj.store is not None and obj.store.path.exists():
        kw["db"] = str(obj.store.path)
    # unknown names are collected for --report and for the review queue of a database
    kw["unknown"] = bool(report_path or kw.get("db") or discover)
    total = Report()
    with Output(output) as out:
        if scheduler:
            from dask.distributed import Client

            with Client(scheduler) as client:
                for _, text, rep in normalize_paths_dask(paths, client, fmt=fmt, style=style, tables=obj.tables_dir,
                                                         discover=discover):
                    out.write(text)
                    total.merge(rep)
        else:
            # a progress bar by bytes read, for one large file as for many, when someone watches
            progress = sys.stderr.isatty() and "-" not in paths
            for _, pieces, rep in normalize_files(paths, jobs=jobs, progress=progress, **kw):
                for piece in pieces:
                    out.write(piece)
                total.merge(rep)
    result = total.to_dict(obj.authority) if report_path or kw.get("db") else None
    if kw.get("db") and result["unknown"]:
        # the discovered persons go to the review queue (capped; rejected clusters are not proposed again)
        record_unknown(obj.store, result["unknown"])
    if report_path:
        data = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
        if report_path == "-":
            sys.stderr.write(data)
        else:
            editing.atomic_write(Path(report_path), data.encode("utf-8"))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--debug", is_flag=True)
@click.pass_obj
def serve(obj, host, port, debug):
    """Run the web service for local use (production: gunicorn wsgi:app).

    Example: translit serve --port 8000
    """
    import os

    from .web import create_app

    if obj.tables_dir:
        os.environ["TRANSLIT_TABLES"] = obj.tables_dir
    if obj.db_path:
        os.environ["TRANSLIT_DB"] = obj.db_path
    create_app().run(host=host, port=port, debug=debug)


@click.group()
def users():
    """Editors of the web service.

    Example: translit users add alice
    """


@users.command("add")
@click.argument("name")
@click.password_option()
@click.pass_obj
def users_add(obj, name, password):
    """Add an editor (or change a password).

    Example: translit users add alice
    """
    from werkzeug.security import generate_password_hash

    if obj.store is None:
        raise InputError("no database (--no-db)")
    if len(password) < 8:
        raise InputError("use a password of at least 8 characters")
    obj.store.set_user(name, generate_password_hash(password))
    from .web import security

    security.ensure_tables(obj.store)
    ended = security.revoke_user(obj.store, name)  # a new password ends the sessions opened with the old
    click.echo(f"editor {name} saved" + (f"; {ended} session(s) ended" if ended else ""))


@users.command("remove")
@click.argument("name")
@click.pass_obj
def users_remove(obj, name):
    """Remove an editor; their sessions end at once.

    Example: translit users remove alice
    """
    from .web import security

    if obj.store is None:
        raise InputError("no database (--no-db)")
    if not security.remove_user(obj.store, name):
        raise InputError(f"no editor {name!r}")
    click.echo(f"editor {name} removed")


COMMANDS = (persons, tables, normalize, serve, users)
