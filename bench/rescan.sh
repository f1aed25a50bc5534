#!/usr/bin/env bash
# Rescan of an unchanged library (docs/targets.md: 10,000 unchanged files <= 5 s). Makes N copies of a
# short valid WAV, scans once (fingerprinting them), then times a rescan, which only stats files.
# Usage: bench/rescan.sh [N]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
[ -x artifacts/cli/auralis ] || ./build.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/music"
ffmpeg -v error -f lavfi -i sine=frequency=440:duration=0.6 -ac 2 "$work/tone.wav"
for ((i = 0; i < n; i++)); do
  d="$work/music/album$((i / 100))"
  [ $((i % 100)) -eq 0 ] && mkdir -p "$d"
  cp "$work/tone.wav" "$d/track$i.wav"
done
./auralis scan "$work/music" --db "$work/library.db" --no-sidecars --json > /dev/null || true
start=$(date +%s%N)
./auralis scan "$work/music" --db "$work/library.db" --no-sidecars --json | tail -1
end=$(date +%s%N)
echo "rescan of $n unchanged files: $(( (end - start) / 1000000 )) ms (whole process; target <= 5 s for 10,000)"
