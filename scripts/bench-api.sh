#!/usr/bin/env bash
# Installs the moto server (the peer the API benchmark compares with) and runs the API benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet "moto[server,stepfunctions]"
command -v pyenv >/dev/null && pyenv rehash || true
cargo bench -p stepd --bench api
