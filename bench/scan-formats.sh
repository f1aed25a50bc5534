#!/usr/bin/env bash
# The scan at the decoder's speed, per format, in one run on the same files and cores
# (docs/targets.md): a whole `auralis scan` (fresh database, no sidecars) against
#   - ffmpeg decoding the same files to float32 and discarding them (decode-only), and
#   - loudgain computing track loudness and true peak (no tags written),
# each run with as many files at a time as there are workers. Prints per format the seconds of
# each, the ratios scan/ffmpeg (target <= 1.5) and scan/loudgain (target <= 0.4), and the scan's
# speed as 3-minute tracks per second per worker (target >= 3.5).
# Corpus: N Vorbis tracks of Debian's wesnoth music, FLAC and MP3 (192 kbit/s) transcodes of them
# (ffmpeg), and M Opus tracks of warzone2100-music. Files are copied into a temporary folder.
# Usage: bench/scan-formats.sh [--workers W] [--vorbis N] [--opus M]   (defaults: nproc, 12, 4)
set -euo pipefail
cd "$(dirname "$0")/.."
workers=$(nproc) vorbis=12 opus=4
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    --vorbis) vorbis=$2; shift 2 ;;
    --opus) opus=$2; shift 2 ;;
    *) echo "usage: bench/scan-formats.sh [--workers W] [--vorbis N] [--opus M]" >&2; exit 2 ;;
  esac
done
wesnoth=/usr/share/games/wesnoth/1.16/data/core/music
warzone=/usr/share/games/warzone2100/music/albums
for tool in ffmpeg ffprobe loudgain; do
  command -v $tool >/dev/null || { echo "scan-formats.sh: $tool is missing (apt-get install ffmpeg loudgain)" >&2; exit 2; }
done
[ -d "$wesnoth" ] || { echo "scan-formats.sh: no wesnoth music (apt-get install wesnoth-1.16-music)" >&2; exit 2; }
[ -x artifacts/cli/auralis ] || ./build.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/vorbis" "$work/flac" "$work/mp3" "$work/opus"
ls "$wesnoth"/*.ogg | grep -v silence | head -n "$vorbis" | while read -r f; do
  b=$(basename "$f" .ogg)
  cp "$f" "$work/vorbis/"
  ffmpeg -nostdin -v error -i "$f" -c:a flac "$work/flac/$b.flac"
  ffmpeg -nostdin -v error -i "$f" -c:a libmp3lame -b:a 192k "$work/mp3/$b.mp3"
done
if [ -d "$warzone" ]; then
  find "$warzone" -name '*.opus' | sort | head -n "$opus" | while read -r f; do cp "$f" "$work/opus/$(basename "$(dirname "$f")")-$(basename "$f")"; done
fi

seconds() { python3 -c "import sys; print((int(sys.argv[2]) - int(sys.argv[1])) / 1e9)" "$1" "$2"; }
echo "$(nproc) cores, $workers workers; $(uptime | sed 's/.*load average/load average/')"
printf '%-7s %5s %8s | %9s %9s %9s | %11s %13s %15s\n' format files audio_min ffmpeg_s scan_s loudgain_s "scan/ffmpeg" "scan/loudgain" "3-min/s/worker"
for format in vorbis opus flac mp3; do
  dir="$work/$format"
  files=$(find "$dir" -type f | wc -l)
  [ "$files" -gt 0 ] || continue
  audio=$(find "$dir" -type f -print0 | xargs -0 -n1 ffprobe -v error -show_entries format=duration -of csv=p=0 | python3 -c "import sys; print(sum(float(l) for l in sys.stdin if l.strip()) / 60)")
  # Decode-only first: it also warms the page cache for the two others.
  t0=$(date +%s%N)
  find "$dir" -type f -print0 | xargs -0 -n1 -P "$workers" sh -c 'ffmpeg -nostdin -v error -i "$0" -f f32le - > /dev/null'
  t1=$(date +%s%N)
  ./auralis scan "$dir" --db "$work/$format.db" --no-sidecars --workers "$workers" --json > "$work/$format.json"
  t2=$(date +%s%N)
  find "$dir" -type f -print0 | xargs -0 -n1 -P "$workers" loudgain -q > /dev/null 2>&1
  t3=$(date +%s%N)
  python3 - "$format" "$files" "$audio" "$(seconds "$t0" "$t1")" "$(seconds "$t1" "$t2")" "$(seconds "$t2" "$t3")" "$workers" <<'PY'
import sys
fmt, files, audio, ffmpeg, scan, loudgain, workers = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), *map(float, sys.argv[4:7]), int(sys.argv[7])
rate = audio / 3 / scan / workers
print(f"{fmt:<7} {files:>5} {audio:>8.1f} | {ffmpeg:>9.2f} {scan:>9.2f} {loudgain:>9.2f} | {scan / ffmpeg:>6.2f} (1.5) {scan / loudgain:>7.2f} (0.40) {rate:>9.2f} (3.5)")
PY
  tail -1 "$work/$format.json" | grep -q '"error":0' || echo "  (some $format tracks failed: $(tail -1 "$work/$format.json"))"
done
