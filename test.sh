#!/usr/bin/env bash
# Runs every test against a real PostgreSQL (throwaway clusters started by the test fixtures
# from the local server binaries). Installs what is missing first. Usage: ./test.sh [dotnet test args]
set -euo pipefail
cd "$(dirname "$0")"

have_pg_binaries() {
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1
}

# Installs a Debian package as root, or says how to and stops.
install_package() {
  echo "$2 not found; installing Debian's $1 package"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Run as root, or install it yourself: sudo apt-get install -y $1" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$1" >/dev/null
}

if ! have_pg_binaries; then
  install_package postgresql "PostgreSQL server binaries"
fi

# The dashboard's browser test drives Debian's headless Chromium (no browser download).
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && [ -z "${PIPELINE_CHROMIUM:-}" ]; then
  install_package chromium "Chromium"
fi

# The dashboard shows emoji (sentiment faces, flags); without a colour emoji font its screenshot shows boxes.
# Cosmetic: without root it is only mentioned.
if [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    install_package fonts-noto-color-emoji "A colour emoji font"
  else
    echo "No colour emoji font: the dashboard screenshot will show boxes (sudo apt-get install -y fonts-noto-color-emoji)"
  fi
fi

# The deployment tests read the shipped compose file through docker-compose itself (no daemon needed).
if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
  install_package docker-compose "docker-compose"
fi

if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  # PostgreSQL refuses to run as root; the fixtures run it as this system user.
  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet restore Pipeline.sln
dotnet build Pipeline.sln --no-restore -c Release -warnaserror

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Pipeline.sln --no-build -c Release "$@" 2>&1 | tee "$log" || status=$?

# One closing line over all test projects.
awk '
  /Failed:[[:space:]]*[0-9]+,[[:space:]]*Passed:[[:space:]]*[0-9]+/ {
    line = $0
    gsub(/[^0-9,]/, " ", line)
    n = split(line, parts, ",")
    f += parts[1] + 0; p += parts[2] + 0; s += parts[3] + 0
  }
  END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }
' "$log"
exit $status
