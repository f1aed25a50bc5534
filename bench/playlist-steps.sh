#!/usr/bin/env bash
# Issue 16's check on real music: a playlist of 30 from a seed never repeats a track or a copy of
# one, and flows (each step a small change). Scans the wesnoth (Vorbis) and warzone (Opus) music
# plus MP3/FLAC transcodes of a few of them (the copies the playlist must not repeat) into a
# throwaway library, then for each seed compares `auralis playlist SEED -n 30` with the seed's
# plain top-30 list in that order (the seed and its 29 nearest): mean and largest step distance
# (song to song, measured with `auralis similar`), pieces that appear twice (same file name
# without extension: a transcode) and neighbouring tracks of one tagged album.
# Usage: bench/playlist-steps.sh [SEED_FILE_NAME...]   (default: loyalists.ogg track1.opus)
set -euo pipefail
cd "$(dirname "$0")/.."
wesnoth=/usr/share/games/wesnoth/1.16/data/core/music
warzone=/usr/share/games/warzone2100/music/albums
[ -d "$wesnoth" ] && [ -d "$warzone" ] || { echo "needs wesnoth-1.16-music and warzone2100-music (apt-get install them)" >&2; exit 2; }
[ -x artifacts/cli/auralis ] || ./build.sh
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(loyalists.ogg track1.opus)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/transcodes"
for f in battle-epic elvish-theme heroes_rite loyalists northerners; do
  ffmpeg -nostdin -v error -i "$wesnoth/$f.ogg" -map_metadata -1 -c:a libmp3lame -b:a 192k "$work/transcodes/$f.mp3"
done
ffmpeg -nostdin -v error -i "$warzone/original_soundtrack/track1.opus" -map_metadata -1 "$work/transcodes/track1.flac"
./auralis scan "$wesnoth" "$warzone" "$work/transcodes" --db "$work/library.db" --no-sidecars --no-plan-data --json | tail -1
python3 - "$work/library.db" "${seeds[@]}" <<'PY'
import functools, json, subprocess, sys
db, names = sys.argv[1], sys.argv[2:]
def run(*args):
    return json.loads(subprocess.check_output(['./auralis', *args, '--db', db, '--json']))
tracks = {t['id']: t for t in run('list')}
@functools.lru_cache(None)
def distances(i):
    return {x['track_id']: x['distance'] for x in run('similar', str(i), '-k', str(len(tracks)))}
def stem(i):
    return tracks[i]['path'].rsplit('/', 1)[-1].rsplit('.', 1)[0]
def describe(name, order):
    steps = [distances(a)[b] for a, b in zip(order, order[1:])]
    stems = [stem(i) for i in order]
    albums = [tracks[i]['album'] for i in order]
    runs = sum(1 for a, b in zip(albums, albums[1:]) if a is not None and a == b)
    print(f"  {name:8} {len(order)} tracks, mean step {sum(steps) / len(steps):.3f}, largest {max(steps):.3f}, "
          f"pieces twice {len(stems) - len(set(stems))}, neighbours on one tagged album {runs}")
    print('           ' + ', '.join(stems))
for name in names:
    seed = next((i for i, t in tracks.items() if t['path'].endswith('/' + name) and '/transcodes/' not in t['path']), None)
    if seed is None:
        sys.exit(f'no track named {name} in the library')
    print(f'seed {name} (track {seed}):')
    describe('playlist', [x['id'] for x in run('playlist', str(seed), '-n', '30')])
    describe('top-30', [seed] + [x['track_id'] for x in run('similar', str(seed), '-k', '29')])
PY
