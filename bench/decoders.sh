#!/usr/bin/env bash
# libsndfile vs the ffmpeg pipe, decoding the same files one at a time through AudioDecoder with
# each decoder forced; prints seconds, realtime factors and the ffmpeg/libsndfile ratio per format
# (docs/decoding.md, "Decoder order"). Default input: Debian's warzone2100-music (Opus) and
# wesnoth-1.16-music (Vorbis) if installed, plus MP3 and FLAC transcodes of a few wesnoth tracks
# made here with ffmpeg.
# Usage: bench/decoders.sh [FILE_OR_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ ${#args[@]} -eq 0 ]; then
  for d in /usr/share/games/warzone2100/music/albums/original_soundtrack /usr/share/games/wesnoth/1.16/data/core/music; do
    [ -d "$d" ] && args+=("$d")
  done
  [ ${#args[@]} -gt 0 ] || { echo "no input: pass files or folders (or apt-get install warzone2100-music wesnoth-1.16-music)" >&2; exit 2; }
  wesnoth=/usr/share/games/wesnoth/1.16/data/core/music
  if [ -d "$wesnoth" ] && command -v ffmpeg > /dev/null; then
    for f in $(ls "$wesnoth"/*.ogg | head -8); do
      b=$(basename "$f" .ogg)
      ffmpeg -nostdin -v error -y -i "$f" -c:a libmp3lame -b:a 192k "$work/$b.mp3"
      ffmpeg -nostdin -v error -y -i "$f" -c:a flac "$work/$b.flac"
    done
    args+=("$work")
  fi
fi
[ -f native/target/release/libauralis.so ] || ./build.sh
dotnet run -c Release --project bench/Auralis.Benchmarks -- decoders "${args[@]}"
