#!/usr/bin/env bash
# Set up translit on a fresh machine and run it.
#   bash setup.sh demo   install, then normalize a sample text and look names up (embedded default: no server)
#   bash setup.sh test   install with test extras, then lint, check the tables, audit the pins and run the tests
#   bash setup.sh lock   write constraints.txt anew: the exact versions pip resolves for .[test,bench]
# Installs use `pip install -c constraints.txt`: the same versions on every machine (see README, "Dependencies").
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-demo}"
PY="${PYTHON:-python3}"

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if ! pkg-config --exists icu-i18n 2>/dev/null; then need_apt+=(libicu-dev); fi
if ((${#need_apt[@]})); then
  echo "setup: PyICU is compiled against the system ICU and needs: ${need_apt[*]}" >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing them: apt-get install -y ${need_apt[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: install them first, e.g.:  sudo apt-get install ${need_apt[*]}   (Fedora: libicu-devel pkgconf)" >&2
    exit 1
  fi
fi
command -v g++ >/dev/null 2>&1 || { echo "setup: PyICU needs a C++ compiler: apt-get install g++" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
VPY=.venv/bin/python
$VPY -m pip install -q --upgrade pip 'setuptools>=78.1.1' >/dev/null

# The pins checked against known advisories with pip-audit (in a venv of its own), which reads them from
# PyPI's JSON for each release (-s pypi).  It is tried first on a pin with known advisories (flask 3.1.0):
# where it does not find them (the per-release JSON does not answer, as on the project's own machines,
# whose index serves packages but not that JSON), the check cannot work, says so, and the run goes on
# unless TRANSLIT_AUDIT=require.  Where it works, a known-vulnerable pin fails the run.
audit_pins() {
  [ "${TRANSLIT_AUDIT:-}" = skip ] && return 0
  [ -x .audit-venv/bin/pip-audit ] || { "$PY" -m venv .audit-venv && .audit-venv/bin/python -m pip install -q pip-audit; }
  local canary
  canary="$(mktemp)"
  echo "flask==3.1.0" > "$canary"
  if .audit-venv/bin/pip-audit -s pypi --no-deps --progress-spinner off -r "$canary" 2>&1 | grep -qE "GHSA-|PYSEC-|CVE-"; then
    rm -f "$canary"
    echo "setup: auditing constraints.txt against PyPI's advisories" >&2
    .audit-venv/bin/pip-audit -s pypi --strict --no-deps --progress-spinner off -r constraints.txt
  else
    rm -f "$canary"
    echo "setup: pin audit skipped: pip-audit -s pypi finds no advisory even for flask 3.1.0 here" \
         "(the index answers no per-release JSON)" >&2
    if [ "${TRANSLIT_AUDIT:-}" = require ]; then exit 1; fi
  fi
}

case "$mode" in
  demo)
    $VPY -m pip install -q -c constraints.txt -e .
    echo "== translit normalize (sample text, English house style) =="
    .venv/bin/translit --no-db normalize --format text examples/sample_en.txt
    echo "== translit lookup =="
    .venv/bin/translit --no-db lookup Hruscsovval || true
    printf 'Firjubin\nNagy Imrének\nМичунович\nLeonid Brezhnev\n' | .venv/bin/translit --no-db lookup --jsonl
    ;;
  test)
    $VPY -m pip install -q -c constraints.txt -e '.[test,bench]'
    if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing Debian chromium and chromium-driver for the browser tests" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
        || echo "setup: chromium could not be installed; the browser tests will be skipped" >&2
    fi
    .venv/bin/ruff check src tests bench wsgi.py
    .venv/bin/translit --no-db tables check
    audit_pins
    .venv/bin/python -m pytest -q -p no:cacheprovider "${@:2}"
    ;;
  lock)
    report="$(mktemp)"
    $VPY -m pip install -q --dry-run --ignore-installed --report "$report" -e '.[test,bench]'
    { echo "# Exact versions for a reproducible install: setup.sh installs with \`pip install -c constraints.txt\`."
      echo "# The whole resolution of .[test,bench] (direct and transitive). Regenerate with: bash setup.sh lock"
      echo "# Every pin is at or past the fixes of the advisories the README lists (section \"Dependencies and advisories\")."
      $VPY -c 'import json, sys
rows = sorted((i["metadata"]["name"].lower(), i["metadata"]["version"]) for i in json.load(open(sys.argv[1]))["install"])
print("\n".join(f"{n}=={v}" for n, v in rows if n != "translit"))' "$report"; } > constraints.txt
    rm -f "$report"
    echo "setup: wrote constraints.txt ($(grep -c '==' constraints.txt) pins)"
    ;;
  *)
    echo "usage: bash setup.sh demo|test|lock" >&2; exit 2 ;;
esac
