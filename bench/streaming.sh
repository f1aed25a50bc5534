#!/usr/bin/env bash
# /ws streaming against the targets of docs/targets.md: time to the first binary message after
# play_enhanced, cold (fresh server, library scanned, no plan or chunk cached), p50/p95 per track
# length (~3, ~9 and ~14 min); preset and intensity change at 60 s; seek to 80 %; and the server's
# resident memory with N concurrent enhanced streams. Real music: Debian's wesnoth-1.16-music
# (Ogg Vorbis) and warzone2100-music (Ogg Opus, up to 14 min); without them, generated FLAC tracks
# of the same lengths. The server listens on loopback only.
# Usage: bench/streaming.sh [streams] [--memory-only]   (default 10 streams; --memory-only skips the
# timings and runs the streams on the ~3 min tracks)
set -euo pipefail
cd "$(dirname "$0")/.."
streams=${1:-10}
shift || true
[ -x artifacts/cli/auralis ] || ./build.sh
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/music"
wesnoth=/usr/share/games/wesnoth/1.16/data/core/music
warzone=/usr/share/games/warzone2100/music/albums
# Copies, not links: a symlink out of the library root is refused.
pick() { [ -f "$1" ] && cp "$1" "$work/music/" && echo "  $(basename "$1")"; }
if [ -d "$wesnoth" ] && [ -d "$warzone" ]; then
  echo "library (real music):"
  # ~3 min (Vorbis), ~9-10 min (Vorbis and Opus), ~13-14 min (Opus), and a few more for the concurrent streams.
  for f in "$wesnoth"/{loyalists,elvish-theme,northerners,heroes_rite,the_king_is_dead,journeys_end}.ogg \
           "$wesnoth"/knalgan_theme.ogg "$warzone"/aftermath_soundtrack/{track20,track25}.opus \
           "$warzone"/aftermath_soundtrack/track26.opus "$warzone"/legacy_soundtrack/track10.opus; do
    pick "$f" || true
  done
else
  echo "library: generated FLAC tracks (install wesnoth-1.16-music and warzone2100-music for real music)"
  for spec in 1:180 2:185 3:190 4:200 5:210 6:220 7:560 8:590 9:760 10:850; do
    i=${spec%%:*}; seconds=${spec##*:}
    ffmpeg -v error -f lavfi -i "sine=frequency=$((110 * i)):duration=$seconds" -f lavfi -i "anoisesrc=d=$seconds:a=0.05" \
      -filter_complex amix=inputs=2 -ac 2 -ar 44100 "$work/music/gen$i.flac"
  done
fi
./auralis scan "$work/music" --db "$work/library.db" --no-sidecars --json | tail -1
./auralis serve --db "$work/library.db" --root "$work/music" --urls http://127.0.0.1:0 --no-sidecars > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
address=$(sed -n 's#^auralis: listening on \(http://[^ ]*\).*#\1#p' "$work/serve.log")
[ -n "$address" ] || { cat "$work/serve.log"; exit 1; }
# The CLI is a wrapper script: the server is its dotnet child.
pid=$(pgrep -P "$server" -f auralis || echo "$server")
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
dotnet run -c Release --project bench/Auralis.Benchmarks -- stream-timing "$address" --pid "$pid" --streams "$streams" "$@"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
