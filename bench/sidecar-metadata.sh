#!/usr/bin/env bash
# Issue 14's check on real music: a library filled only from .25d sidecars has the tags, duration
# and format of every track. Copies the music (sidecars are written beside the files), scans it
# into database A (decoding: durations from frames, sidecars written), then into a new database B
# (every fingerprint from a sidecar: durations from the header), then into C, a copy of A with its
# tags and metadata_read_at cleared (a library from before migration 5), with --no-sidecars:
# C must get its tags back without fingerprinting anything. Prints the counts of each.
# Default input: Debian's wesnoth music (apt-get install wesnoth-1.16-music), 41 Vorbis tracks.
# Usage: bench/sidecar-metadata.sh [DIR]   (needs sqlite3; AURALIS_CLI=path runs another build of the CLI)
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-/usr/share/games/wesnoth/1.16/data/core/music}
[ -d "$src" ] || { echo "no $src: pass a folder of music (or apt-get install wesnoth-1.16-music)" >&2; exit 2; }
command -v sqlite3 > /dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 2; }
cli=${AURALIS_CLI:-./auralis}
[ -n "${AURALIS_CLI:-}" ] || [ -x artifacts/cli/auralis ] || ./build.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/music"
find "$work/music" -name '*.25d' -delete
counts="SELECT COUNT(*) || ' tracks, title ' || COUNT(title) || ', artist ' || COUNT(artist) || ', album ' || COUNT(album) ||
  ', duration ' || COUNT(duration_s) || ', format ' || COUNT(format) || ', codec ' || COUNT(codec) ||
  ', tags unreadable ' || COUNT(metadata_error) || ', duration_source ' || COALESCE(group_concat(DISTINCT duration_source), '-') FROM tracks"
"$cli" scan "$work/music" --db "$work/a.db" | tail -1
echo "A (decoded):        $(sqlite3 "$work/a.db" "$counts")"
"$cli" scan "$work/music" --db "$work/b.db" | tail -1
echo "B (sidecars only):  $(sqlite3 "$work/b.db" "$counts")"
echo "B vs A: $(sqlite3 "$work/a.db" "ATTACH '$work/b.db' AS b; SELECT SUM(x.title IS y.title AND x.artist IS y.artist AND x.album IS y.album) || ' of ' || COUNT(*) ||
  ' tracks have the same tags; largest duration difference (header - frames) ' || printf('%.4f', MAX(ABS(y.duration_s - x.duration_s))) || ' s'
  FROM tracks x JOIN b.tracks y ON x.filepath = y.filepath")"
cp "$work/a.db" "$work/c.db"
sqlite3 "$work/c.db" "UPDATE tracks SET title = NULL, artist = NULL, album = NULL, album_artist = NULL, genre = NULL, year = NULL,
  track_number = NULL, disc_number = NULL, codec = NULL, bitrate_kbps = NULL, metadata_read_at = NULL, search_key = NULL, sort_name = NULL"
"$cli" scan "$work/music" --db "$work/c.db" --no-sidecars | tail -1
echo "C (tags refilled):  $(sqlite3 "$work/c.db" "$counts")"
