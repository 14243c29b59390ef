#!/usr/bin/env bash
# Until the first release, the schema is one initial migration: regenerate it from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f migrations/versions/*.py
tmp=$(mktemp -d)
REVIEW_INSTANCE_PATH="$tmp" .venv/bin/flask --app wsgi db migrate -m "initial schema" >/dev/null
rm -rf "$tmp"
ls migrations/versions
