"""Discovery: the persons a text names that the authority does not know, their clusters and the review queue."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from translit import review
from translit.authority import Authority
from translit.discover import discoverer_for, skeleton
from translit.errors import InputError, NotFoundError
from translit.normalize import Normalizer, Report
from translit.store import Store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from eval_discovery import DEV, HELDOUT, evaluate, parse  # noqa: E402


@pytest.fixture(scope="module")
def nz(lookup):
    return Normalizer(lookup)


def clusters_of(nz, *texts):
    rep = Report()
    for t in texts:
        nz.find(t, rep)
    return {c["cluster"]: c for c in rep.to_dict(nz.lookup.authority)["unknown"]}


def found(nz, text):
    nz.find(text, Report())
    return [f.surface for f in nz.last_found]


def test_development_set(nz):
    r = evaluate(nz, DEV)
    assert r["marked"] >= 50
    assert r["recall"] >= 0.95 and r["precision"] >= 0.95, r["per_text"]
    assert r["purity"] >= 0.95 and r["native"] >= 0.9, r["wrong_native"]


def test_held_out_set_meets_the_targets(nz):
    """The issue's targets on texts the rules were not written on: ≥ 80 % of the unknown persons' mentions
    found, ≥ 85 % of the spans persons, clusters ≥ 0.95 pure."""
    r = evaluate(nz, HELDOUT)
    assert r["marked"] >= 30
    assert r["recall"] >= 0.80 and r["precision"] >= 0.85, r["per_text"]
    assert r["purity"] >= 0.95


def test_marked_texts_parse_back_to_their_surfaces():
    for path in [*DEV.glob("*.txt"), *HELDOUT.glob("*.txt")]:
        marked = path.read_text(encoding="utf-8")
        text, gold = parse(marked)
        assert "[[" not in text
        for s, e, _ in gold:
            assert f"[[{text[s:e]}|" in marked


@pytest.mark.parametrize("spellings, key", [
    (["Nagy", "Nađ", "Надь"], "nad"),
    (["Žujović", "Жујовић", "Жуйович"], "suiovic"),
    (["Konev", "Konyev", "Konew", "Коњев", "Конев"], "konev"),
    (["Brezhnev", "Brežnjev", "Брежнев", "Breschnew"], "bresnev"),
    (["Gomułka", "Gomulka", "Гомулка"], "gomulka"),
])
def test_one_name_one_skeleton_across_scripts_and_practices(spellings, key):
    assert {skeleton(s) for s in spellings} == {key}


def test_hungarian_order_and_case_endings_one_cluster(nz):
    """Péter Gábor (family first), Péter Gábort (accusative) and Gábor Péter (English order) are one person,
    whose family name is Péter."""
    c = clusters_of(nz, "Az ÁVH élén Péter Gábor állt, és Péter Gábort 1953-ban letartóztatták.",
                    "The secret police chief Gábor Péter was arrested in 1953.")
    peter = next(v for v in c.values() if "Péter Gábor" in v["spellings"])
    assert {"Péter Gábor", "Péter Gábort", "Gábor Péter"} <= set(peter["spellings"])
    assert (peter["native"], peter["family"], peter["given"], peter["lang"]) == ("Péter Gábor", "Péter", "Gábor", "hu")


def test_inflected_and_transcribed_family_names_join(nz):
    c = clusters_of(nz, "In 1948 Andrija Hebrang was arrested. Hebrang died in 1949.",
                    "Hebranga su optužili. Andrija Hebrang je uhapšen.", "Андрија Хебранг је ухапшен.",
                    "Jugoszláviában Andrija Hebrangot kizárták.")
    hebrang = c["hebrang|a"]
    assert {"Andrija Hebrang", "Hebrang", "Hebranga", "Андрија Хебранг", "Andrija Hebrangot"} <= set(hebrang["spellings"])
    assert hebrang["native"] == "Andrija Hebrang"
    assert "Andrija Hebrangot" not in hebrang["forms"]  # an inflected form is no variant to store


def test_russians_in_romanization_are_proposed_in_cyrillic(nz):
    c = clusters_of(nz, "A Varsói Szerződés csapatait I. Sz. Konyev marsall vezette.",
                    "Later that day Leonid Brezhnev spoke.")
    assert c["konev|i"]["native"] == "И. С. Конев" and c["konev|i"]["lang"] == "ru"
    assert c["bresnev|l"]["native"] == "Леонид Брежнев"


@pytest.mark.parametrize("text", [
    "Der Warschauer Pakt wurde 1955 gegründet.",
    "Die Stadt Posen erlebte im Juni Unruhen.",
    "Budapest Studenten protestierten am Dienstag.",
    "U Poljskoj i Mađarskoj trupe Varšavskog ugovora su bile spremne.",
    "Войска Варшавского договора вошли в Будапешт.",
    "Moša Pijade je preveo Kapital na srpski.",
])
def test_places_organisations_and_things_are_not_persons(nz, text):
    assert not [s for s in found(nz, text) if s not in ("Moša Pijade",)]


def test_titles_and_roles_are_evidence(nz):
    assert "Sobolew" in found(nz, "Im Herbst traf Botschafter Sobolew den Minister.")
    assert "Минц" in found(nz, "На заседании выступил товарищ Минц.")


def test_a_cut_form_of_a_known_name_points_to_that_person(nz):
    c = clusters_of(nz, "The envoy Dobrivoje Vidi met the foreign minister.")
    assert [n["id"] for n in next(iter(c.values()))["nearest"]] == ["vidic-dobrivoje"]


def _cli(args, env, cwd=None):
    return subprocess.run([sys.executable, "-m", "translit", *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=cwd)


def test_cli_spans_and_tei_mark_unknown_persons(tmp_path, cli_env):
    f = tmp_path / "a.txt"
    f.write_text("Andrija Hebrang and Sreten Žujović met Tito. Later Hebrang was arrested.\n", encoding="utf-8")
    r = _cli(["--no-db", "normalize", "--format", "spans", "--unknown", str(f)], cli_env)
    assert r.returncode == 0, r.stderr
    spans = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(s["surface"], s["id"]) for s in spans] == [
        ("Andrija Hebrang", None), ("Sreten Žujović", None), ("Tito", "broz-josip"), ("Hebrang", None)]
    assert spans[0]["cluster"] == spans[3]["cluster"] == "hebrang|a"
    assert spans[1]["proposed"]["family"] == "Žujović" and spans[1]["proposed"]["given"] == "Sreten"
    plain = _cli(["--no-db", "normalize", "--format", "spans", str(f)], cli_env)
    assert [json.loads(line)["id"] for line in plain.stdout.splitlines()] == ["broz-josip"]
    tei = _cli(["--no-db", "normalize", "--format", "tei", "--unknown", str(f)], cli_env)
    assert '<persName key="hebrang|a">Andrija Hebrang</persName>' in tei.stdout
    assert '<persName ref="#broz-josip"' in tei.stdout


def _plain(path: Path, out: Path) -> Path:
    out.write_text(parse(path.read_text(encoding="utf-8"))[0], encoding="utf-8")
    return out


def test_clusters_merge_across_files_and_processes(tmp_path, cli_env):
    files = [str(_plain(p, tmp_path / p.name)) for p in sorted(DEV.glob("*.txt"))]
    reports = []
    for jobs in ("1", "2"):
        rep = tmp_path / f"report{jobs}.json"
        r = _cli(["--no-db", "normalize", "--format", "spans", "--unknown", "--jobs", jobs, "--report", str(rep),
                  *files], cli_env)
        assert r.returncode == 0, r.stderr
        reports.append(json.loads(rep.read_text(encoding="utf-8"))["unknown"])
    one, two = ({u["cluster"]: u["spellings"] for u in rep} for rep in reports)
    assert one == two
    assert len(one["hebrang|a"]) >= 5 and len(one["konev|i"]) >= 6


@pytest.mark.slow
def test_dask_discovery_equals_one_process(tmp_path, nz):
    from dask.distributed import Client, LocalCluster

    from translit.batch import normalize_file, normalize_paths_dask

    files = [str(_plain(p, tmp_path / p.name)) for p in sorted(DEV.glob("*.txt"))]
    local = Report()
    for p in files:
        local.merge(normalize_file(p, fmt="spans", discover=True)[1])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        remote = Report()
        for _, out, rep in normalize_paths_dask(files, client, discover=True):
            remote.merge(rep)
            assert '"id": null' in out
    d = discoverer_for(nz.lookup)
    assert [c.key for c in remote.clusters.resolved(d)] == [c.key for c in local.clusters.resolved(d)]


# -- the review queue ---------------------------------------------------------------------------

@pytest.fixture()
def queue(tmp_path, nz):
    store = Store(tmp_path / "q.sqlite3")
    authority = Authority(nz.lookup.authority.tables, store=store)
    rep = Report()
    for p in sorted(DEV.glob("*.txt")):
        nz.find(parse(p.read_text(encoding="utf-8"))[0], rep)
    proposals = rep.to_dict(nz.lookup.authority)["unknown"]
    assert review.record(store, proposals, who="run") == len(proposals)
    return store, authority, proposals


def test_review_accept_creates_the_person_in_base_forms(queue):
    store, authority, _ = queue
    assert [i["cluster"] for i in review.items(store)][:2] == ["hebrang|a", "suiovic|s"]
    person = review.accept(authority, store, "hebrang|a", who="ed", overrides={"lang": "hr"})
    assert (person.id, person.native, person.lang, person.family, person.given) == (
        "hebrang-andrija", "Andrija Hebrang", "hr", "Hebrang", "Andrija")
    assert {v.form for v in person.variants} == {"Андрија Хебранг"}
    assert review.get(store, "hebrang|a")["status"] == "accepted"
    assert [h["action"] for h in store.history(limit=2)] == ["review-accepted", "add"]
    with pytest.raises(InputError, match="accepted already"):
        review.accept(authority, store, "hebrang|a")


def test_review_reject_is_remembered_and_merge_adds_spellings(queue, nz):
    store, authority, proposals = queue
    review.reject(store, "apro|a", who="ed")
    assert review.record(store, proposals) == len(proposals) - 1  # a rejected cluster is not reopened
    assert review.get(store, "apro|a")["status"] == "rejected"
    assert "apro|a" not in {i["cluster"] for i in review.items(store)}
    added = review.merge(authority, store, "tildi|s", "kovacs-bela", who="ed")
    assert added == 2 and {"Zoltán Tildy", "Tildy Zoltán"} <= {v.form for v in authority["kovacs-bela"].variants}
    with pytest.raises(NotFoundError):
        review.reject(store, "no-such|x")


def test_review_queue_is_capped(tmp_path):
    store = Store(tmp_path / "cap.sqlite3")
    props = [{"cluster": f"name{i}|a", "count": i + 1, "native": f"N{i}", "spellings": {f"N{i}": i + 1}}
             for i in range(30)]
    review.record(store, props, cap=10)
    kept = review.items(store, limit=100)
    assert len(kept) == 10 and min(i["count"] for i in kept) == 21  # the most frequent first
    review.record(store, props[:1] + [{"cluster": "new|x", "count": 99, "native": "New", "spellings": {"New": 99}}],
                  cap=10)
    assert len(review.items(store, limit=100)) == 10  # full: a new cluster waits, the queued ones stay


def test_review_needs_a_language_and_a_database(queue, cli_env):
    store, authority, _ = queue
    review.record(store, [{"cluster": "kovalev|p", "count": 2, "native": "Kovalev Pjotr", "lang": "",
                           "family": "Kovalev", "given": "Pjotr", "spellings": {"Kovalev Pjotr": 2}}])
    with pytest.raises(InputError, match="give --lang"):
        review.accept(authority, store, "kovalev|p")
    assert review.get(store, "kovalev|p")["status"] == "open"  # nothing written
    r = _cli(["--no-db", "review", "list"], cli_env)
    assert r.returncode != 0 and "database" in r.stderr and "Traceback" not in r.stderr


def test_web_review_queue_accept_and_reject(tmp_path, monkeypatch):
    """An editor's normalize run feeds the queue; the review page shows the clusters and accepts one as a
    person; an anonymous visitor's run adds nothing."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_web import csrf_of, login
    from translit.web import create_app

    app = create_app({"TESTING": True, "TRANSLIT_DB": str(tmp_path / "w.sqlite3")})
    client = app.test_client()
    text = "In 1948 Andrija Hebrang and Sreten Žujović were arrested. Hebrang died in 1949."
    client.post("/normalize", data={"text": text, "csrf": csrf_of(client, "/normalize")})
    token = login(app, client)
    assert "Nothing to review" in client.get("/review").get_data(as_text=True)
    client.post("/normalize", data={"text": text, "csrf": csrf_of(client, "/normalize")})
    html = client.get("/review").get_data(as_text=True)
    assert "Andrija Hebrang" in html and "Sreten Žujović" in html
    r = client.post("/review", data={"key": "hebrang|a", "action": "accept", "lang": "hr", "native": "Andrija Hebrang",
                                     "family": "Hebrang", "given": "Andrija", "order": "given-family", "id": "",
                                     "csrf": token})
    assert r.status_code == 303
    client.post("/review", data={"key": "suiovic|s", "action": "reject", "csrf": token})
    html = client.get("/review").get_data(as_text=True)
    assert "Andrija Hebrang" not in html and "Žujović" not in html
    assert client.get("/person/hebrang-andrija").status_code == 200
