#!/usr/bin/env bash
# Set up translit on a fresh machine and run it.
#   bash setup.sh demo   install, then normalize a sample text and look names up (embedded default: no server)
#   bash setup.sh test   install with test extras, then lint, check the tables and run the whole test suite
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
$VPY -m pip install -q --upgrade pip >/dev/null

case "$mode" in
  demo)
    $VPY -m pip install -q -e .
    echo "== translit normalize (sample text, English house style) =="
    .venv/bin/translit --no-db normalize --format text examples/sample_en.txt
    echo "== translit lookup =="
    .venv/bin/translit --no-db lookup Hruscsovval || true
    printf 'Firjubin\nNagy Imrének\nМичунович\nLeonid Brezhnev\n' | .venv/bin/translit --no-db lookup --jsonl
    ;;
  test)
    $VPY -m pip install -q -e '.[test,bench]'
    if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing Debian chromium and chromium-driver for the browser tests" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
        || echo "setup: chromium could not be installed; the browser tests will be skipped" >&2
    fi
    .venv/bin/ruff check src tests bench wsgi.py
    .venv/bin/translit --no-db tables check
    .venv/bin/python -m pytest -q -p no:cacheprovider "${@:2}"
    ;;
  *)
    echo "usage: bash setup.sh demo|test" >&2; exit 2 ;;
esac
