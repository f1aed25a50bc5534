#!/usr/bin/env bash
# Stored-fingerprint lookups over gRPC (docs/targets.md: p99 <= 5 ms with 64 concurrent clients on
# loopback, zero errors). Makes a library of N tracks with random fingerprints, starts
# `auralis serve` on a free port, and drives GetTrackFingerprint with 64 concurrent calls from the
# independent grpc-js client (tests/interop) and from the C# load generator (Grpc.Net.Client,
# bench/Auralis.Benchmarks grpc-load), each over 1 connection and over 8.
# Prints per run: the calls per status (grpc-js "codes", C# "errors"), p50/p90/p99/max in ms, calls/s.
#
# Usage: bench/grpc-lookups.sh [--before DIR] [N tracks] [requests]   (defaults 50000 and 20000)
#   --before DIR: also measure another built checkout (DIR/artifacts/cli/auralis and its
#   bench/Auralis.Benchmarks), e.g. the previous release:
#     git clone -q . /tmp/before && (cd /tmp/before && git checkout REV && ./build.sh)
#   Both servers run side by side on the same library and are measured alternately, run by run,
#   so that both face the same machine load.
set -euo pipefail
cd "$(dirname "$0")/.."
before=
if [ "${1:-}" = --before ]; then
  before=$(cd "$2" && pwd)
  shift 2
  [ -x "$before/artifacts/cli/auralis" ] || { echo "grpc-lookups.sh: $before/artifacts/cli/auralis is missing: run ./build.sh there" >&2; exit 1; }
fi
n=${1:-50000}
requests=${2:-20000}
[ -x artifacts/cli/auralis ] || ./build.sh
[ -d tests/interop/node_modules ] || npm ci --prefix tests/interop --silent
work=$(mktemp -d)
servers=()
cleanup() { for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

labels=(after)
dirs=("$PWD")
if [ -n "$before" ]; then labels=(before after); dirs=("$before" "$PWD"); fi

addresses=()
for i in "${!labels[@]}"; do
  label=${labels[$i]} dir=${dirs[$i]}
  dotnet build -c Release "$dir/bench/Auralis.Benchmarks" > /dev/null
  # Each side makes its own library (same seed, same tracks): an older release cannot open a
  # database of a newer schema.
  dotnet run -c Release --no-build --project "$dir/bench/Auralis.Benchmarks" -- make-library "$n" "$work/$label.db" > /dev/null
  "$dir/artifacts/cli/auralis" serve --db "$work/$label.db" --urls http://127.0.0.1:0 --no-sidecars > "$work/$label.log" 2>&1 &
  servers+=($!)
  for _ in $(seq 100); do grep -q 'listening on' "$work/$label.log" && break; sleep 0.1; done
  address=$(sed -n 's#^auralis: listening on http://\([^ ]*\) .*#\1#p' "$work/$label.log")
  [ -n "$address" ] || { cat "$work/$label.log"; exit 1; }
  addresses+=("$address")
  echo "$label: $(git -C "$dir" log -1 --format='%h %s' | cut -c1-72); gRPC at $address"
done
echo "library: $n tracks; $(nproc) cores; $(uptime | sed 's/.*load average/load average/')"

track=$((n / 2))
for channels in 1 8; do
  for i in "${!labels[@]}"; do
    printf '%-6s grpc-js, 64 concurrent, %s connection(s): ' "${labels[$i]}" "$channels"
    node tests/interop/grpc-call.js --address "${addresses[$i]}" --proto proto/auralis/v1/fingerprint.proto \
      --method GetTrackFingerprint --request "{\"track_id\": $track}" \
      --concurrency 64 --channels "$channels" --requests "$requests" --warmup 2000
  done
done
for connections in 1 8; do
  for i in "${!labels[@]}"; do
    printf '%-6s ' "${labels[$i]}"
    "${dirs[$i]}/bench/Auralis.Benchmarks/bin/Release/net10.0/Auralis.Benchmarks" grpc-load "${addresses[$i]}" "$track" \
      --concurrency 64 --connections "$connections" --requests "$requests" || true
  done
done
echo "target: p99 <= 5 ms, zero errors (docs/targets.md); clients and servers share the machine's cores"
