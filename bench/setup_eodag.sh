#!/bin/sh
# Create bench/.venv-eodag (a throwaway venv holding eodag for the comparison in search_bench.py).
# eodag is never a dependency of the plugin and the plugin never imports it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv-eodag"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import eodag" 2>/dev/null; then
    exit 0
fi
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-eodag.txt"
