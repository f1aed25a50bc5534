#!/usr/bin/env bash
# Decode-only vs decode+extract on the same real files, same cores, one run (the scan target of
# docs/targets.md: within 1.5x decode-only). Default input: Debian's wesnoth music (41 Vorbis tracks), if installed.
# Usage: bench/decode-vs-extract.sh [--workers N] [--engine auto|native|managed] [FILE_OR_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
has_input=0
for a in "$@"; do case "$a" in --*) ;; *) [ -e "$a" ] && has_input=1 ;; esac; done
if [ $has_input -eq 0 ]; then
  for d in /usr/share/games/wesnoth/1.16/data/core/music /usr/share/games/wesnoth/*/data/core/music; do
    [ -d "$d" ] && { args+=("$d"); has_input=1; break; }
  done
fi
[ $has_input -eq 1 ] || { echo "no input: pass files or folders (or apt-get install wesnoth-1.16-music)" >&2; exit 2; }
[ -f native/target/release/libauralis.so ] || ./build.sh
exec dotnet run -c Release --project bench/Auralis.Benchmarks -- decode-vs-extract "${args[@]}"
