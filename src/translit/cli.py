"""The `translit` command. Library errors become one-line messages and an exit status here."""

from __future__ import annotations

import json
import sys
from functools import cached_property

import click

from . import cli_more
from .authority import STYLES, Authority
from .cli_io import INTERRUPTED, decode
from .errors import DecodeError, InputError, TranslitError
from .loader import get_tables
from .lookup import Lookup
from .store import Store


class Context:
    def __init__(self, tables: str | None, db: str | None, no_db: bool):
        self.tables_dir = tables
        self.db_path = db
        self.no_db = no_db

    @cached_property
    def tables(self):
        return get_tables(self.tables_dir)

    @cached_property
    def store(self) -> Store | None:
        return None if self.no_db else Store(self.db_path)

    @cached_property
    def authority(self) -> Authority:
        authority = Authority(self.tables, store=self.store)
        if self.store is not None and self.store.readonly:  # lookups go on
            click.echo(f"translit: note: {self.store.readonly_reason}", err=True)
        return authority

    @cached_property
    def lookup(self) -> Lookup:
        return Lookup(self.authority)


def _stdin_lines(errors: str = "strict", keepends: bool = False):
    """Standard input line by line (without line ends unless `keepends`); bad UTF-8 names line and byte
    offset; a UTF-8 byte-order mark is not text."""
    offset = 0
    for n, raw in enumerate(sys.stdin.buffer, 1):
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw, offset = raw[3:], 3
        try:
            line = raw.decode("utf-8", errors=errors)
        except UnicodeDecodeError as exc:
            raise DecodeError(f"<stdin> line {n}", offset + exc.start) from None
        offset += len(raw)
        yield line if keepends else line.rstrip("\r\n")


def read_input(texts: tuple[str, ...], errors: str = "strict") -> list[str]:
    if texts and texts != ("-",):
        return list(texts)
    data = sys.stdin.buffer.read()
    return decode(data, "<stdin>", errors).splitlines()


class CatchAll(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TranslitError as exc:
            click.echo(f"translit: error: {exc}", err=True)
            ctx.exit(2 if isinstance(exc, InputError) else exc.exit_code)
        except BrokenPipeError:  # `translit ... | head`
            sys.stderr.close()
            ctx.exit(0)
        except KeyboardInterrupt:  # Ctrl-C: the shell's status for it; -o files are left whole or untouched
            click.echo("translit: interrupted", err=True)
            ctx.exit(INTERRUPTED)


@click.group(cls=CatchAll)
@click.option("--tables", envvar="TRANSLIT_TABLES", type=click.Path(file_okay=False), help="Tables directory.")
@click.option("--db", envvar="TRANSLIT_DB", type=click.Path(dir_okay=False), help="SQLite file of edits.")
@click.option("--no-db", is_flag=True, help="Use the shipped tables only; no database.")
@click.version_option(package_name="translit")
@click.pass_context
def cli(ctx, tables, db, no_db):
    """Canonical forms and variant spellings of Hungarian, Serbo-Croatian and Russian names.

    Example: translit lookup Hruscsovval
    """
    ctx.obj = Context(tables, db, no_db)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_obj
def schemes(obj, as_json):
    """List the transliteration schemes.

    Example: translit schemes
    """
    infos = [s.info() for s in obj.tables.schemes]
    if as_json:
        click.echo(json.dumps(infos, ensure_ascii=False, indent=2))
        return
    for i in infos:
        click.echo(f"{i['id']:<16} {i['direction']:<20} {i['name']}")


@cli.command()
@click.option("--scheme", "-s", "scheme_id", help="Scheme id (see `translit schemes`).")
@click.option("--all", "show_all", is_flag=True, help="Show the text in every applicable scheme.")
@click.option("--errors", type=click.Choice(["strict", "replace"]), default="strict", help="Bad UTF-8 input.")
@click.option("--line-buffered", is_flag=True,
              help="Answer each input line at once (for a program that waits for each line's answer); "
                   "by default lines are transliterated in blocks of about 64 KB, several times faster.")
@click.argument("text", nargs=-1)
@click.pass_obj
def transliterate(obj, scheme_id, show_all, errors, line_buffered, text):
    """Transliterate TEXT (or standard input, streamed in blocks of lines).

    Example: translit transliterate --scheme ru-de Хрущёв
    """
    if not scheme_id and not show_all:
        raise InputError("give --scheme ID or --all")
    if show_all:
        words = " ".join(text) if text else " ".join(read_input((), errors))
        if not words.strip():
            raise InputError("empty input")
        for s in obj.tables.schemes:
            out = s.transliterate(words)
            if out != words:
                click.echo(f"{s.id:<16} {out}")
        return
    scheme = obj.tables.schemes[scheme_id]
    if text and text != ("-",):
        click.echo(scheme.transliterate(" ".join(text)))
        return
    # Rules look no further than a line, so a block of lines comes out as its lines one by one would:
    # the long-text path then sees each distinct word once per block instead of paying per line.
    n = size = 0
    block: list[str] = []
    try:
        for line in _stdin_lines(errors, keepends=True):
            n += 1
            block.append(line)
            size += len(line)
            if line_buffered or size >= 1 << 16:
                sys.stdout.write(scheme.transliterate("".join(block)))
                if line_buffered:
                    sys.stdout.flush()
                block, size = [], 0
    finally:  # a decoding error loses nothing: the lines before it are written first
        if block:
            sys.stdout.write(scheme.transliterate("".join(block)))
    if n == 0:
        raise InputError("empty input")


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--limit", default=5, show_default=True)
@click.pass_obj
def reverse(obj, text, limit):
    """Russian Cyrillic candidates for a romanized name, best first.

    Example: translit reverse Chruschtschow
    """
    from .romanized import reverse_candidates

    for cyr, score, sids in reverse_candidates(" ".join(text), obj.tables, limit=limit):
        click.echo(f"{cyr}\t{score:.3f}\t{','.join(sids) or '-'}")


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.pass_obj
def fold(obj, text):
    """The matching key of TEXT (and its alternates).

    Example: translit fold Đilas
    """
    t = " ".join(text)
    click.echo(obj.tables.folder.fold(t))
    for k in sorted(obj.tables.folder.keys(t) - {obj.tables.folder.fold(t)}):
        click.echo(k)


@cli.command()
@click.argument("name", nargs=-1)
@click.option("--jsonl", is_flag=True, help="Read queries from standard input, write JSON Lines.")
@click.option("--style", type=click.Choice(STYLES), default="en", show_default=True, help="House style.")
@click.option("--errors", type=click.Choice(["strict", "replace"]), default="strict")
@click.pass_obj
def lookup(obj, name, jsonl, style, errors):
    """Find the person a spelling denotes.

    Example: translit lookup "Nagy Imrének"
    """
    lk = obj.lookup
    if jsonl:
        queries = list(name) if name else _stdin_lines(errors)
        for q in queries:
            res = lk.lookup(q, style=style)
            sys.stdout.write(json.dumps(res.to_dict(), ensure_ascii=False) + "\n")
        return
    if not name:
        raise InputError("give a NAME (or --jsonl to read standard input)")
    q = " ".join(name)
    res = lk.lookup(q, style=style)
    if res.best is None:
        click.echo(f"{q}: ambiguous (two persons fit about equally)" if res.ambiguous else f"{q}: not known")
        for sid, form in res.transliterations.items():
            click.echo(f"  {sid}: {form}")
    else:
        _show_match(obj, res.best)
    others = [c for c in res.candidates if c is not res.best]
    if others:
        click.echo("  close alternatives:")
        for c in others[:4]:
            click.echo(f"    {c.person.native} ({c.person.id}) {c.score:.2f}")
    sys.exit(0 if res.best else 1)


def _show_match(obj, m):
    p = m.person
    click.echo(f"{m.canonical}  [{p.id}]  score {m.score:.2f}")
    click.echo(f"  native: {p.native}")
    if p.description:
        click.echo(f"  {p.description}")
    click.echo(f"  why: {m.why}")


class VariantsGroup(click.Group):
    """`translit variants ID` lists; `translit variants add|remove ...` edits."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands:
            return "list", self.commands["list"], args
        return super().resolve_command(ctx, args)


@cli.group(cls=VariantsGroup)
def variants():
    """Every spelling of a person; add or remove variants.

    Example: translit variants khrushchev-nikita
    """


@variants.command("list")
@click.argument("person_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def variants_list(obj, person_id, as_json):
    """All known and derivable spellings of a person, with their provenance.

    Example: translit variants list nagy-imre
    """
    person = obj.authority[person_id]
    forms = obj.authority.full_forms(person)
    if as_json:
        click.echo(json.dumps([v.to_dict() for v in forms], ensure_ascii=False, indent=2))
        return
    for v in forms:
        click.echo(f"{v.form}\t{v.kind}\t{v.source}")


@variants.command("add")
@click.argument("person_id")
@click.argument("form")
@click.option("--kind", default="spelling", show_default=True)
@click.option("--source", default="", help="Where the spelling comes from.")
@click.option("--who", default=None, help="Editor's name for the audit trail.")
@click.pass_obj
def variants_add(obj, person_id, form, kind, source, who):
    """Add a variant spelling to a person.

    Example: translit variants add firiubin-nikolai Firjubin --source "archive X"
    """
    from .editing import add_variant

    add_variant(obj.authority, obj.store, person_id, form, kind, source, who)
    click.echo(f"added {form!r} to {person_id}")


@variants.command("remove")
@click.argument("person_id")
@click.argument("form")
@click.option("--who", default=None)
@click.pass_obj
def variants_remove(obj, person_id, form, who):
    """Remove a variant spelling from a person.

    Example: translit variants remove firiubin-nikolai Firjubin
    """
    from .editing import remove_variant

    remove_variant(obj.authority, obj.store, person_id, form, who)
    click.echo(f"removed {form!r} from {person_id}")


for _command in cli_more.COMMANDS:  # persons, tables, normalize, serve, users (cli_more never imports this module)
    cli.add_command(_command)


def main() -> None:
    from . import cli_import, cli_more, cli_review  # noqa: F401 - registers persons, tables, normalize, serve, import, export, review

    cli(prog_name="translit")


if __name__ == "__main__":  # pragma: no cover
    main()
