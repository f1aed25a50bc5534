#!/usr/bin/env bash
# `auralis scan` of real files against decoding the same files alone, on the same cores, in one run
# (docs/targets.md: a scan within 1.5x the decode-only time). The decode-only pass runs
# first and also warms the page cache; the scan writes to a throwaway database, without sidecars.
# Usage: bench/scan-vs-decode.sh [--workers N] DIR...   (default: the wesnoth music, if installed)
set -euo pipefail
cd "$(dirname "$0")/.."
workers=$(nproc)
dirs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    *) dirs+=("$1"); shift ;;
  esac
done
if [ ${#dirs[@]} -eq 0 ]; then
  for d in /usr/share/games/wesnoth/*/data/core/music; do [ -d "$d" ] && dirs+=("$d") && break; done
fi
[ ${#dirs[@]} -gt 0 ] || { echo "no input folders (apt-get install wesnoth-1.16-music, or pass folders)" >&2; exit 2; }
[ -x artifacts/cli/auralis ] || ./build.sh
dotnet build bench/Auralis.Benchmarks -c Release --nologo -v quiet >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
decode=$(dotnet bench/Auralis.Benchmarks/bin/Release/net10.0/Auralis.Benchmarks.dll decode-only --workers "$workers" "${dirs[@]}")
start=$(date +%s%N)
./auralis scan "${dirs[@]}" --db "$work/library.db" --no-sidecars --workers "$workers" --json | tail -1
end=$(date +%s%N)
python3 - "$decode" "$start" "$end" <<'PY'
import sys
decode, start, end = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
scan = (end - start) / 1e9
print(f"decode only: {decode:.2f} s   auralis scan (whole process): {scan:.2f} s   "
      f"extraction and storage add {100 * (scan / decode - 1):.0f} % (target <= 50 %)")
PY
