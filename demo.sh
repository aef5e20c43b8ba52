#!/usr/bin/env bash
# Runs the service on the embedded default: PostgreSQL from the local binaries in
# ./.pipeline/postgres, the shipped sample imported, health on http://127.0.0.1:8558/healthz/ready.
set -euo pipefail
cd "$(dirname "$0")"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL server binaries are missing: sudo apt-get install -y postgresql (or set PIPELINE_DB)" >&2
    exit 1
  fi
fi
# Built and started from the repository root, so ./.pipeline (data, inbox) lives here.
dotnet build -c Release src/Pipeline.Host -nologo -v quiet
exec dotnet src/Pipeline.Host/bin/Release/net10.0/pipeline.dll run "$@"
