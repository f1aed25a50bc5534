#!/usr/bin/env bash
# lufs and dynamic_range_variation (LRA) of `auralis fingerprint` against two independent
# BS.1770 / EBU Tech 3342 implementations, ffmpeg's ebur128 filter and libebur128 (through ctypes
# on ffmpeg-decoded PCM), on real files, with the differences. docs/fingerprint.md asks for +-0.1 LU
# (lufs) and +-1 LU (LRA).
# Usage: bench/loudness-vs-ffmpeg.sh [FILE_OR_DIR...]   (default: the Debian music packages present)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x artifacts/cli/auralis ] || ./build.sh
inputs=("$@")
if [ ${#inputs[@]} -eq 0 ]; then
  for d in /usr/share/games/asc/music /usr/share/games/wesnoth/1.16/data/core/music /usr/share/games/warzone2100/music; do
    if [ -d "$d" ]; then inputs+=("$d"); fi
  done
  for f in /usr/share/games/frozen-bubble/snd/frozen-mainzik-*.ogg; do
    if [ -f "$f" ]; then inputs+=("$f"); fi
  done
fi
compare=$(mktemp)
trap 'rm -f "$compare"' EXIT
cat > "$compare" <<'PY'
import array, ctypes, json, os, re, subprocess, sys
path, ours, ref = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
fp = ours["fingerprint"]
i = float(re.search(r"I:\s+(-?[\d.]+) LUFS", ref).group(1))
lra = float(re.search(r"LRA:\s+(-?[\d.]+) LU", ref).group(1))
pcm = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-f", "f32le", "-"],
                     capture_output=True, check=True).stdout
lib = ctypes.CDLL("libebur128.so.1")
lib.ebur128_init.restype = ctypes.c_void_p
lib.ebur128_init.argtypes = [ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
lib.ebur128_add_frames_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
lib.ebur128_loudness_global.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]
lib.ebur128_loudness_range.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]
samples = array.array("f")
samples.frombytes(pcm)
channels = ours["channels"]
state = lib.ebur128_init(channels, ours["sample_rate"], 0b1111)  # EBUR128_MODE_I | MODE_LRA
lib.ebur128_add_frames_float(state, samples.buffer_info()[0], len(samples) // channels)
li, ll = ctypes.c_double(), ctypes.c_double()
lib.ebur128_loudness_global(state, ctypes.byref(li))
lib.ebur128_loudness_range(state, ctypes.byref(ll))
a, b = fp["lufs"], fp["dynamic_range_variation"]
print(f"{os.path.basename(path)[:32]:32s} {a:8.2f} {i:8.2f} {a - i:+6.2f} {li.value:8.2f} {a - li.value:+6.2f} | "
      f"{b:6.2f} {lra:6.2f} {b - lra:+6.2f} {ll.value:6.2f} {b - ll.value:+6.2f}")
PY
printf '%-32s %8s %8s %6s %8s %6s | %6s %6s %6s %6s %6s\n' file lufs ffmpeg diff libebur diff lra ffmpeg diff libebur diff
find "${inputs[@]}" -maxdepth 1 -type f \( -name '*.mp3' -o -name '*.ogg' -o -name '*.opus' -o -name '*.flac' -o -name '*.wav' \) | sort |
while read -r f; do
  ours=$(./auralis fingerprint "$f" --json)
  ref=$(ffmpeg -nostats -hide_banner -nostdin -i "$f" -af ebur128 -f null - 2>&1 | sed -n '/Summary:/,$p')
  python3 "$compare" "$f" "$ours" "$ref"
done
