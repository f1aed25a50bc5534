#!/usr/bin/env bash
# /ws streaming (docs/targets.md: first streamed chunk <= 500 ms) and server memory with 10 concurrent
# streams. Scans a library of real 2-5 minute tracks (wesnoth-1.16-music when installed, else
# ten generated 3-minute tracks), starts `auralis serve`, and runs the stream-timing client.
# Usage: bench/streaming.sh [streams]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
streams=${1:-10}
[ -x artifacts/cli/auralis ] || ./build.sh
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/music"
wesnoth=/usr/share/games/wesnoth/1.16/data/core/music
if ls "$wesnoth"/*.ogg > /dev/null 2>&1; then
  for f in $(ls "$wesnoth"/*.ogg | head -12); do cp "$f" "$work/music/"; done  # copies: a symlink out of the root is refused
  echo "library: 12 wesnoth tracks (Ogg Vorbis)"
else
  for i in $(seq 10); do
    ffmpeg -v error -f lavfi -i "sine=frequency=$((110 * i)):duration=180" -f lavfi -i "anoisesrc=d=180:a=0.05" \
      -filter_complex amix=inputs=2 -ac 2 -ar 44100 "$work/music/gen$i.flac"
  done
  echo "library: 10 generated 3-minute FLAC tracks"
fi
./auralis scan "$work/music" --db "$work/library.db" --no-sidecars --json | tail -1
./auralis serve --db "$work/library.db" --root "$work/music" --urls http://127.0.0.1:0 --no-sidecars > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
address=$(sed -n 's#^auralis: listening on \(http://[^ ]*\).*#\1#p' "$work/serve.log")
[ -n "$address" ] || { cat "$work/serve.log"; exit 1; }
# The CLI is a wrapper script: the server is its dotnet child.
pid=$(pgrep -P "$server" -f auralis || echo "$server")
dotnet run -c Release --project bench/Auralis.Benchmarks -- stream-timing "$address" --pid "$pid" --streams "$streams"
