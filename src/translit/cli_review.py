"""`translit review`: the queue of persons that batch runs discovered and the authority does not know."""

from __future__ import annotations

import json

import click

from . import review
from .cli import cli
from .errors import StoreError


def _store(obj):
    if obj.no_db or obj.store is None:
        raise StoreError("the review queue lives in the database: drop --no-db (or give --db PATH)")
    return obj.store


@cli.group("review")
def review_group():
    """Work the queue of discovered persons: list, show, accept, merge, reject.

    Example: translit review list --limit 10
    """


@review_group.command("list")
@click.option("--status", type=click.Choice(review.STATUSES), default="open", show_default=True)
@click.option("--limit", default=50, show_default=True)
@click.option("--offset", default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def review_list(obj, status, limit, offset, as_json):
    """The clusters, most often seen first.

    Example: translit review list --json
    """
    for item in review.items(_store(obj), status, limit, offset):
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False))
        else:
            near = ", ".join(f"{n['id']} {n['score']:.2f}" for n in item.get("nearest", []))
            click.echo(f"{item['cluster']}\t×{item['count']}\t{item['native']}\t{item.get('lang') or '?'}\t"
                       f"{len(item.get('spellings', {}))} spellings" + (f"\tnear: {near}" if near else ""))


@review_group.command("show")
@click.argument("key")
@click.pass_obj
def review_show(obj, key):
    """One cluster with its spellings, evidence, contexts and the nearest persons.

    Example: translit review show 'hebrang|a'
    """
    click.echo(json.dumps(review.get(_store(obj), key), ensure_ascii=False, indent=2))


@review_group.command("accept")
@click.argument("key")
@click.option("--id", "person_id", default=None, help="The new person's id (default: family-given).")
@click.option("--native", default=None)
@click.option("--lang", default=None)
@click.option("--family", default=None)
@click.option("--given", default=None)
@click.option("--order", type=click.Choice(["given-family", "family-given"]), default=None)
@click.option("--who", default=None)
@click.pass_obj
def review_accept(obj, key, person_id, who, **fields):
    """Create the proposed person (its parts may be corrected with the options).

    Example: translit review accept 'hebrang|a' --lang hr
    """
    person = review.accept(obj.authority, _store(obj), key, who, {"id": person_id, **fields})
    click.echo(f"added {person.id}: {person.native} ({len(person.variants)} variants)")


@review_group.command("merge")
@click.argument("key")
@click.argument("person_id")
@click.option("--who", default=None)
@click.pass_obj
def review_merge(obj, key, person_id, who):
    """Add the cluster's spellings to an existing person.

    Example: translit review merge 'vidi|d' vidic-dobrivoje
    """
    n = review.merge(obj.authority, _store(obj), key, person_id, who)
    click.echo(f"{person_id}: {n} variants added")


@review_group.command("reject")
@click.argument("key")
@click.option("--who", default=None)
@click.pass_obj
def review_reject(obj, key, who):
    """Never propose this cluster again.

    Example: translit review reject 'varsavsk|'
    """
    review.reject(_store(obj), key, who)
    click.echo(f"rejected {key}")
