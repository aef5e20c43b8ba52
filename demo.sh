#!/usr/bin/env bash
# The demo: a simulated Nitter instance, the service collecting from it into an embedded
# PostgreSQL (./.pipeline/demo), dashboard on http://127.0.0.1:8558/ and health on /ready. Ctrl+C stops it.
# The terminal shows a status table (a status line every 10 s when the output is no terminal); the full log is written
# to ./.pipeline/demo/logs/demo-YYYYMMDD-HHMMSS.log.
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
# The build's output only if it fails: restore's warnings about resolved package versions say nothing to someone trying the demo.
echo "Building the service (dotnet build -c Release src/Pipeline.Host)..."
if ! build_output=$(dotnet build -c Release src/Pipeline.Host -nologo -v quiet 2>&1); then
  echo "$build_output" >&2
  exit 1
fi
exec dotnet src/Pipeline.Host/bin/Release/net10.0/pipeline.dll demo "$@"
