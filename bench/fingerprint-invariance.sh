#!/usr/bin/env bash
# Does the same music give the same fingerprint? For each real track: decode it to float WAV at its
# own rate (the reference), then make the same audio resampled (ffmpeg's soxr, precision 28) to the
# other rates of 32/44.1/48/96 kHz, stored as 24-bit and 16-bit PCM (rounded, and with triangular dither), and
# 12 dB quieter; fingerprint every file and print, per dimension, the largest change from the
# reference over the tracks with the invariance tolerances beside it (docs/fingerprint.md,
# "Invariance"; a decode that overshoots full scale is first attenuated so integer storage does
# not clip it), then LUFS and loudness range against libebur128 (through loudgain) per track.
# Nothing here is asserted: it reports, for the definitions the current build implements.
# Usage: bench/fingerprint-invariance.sh [--engine native|managed] [--fingerprint-version N] [--all] [FILE...]
#   --fingerprint-version 2: the definitions in development (default: the stored version)
#   default files: 8 wesnoth (Vorbis, 44.1 kHz) and 4 warzone (Opus, 48 kHz) tracks; --all: every
#   track of both (about 70, 25 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
engine=native
version=1
all=0
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine=$2; shift 2 ;;
    --fingerprint-version) version=$2; shift 2 ;;
    --all) all=1; shift ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) files+=("$1"); shift ;;
  esac
done
wesnoth=/usr/share/games/wesnoth/1.16/data/core/music
warzone=/usr/share/games/warzone2100/music/albums
if [ ${#files[@]} -eq 0 ]; then
  [ -d "$wesnoth" ] && [ -d "$warzone" ] || { echo "needs wesnoth-1.16-music and warzone2100-music (apt-get install them), or pass files" >&2; exit 2; }
  if [ $all = 1 ]; then
    files=("$wesnoth"/*.ogg "$warzone"/*/*.opus)
  else
    files=("$wesnoth"/{loyalists,battle-epic,elvish-theme,northerners,heroes_rite,the_king_is_dead,journeys_end,knalgan_theme}.ogg
           "$warzone"/original_soundtrack/track1.opus "$warzone"/aftermath_soundtrack/{track20,track25,menu_enhanced}.opus)
  fi
fi
command -v ffmpeg >/dev/null || { echo "needs ffmpeg" >&2; exit 2; }
[ -x artifacts/cli/auralis ] || ./build.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$engine" "$version" "${files[@]}" <<'PY'
import concurrent.futures, json, os, re, shutil, subprocess, sys

work, engine, version_asked, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
RATES = [32000, 44100, 48000, 96000]

# Dimension kinds and the invariance tolerances (absolute): 0-1 dimensions 0.02, % dimensions 1
# point, tempo 0.5 BPM, dB/LU/LUFS 0.2. Storage: 5 % relative or these, whichever is larger.
PERCENT = ['sub_bass_pct', 'bass_pct', 'low_mid_pct', 'mid_pct', 'upper_mid_pct', 'presence_pct', 'air_pct']
LEVEL = ['lufs', 'crest_db', 'bass_mid_ratio', 'dynamic_range_variation', 'loudness_variation_std']
def tolerance(name):
    return 1.0 if name in PERCENT else 0.5 if name == 'tempo_bpm' else 0.2 if name in LEVEL else 0.02

def ffmpeg(src, dst, *args):
    subprocess.run(['ffmpeg', '-nostdin', '-v', 'error', '-y', '-i', src, *args, dst], check=True)

def fingerprint(path):
    out = subprocess.run(['./auralis', 'fingerprint', path, '--json', '--engine', engine, '--fingerprint-version', version_asked], check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    return data['fingerprint'], data['fingerprint_version']

def loudgain(path):
    if shutil.which('loudgain') is None:
        return None
    out = subprocess.run(['loudgain', path], capture_output=True, text=True).stdout
    lufs = re.search(r'Loudness:\s+(-?[\d.]+) LUFS', out)
    lra = re.search(r'Range:\s+(-?[\d.]+) dB', out)
    return (float(lufs.group(1)), float(lra.group(1))) if lufs and lra else None

def one(index, src):
    base = os.path.join(work, str(index))
    ref = base + '-ref.wav'
    # A lossy decode may overshoot full scale; integer storage would clip it, which is not the
    # same audio. Such tracks are attenuated first (every variant comes from this reference).
    probe = subprocess.run(['ffmpeg', '-nostdin', '-v', 'info', '-i', src, '-af', 'astats=measure_perchannel=none:measure_overall=Peak_level', '-f', 'null', '-'],
                           capture_output=True, text=True).stderr
    peak = float(re.search(r'Peak level dB: (-?[\d.]+|-inf)', probe).group(1))
    trim = ['-af', f'volume={-(peak + 0.2):.1f}dB'] if peak > -0.2 else []
    ffmpeg(src, ref, *trim, '-c:a', 'pcm_f32le')
    rate = int(subprocess.run(['ffprobe', '-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=sample_rate',
                               '-of', 'csv=p=0', ref], check=True, capture_output=True, text=True).stdout.strip())
    variants = {}
    for r in RATES:
        if r != rate:
            variants[f'{r // 1000 if r % 1000 == 0 else r / 1000} kHz'] = (base + f'-{r}.wav', ['-af', 'aresample=resampler=soxr:precision=28', '-ar', str(r), '-c:a', 'pcm_f32le'])
    variants['24-bit'] = (base + '-s24.wav', ['-c:a', 'pcm_s24le'])
    variants['16-bit'] = (base + '-s16.wav', ['-c:a', 'pcm_s16le'])
    variants['16-bit dithered'] = (base + '-s16d.wav', ['-af', 'aresample=dither_method=triangular', '-c:a', 'pcm_s16le'])
    variants['-12 dB'] = (base + '-quiet.wav', ['-af', 'volume=-12dB', '-c:a', 'pcm_f32le'])
    reference, version = fingerprint(ref)
    changes = {}
    for name, (path, args) in variants.items():
        ffmpeg(ref, path, *args)
        changes[name] = fingerprint(path)[0]
        os.remove(path)
    ebu = loudgain(ref)
    os.remove(ref)
    return src, rate, version, reference, changes, ebu

results = []
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    for result in pool.map(lambda a: one(*a), enumerate(files)):
        results.append(result)
        print(f'  measured {os.path.basename(result[0])} ({result[1]} Hz)', file=sys.stderr, flush=True)

version = results[0][2]
names = list(results[0][3].keys())
groups = [('sample rate', lambda v: v.endswith('kHz')), ('storage', lambda v: 'bit' in v), ('gain -12 dB', lambda v: v == '-12 dB')]
print(f'fingerprint version {version}, engine {engine}, {len(results)} tracks; largest change from the float reference at the track\'s own rate')
print(f'{"dimension":26} {"tol":>6} | {"sample rate":>13} | {"storage":>13} | {"gain -12 dB":>13} | p10 / median / p90')
failing = {g: 0 for g, _ in groups}
for n in names:
    tol = tolerance(n)
    cells = []
    for group, member in groups:
        worst, worst_track = 0.0, None
        bad = 0
        for src, rate, _, ref, changes, _ in results:
            for variant, fp in changes.items():
                if not member(variant):
                    continue
                change = fp[n] - ref[n]
                if n == 'lufs' and group == 'gain -12 dB':
                    change += 12.0  # the truth: lufs moves by exactly -12
                    allowed = 0.05
                elif group == 'storage':
                    allowed = max(tol, 0.05 * abs(ref[n]))
                else:
                    allowed = tol
                if abs(change) > allowed:
                    bad += 1
                if abs(change) > abs(worst):
                    worst = change
        failing[group] += bad > 0
        cells.append(f'{worst:+9.3f} {"ok " if bad == 0 else f"x{bad:<2}"}')
    values = sorted(r[3][n] for r in results)
    p10, median, p90 = (values[round(q * (len(values) - 1))] for q in (0.1, 0.5, 0.9))
    print(f'{n:26} {tol:6.2f} | ' + ' | '.join(cells) + f' | {p10:.4g} / {median:.4g} / {p90:.4g}')
print('x N: N files beyond the tolerance (storage: 5 % relative or the tolerance; gain: lufs -12 +- 0.05)')
print('dimensions beyond tolerance: ' + ', '.join(f'{g} {c}' for g, c in failing.items()))

ebu = [(os.path.basename(r[0]), r[3]['lufs'], r[3]['dynamic_range_variation'], r[5]) for r in results if r[5] is not None]
if ebu:
    print('\nagainst libebur128 (loudgain), float reference:')
    print(f'{"track":30} {"lufs":>8} {"libebur128":>10} {"diff":>6} | {"LRA":>6} {"libebur128":>10} {"diff":>6}')
    for name, lufs, lra, (ref_lufs, ref_lra) in ebu:
        print(f'{name:30} {lufs:8.2f} {ref_lufs:10.2f} {lufs - ref_lufs:+6.2f} | {lra:6.2f} {ref_lra:10.2f} {lra - ref_lra:+6.2f}')
    print(f'largest |diff|: lufs {max(abs(l - r[0]) for _, l, _, r in ebu):.3f} LU (truth 0.1; loudgain prints 2 decimals), '
          f'LRA {max(abs(a - r[1]) for _, _, a, r in ebu):.3f} LU')
else:
    print('\nlibebur128 comparison skipped: loudgain is not installed (apt-get install loudgain)')
PY
