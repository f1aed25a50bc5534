#!/usr/bin/env bash
# Builds and tests Auralis. Usage:
#   ./build.sh          build everything (Rust core, header check, .NET solution, staged CLI)
#   ./build.sh test     build, then run every test (cargo test and dotnet test)
#   ./build.sh demo     build, then run `auralis demo`
#   ./build.sh header   regenerate native/include/auralis.h and the C# declarations generated
#                       from it (src/Auralis.Core/Native/NativeMethods.g.cs) after an ABI change
#   ./build.sh interop  install the independent gRPC implementations the tests call (npm grpc-js, python3-grpcio)
#   ./build.sh self-contained  only the check that nothing refers to documents outside the repository
# Missing system packages are installed with apt-get when running as root or with sudo:
# CI and new machines start bare, so everything the project needs is installed from here.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
MODE=${1:-build}
CONFIG=Release
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

# --- system packages -------------------------------------------------------------------------
apt_updated=0
apt_install() {
  local missing=("$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      die "missing packages: ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
    fi
  fi
  command -v apt-get >/dev/null || die "missing packages: ${missing[*]}, and no apt-get to install them"
  if [ $apt_updated -eq 0 ]; then
    log "apt-get update"
    $sudo apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_packages() {
  local need=()
  ldconfig -p 2>/dev/null | grep -q 'libsndfile\.so\.1 ' || need+=(libsndfile1)
  command -v cbindgen >/dev/null || need+=(cbindgen)
  command -v ffmpeg >/dev/null || need+=(ffmpeg)
  # python3 runs tools/gen_native_methods.py (the C# declarations from the C header).
  command -v python3 >/dev/null || need+=(python3)
  if [ "$MODE" = test ]; then
    # Real music for the integration tests: one small package (3 MP3s, 10 MB) and a few Vorbis
    # tracks; the tests skip with a visible reason where they are absent.
    dpkg -s asc-music >/dev/null 2>&1 || need+=(asc-music)
    dpkg -s frozen-bubble-data >/dev/null 2>&1 || need+=(frozen-bubble-data)
    # Debian's Chromium for the web page's browser test (tests/e2e drives it; never a download).
    [ -x /usr/bin/chromium ] || need+=(chromium)
    # libebur128: the reference loudness library the tests compare against.
    ldconfig -p 2>/dev/null | grep -q 'libebur128\.so\.1 ' || need+=(libebur128-1)
    # Debian's loudgain: the reference `auralis tag` is checked against (tests skip without it).
    command -v loudgain >/dev/null || need+=(loudgain)
    # fluidsynth and its General MIDI soundfont render the tempo suite's drum patterns (MIDI the
    # tests write); the suite skips with a visible reason without them.
    command -v fluidsynth >/dev/null || need+=(fluidsynth)
    [ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need+=(fluid-soundfont-gm)
  fi
  if [ "$MODE" = test ] || [ "$MODE" = interop ]; then
    # Node runs grpc-js, the independent gRPC client and server of the interop tests.
    command -v node >/dev/null || command -v nodejs >/dev/null || need+=(nodejs)
    command -v npm >/dev/null || need+=(npm)
    # Debian's grpcio (and protobuf runtime): the second independent gRPC client (tests/interop/grpc_call.py).
    dpkg -s python3-grpcio >/dev/null 2>&1 || need+=(python3-grpcio)
    dpkg -s python3-protobuf >/dev/null 2>&1 || need+=(python3-protobuf)
  fi
  apt_install "${need[@]}"
  command -v cargo >/dev/null || die "cargo (Rust) is not on PATH"
  command -v dotnet >/dev/null || die "dotnet (.NET SDK 10) is not on PATH"
}

# --- native core -----------------------------------------------------------------------------
build_native() {
  log "cargo build --release (native/)"
  (cd native && cargo build --release --locked --quiet)
}

check_header() {
  local generated
  generated=$(mktemp)
  (cd native && cbindgen --quiet --config cbindgen.toml --crate auralis-native --output "$generated")
  if [ "$MODE" = header ]; then
    mv "$generated" native/include/auralis.h
    log "regenerated native/include/auralis.h"
    return
  fi
  if ! diff -u native/include/auralis.h "$generated" >&2; then
    rm -f "$generated"
    die "native/include/auralis.h is out of date with native/src/ffi.rs: run ./build.sh header and commit it"
  fi
  rm -f "$generated"
  log "C header is current"
}

# The C# P/Invoke declarations are generated from the (checked) header; same rule as the header.
check_bindings() {
  local target=src/Auralis.Core/Native/NativeMethods.g.cs generated
  generated=$(mktemp)
  python3 tools/gen_native_methods.py native/include/auralis.h "$generated" || { rm -f "$generated"; die "tools/gen_native_methods.py failed"; }
  if [ "$MODE" = header ]; then
    mv "$generated" "$target"
    log "regenerated $target"
    return
  fi
  if ! diff -u "$target" "$generated" >&2; then
    rm -f "$generated"
    die "$target is out of date with native/include/auralis.h: run ./build.sh header and commit it"
  fi
  rm -f "$generated"
  log "C# declarations are current"
}

# --- a repository that stands on its own ------------------------------------------------------
# Every definition the code relies on lives in docs/; nothing may point at documents or paths
# outside the repository (the planning notes it was written from). The pattern is built from
# pieces so that this file does not match it.
check_self_contained() {
  local md='\.md' hits
  local pattern="SPEC${md}|FINGERPRINT${md}|ENVIRONMENT${md}|seed""s/|\.\./shar""ed"
  hits=$(grep -rnIE "$pattern" --exclude-dir=bin --exclude-dir=obj --exclude-dir=node_modules \
    --exclude-dir=target --exclude-dir=.git --exclude-dir=artifacts . || true)
  if [ -n "$hits" ]; then
    printf '%s\n' "$hits" >&2
    die "the lines above refer to documents or paths outside the repository: put what they need into docs/ and point there"
  fi
  log "the repository refers to nothing outside itself"
}

# --- .NET ------------------------------------------------------------------------------------
build_dotnet() {
  log "dotnet build Auralis.sln -c $CONFIG"
  dotnet build Auralis.sln -c $CONFIG --nologo -v quiet -clp:ErrorsOnly
  log "staging the CLI (artifacts/cli)"
  dotnet publish src/Auralis.Cli -c $CONFIG --no-build --nologo -v quiet -o artifacts/cli
}

# --- browser test (tests/e2e) ----------------------------------------------------------------
# playwright-core drives /usr/bin/chromium and downloads no browser. npm ci when node_modules is
# missing or older than the lock file; without npm or a registry the browser test skips and says why.
ensure_e2e() {
  local dir=tests/e2e
  if [ -f "$dir/node_modules/.package-lock.json" ] && [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null; then
    printf 'build.sh: warning: npm is not on PATH: the browser test will be skipped\n' >&2
    return 0
  fi
  log "npm ci --prefix $dir (playwright-core for the browser test)"
  if ! npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null; then
    printf 'build.sh: warning: npm ci failed in %s: the browser test will be skipped\n' "$dir" >&2
  fi
}

run_tests() {
  ensure_e2e
  local log
  log=$(mktemp)
  log "cargo test --release"
  # --lib: the crate's tests (the crate has no doc tests, and an empty doc-test run would print
  # a misleading "0 passed" as cargo's last word).
  (cd native && cargo test --release --locked --quiet --lib) 2>&1 | tee -a "$log"
  log "dotnet test"
  local status=0
  dotnet test Auralis.sln -c $CONFIG --no-build --nologo -v quiet --logger "console;verbosity=minimal" 2>&1 | tee -a "$log" || status=$?
  # One closing line over both runners.
  awk '
    /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
    /(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
    END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
  rm -f "$log"
  return $status
}

# --- gRPC interop (tests/interop) -------------------------------------------------------------
# npm ci when node_modules is missing or older than the lock file. A failure (no registry) is not
# fatal: the interop tests then skip, each showing why.
ensure_interop() {
  local dir=tests/interop
  if [ -f "$dir/node_modules/.package-lock.json" ] && [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    return 0
  fi
  log "npm ci --prefix $dir (@grpc/grpc-js for the gRPC interop tests)"
  if ! npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null; then
    printf 'build.sh: warning: npm ci failed in %s: the gRPC interop tests will be skipped\n' "$dir" >&2
  fi
}

ensure_packages
case "$MODE" in
  build) check_self_contained; build_native; check_header; check_bindings; build_dotnet ;;
  header) check_header; check_bindings ;;
  test) check_self_contained; build_native; check_header; check_bindings; build_dotnet; ensure_interop; run_tests ;;
  interop) ensure_interop
    node -p "'grpc-js ' + require('./tests/interop/node_modules/@grpc/grpc-js/package.json').version + ', proto-loader ' + require('./tests/interop/node_modules/@grpc/proto-loader/package.json').version"
    /usr/bin/python3 -c "import grpc, google.protobuf; print('grpcio', grpc.__version__ + ', protobuf', google.protobuf.__version__)" ;;
  demo) check_self_contained; build_native; check_header; check_bindings; build_dotnet; "$ROOT/auralis" demo ;;
  self-contained) check_self_contained ;;
  *) die "unknown mode '$MODE' (use: build, test, demo, header, interop, self-contained)" ;;
esac
