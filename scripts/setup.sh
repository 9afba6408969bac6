#!/usr/bin/env bash
# Sets up hoso on a Debian/Ubuntu machine: the system packages it needs (apt, only those
# missing) and a .venv with the project and its test extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages hoso needs: LibreOffice with Debian's python3-uno for conversion, Liberation
# fonts as the metric-compatible Times New Roman, poppler-utils for the PDF checks and pictures,
# libnss3-tools (certutil) for the NSS database in which pdfsig trusts the development root.
# softhsm2 holds the PKCS#11 test tokens (softhsm2-util initialises them). chromium is the
# browser the web pages' tests drive with Playwright (which downloads no browser of its own).
APT_PACKAGES=(libreoffice-writer-nogui python3-uno fonts-liberation2 poppler-utils libnss3-tools softhsm2 chromium)
# Debian's own python3 needs python3-venv for `python3 -m venv`.
python3 -c 'import ensurepip, venv' 2>/dev/null || APT_PACKAGES+=(python3-venv)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# axe-core, the accessibility engine the browser tests inject into each page (tests/ui/axe.py),
# comes from npm at setup, pinned by package-lock.json, into node_modules/: never at run time.
# node and npm from apt only when the machine has none (a NodeSource node brings its own npm).
node_missing=()
command -v node >/dev/null || node_missing+=(nodejs)
command -v npm >/dev/null || node_missing+=(npm)
if ((${#node_missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: ${node_missing[*]}"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${node_missing[@]}"
fi
[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund --loglevel=error

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
touch .venv/.installed
