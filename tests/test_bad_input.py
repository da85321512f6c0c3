"""A catalogue of hostile and broken inputs, at every entry point: each gets a clear error or the right handling.

| input                                  | where                  | expected                                         |
|----------------------------------------|------------------------|--------------------------------------------------|
| invalid UTF-8                          | CLI transliterate/lookup/normalize | error naming the byte offset; --errors replace continues |
| UTF-8 BOM                              | CLI, library           | ignored / harmless                               |
| NFD (combining accents)                | library, normalize     | same answers as NFC; spans index the NFD text    |
| zero-width and bidi controls           | lookup, normalize      | ignored inside names                             |
| mixed Latin/Cyrillic look-alikes       | lookup, tables check   | read in the word's main script; tables reject it |
| extremely long lines and words         | lookup, normalize      | answer, no hang                                  |
| empty and whitespace-only              | CLI, library           | clear error (transliterate) or empty answer      |
| binary file                            | CLI normalize          | clear error                                      |
| CSV missing column, ragged rows        | normalize --format csv, tables import | error naming the column / line; nothing imported |
| malformed / oversized JSON, big batch  | web API                | 400 / 413 as JSON (tests/test_web.py)            |
| table file with a broken row           | loader, tables check   | error naming file and line; nothing half-loaded  |
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import translit
from translit.errors import InputError, TableError


def cli(args, env, stdin: bytes | None = None, timeout=300):
    return subprocess.run([sys.executable, "-m", "translit", *args], input=stdin, capture_output=True,
                          env=env, timeout=timeout)


def test_invalid_utf8_names_the_offset(cli_env):
    r = cli(["--no-db", "transliterate", "-s", "ru-bgn"], cli_env, "Хрущёв\n\xffабв\n".encode().replace(
        b"\xc3\xbf", b"\xff"))
    assert r.returncode != 0
    err = r.stderr.decode()
    assert "line 2" in err and "byte offset 13" in err and "Traceback" not in err
    assert r.stdout.decode() == "Khrushchëv\n"  # the line before the bad byte is not lost
    r = cli(["--no-db", "transliterate", "-s", "ru-bgn", "--errors", "replace"], cli_env, b"\xd0\xa5\xff\n")
    assert r.returncode == 0 and r.stdout.decode().startswith("Kh\ufffd")
    r = cli(["--no-db", "lookup", "--jsonl"], cli_env, b"Tito\n\xfe\n")
    assert r.returncode != 0 and "byte offset" in r.stderr.decode()


def test_bom_is_ignored(cli_env, tmp_path):
    r = cli(["--no-db", "transliterate", "-s", "ru-bgn"], cli_env, "\ufeffФирюбин\n".encode())
    assert r.stdout.decode().strip() == "Firyubin"
    assert translit.lookup("\ufeffTito").best.person.id == "broz-josip"
    f = tmp_path / "bom.txt"
    f.write_bytes("\ufeffNagy Imre és Tito.".encode())
    r = cli(["--no-db", "normalize", "--format", "spans", str(f)], cli_env)
    assert r.returncode == 0 and b"nagy-imre" in r.stdout and b"broz-josip" in r.stdout


def test_nfd_equals_nfc():
    nfd, nfc = "Mic\u0301unovic\u0301", "Mićunović"
    assert translit.lookup(nfd).best.person.id == translit.lookup(nfc).best.person.id
    assert translit.transliterate("Хрущ\u0435\u0308в", "ru-bgn") == translit.transliterate("Хрущёв", "ru-bgn")
    from translit.normalize import Normalizer

    text = f"Ambassador {nfd} wrote."
    (m,) = Normalizer().find(text)
    assert text[m.start:m.end] == nfd


@pytest.mark.parametrize("mark", ["\u200b", "\u200d", "\u00ad", "\u202e", "\u2066", "\ufeff"])
def test_invisible_characters_inside_names(mark):
    from translit.normalize import Normalizer

    assert translit.lookup(f"Khru{mark}shchev").best.person.id == "khrushchev-nikita"
    text = f"Then Khru{mark}shchev spoke."
    (m,) = Normalizer().find(text)
    assert m.surface == f"Khru{mark}shchev"


def test_mixed_script_lookalikes():
    assert translit.lookup("Хрущeв").best.person.id == "khrushchev-nikita"  # Latin e inside Cyrillic
    assert translit.lookup("Khrushchеv").best.person.id == "khrushchev-nikita"  # Cyrillic е inside Latin


def test_mixed_script_in_table_is_an_error(mini_tables):
    from translit.validate import check_tables

    (mini_tables / "persons" / "bad.toml").write_text(
        '[[person]]\nid = "petrov-ivan"\nnative = "Иван Пeтров"\nlang = "ru"\nfamily = "Пeтров"\ngiven = "Иван"\n',
        encoding="utf-8",
    )
    findings = check_tables(str(mini_tables))
    assert any(f.level == "error" and "mixed" in f.message and "bad.toml:3" in f.where for f in findings), findings


def test_extremely_long_input_does_not_hang(cli_env, tmp_path):
    word = "Khrushchev" * 20_000
    assert translit.lookup(word).best is None
    assert translit.lookup("Tito " * 5000).best is None or True  # answers at all (no hang) is the property
    f = tmp_path / "long.txt"
    f.write_text(("Tito " * 200_000) + "\n" + ("x" * 1_000_000) + " Kardelj\n", encoding="utf-8")
    r = cli(["--no-db", "normalize", "--format", "spans", str(f)], cli_env, timeout=600)
    assert r.returncode == 0
    assert r.stdout.count(b"\n") == 200_001


def test_empty_and_whitespace(cli_env):
    r = cli(["--no-db", "transliterate", "-s", "ru-bgn"], cli_env, b"")
    assert r.returncode != 0 and "empty input" in r.stderr.decode()
    assert translit.lookup("").best is None and translit.lookup(" \t\n").best is None
    assert translit.transliterate("", "ru-bgn") == ""
    with pytest.raises(InputError):
        translit.lookup(None)  # type: ignore[arg-type]


def test_broken_table_row_names_file_and_line(mini_tables):
    from translit.authority import Authority

    bad = mini_tables / "persons" / "broken.toml"
    bad.write_text('[[person]]\nid = "x-y"\nnative = "X Y"\nlang = "en"\nfamily = "Y"\ngiven = "X"\n\n'
                   '[[person]]\nid = "broken"\nnative = "Broken\n', encoding="utf-8")
    with pytest.raises(TableError) as exc:
        Authority(str(mini_tables))
    assert "broken.toml" in str(exc.value) and ":10" in str(exc.value)
    bad.write_text('[[person]]\nid = "x-y"\nlang = "en"\n', encoding="utf-8")
    with pytest.raises(TableError) as exc:
        Authority(str(mini_tables))
    assert "broken.toml" in str(exc.value) and "native" in str(exc.value)


def test_import_with_a_bad_row_imports_nothing(tmp_path, cli_env):
    csv_path = tmp_path / "add.csv"
    csv_path.write_text("id,form,kind,source\nkhrushchev-nikita,Chrusjtsjov,spelling,convention:nl\n"
                        "khrushchev-nikita,Chrusjtsjow,no-such-kind,x\n", encoding="utf-8")
    r = cli(["tables", "import", str(csv_path)], cli_env)
    assert r.returncode != 0 and "line 3" in r.stderr.decode()
    r = cli(["variants", "khrushchev-nikita"], cli_env)
    assert r.returncode == 0 and b"Chrusjtsjov" not in r.stdout  # all or nothing
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,form\nkhrushchev-nikita,A,B,C\n", encoding="utf-8")
    r = cli(["tables", "import", str(ragged)], cli_env)
    assert r.returncode != 0 and "line 2" in r.stderr.decode()
    r = cli(["tables", "import", str(tmp_path / "nope.csv")], cli_env)
    assert r.returncode != 0 and b"Traceback" not in r.stderr


def _person(pid, native, lang, family, given, variant=None, kind="spelling"):
    extra = f'variants = [{{ form = "{variant}", kind = "{kind}" }}]\n' if variant else ""
    return (f'[[person]]\nid = "{pid}"\nnative = "{native}"\nlang = "{lang}"\nfamily = "{family}"\n'
            f'given = "{given}"\n{extra}\n')


def test_tables_check_reports_claims_and_duplicates(mini_tables, cli_env):
    def check(*persons):
        (mini_tables / "persons" / "extra.toml").write_text("".join(persons), encoding="utf-8")
        r = cli(["--no-db", "--tables", str(mini_tables), "tables", "check"], cli_env)
        return r.returncode, r.stdout.decode() + r.stderr.decode()

    code, out = check(_person("kovacs-janos", "Kovács János", "hu", "Kovács", "János", "Iwanow"),
                      _person("petrov-petr", "Пётр Петров", "ru", "Петров", "Пётр", "Iwanow"))
    assert code != 0 and "claimed by two persons" in out and "iwanow" in out  # a real conflict
    code, out = check(_person("kovacs-janos", "Kovács János", "hu", "Kovács", "János", "Kovács", "short"),
                      _person("kovacs-bela-2", "Kovács Béla", "hu", "Kovács", "Béla", "Kovács", "short"))
    assert "deliberate ambiguity" in out  # namesakes: a warning
    code, out = check(_person("kovacs-bela", "Kovács Béla", "hu", "Kovács", "Béla"))
    assert code != 0 and "duplicate id" in out


def test_streamed_blocks_equal_line_by_line(cli_env):
    """Standard input goes through in blocks of lines; --line-buffered answers each line at once; both
    give what the library gives line by line, across block boundaries too."""
    lines = [f"Хрущёв {i} Ельцин ЕЛЬЦИН подъезд Юрий\r\n" if i % 7 else "\n" for i in range(4000)]
    data = "".join(lines)
    expected = "".join(translit.transliterate(line, "ru-de") for line in lines)
    for extra in ([], ["--line-buffered"]):
        r = cli(["--no-db", "transliterate", "-s", "ru-de", *extra], cli_env, data.encode())
        assert r.returncode == 0, r.stderr.decode()
        assert r.stdout.decode() == expected
