#!/usr/bin/env bash
# Quick start: install what is missing, build (release), run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
scripts/demo.sh
