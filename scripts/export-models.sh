#!/usr/bin/env bash
# Regenerates the model IR checked in under models/ (tests never need this):
# a venv in build/export-venv with the pinned exporter (models/requirements.txt,
# from PyPI; torch's wheel brings its CUDA libraries along, several GB), then
# models/export_llama_block.py (test models into models/, benchmark models
# into bench/models/).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${EXPORT_VENV:-$root/build/export-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r "$root/models/requirements.txt"
"$venv/bin/python" "$root/models/export_llama_block.py" "$root/models"
"$venv/bin/python" "$root/models/export_llama_block.py" --bench "$root/bench/models"
