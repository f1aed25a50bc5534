#!/usr/bin/env bash
# Stored-fingerprint lookups over gRPC (docs/targets.md: p99 <= 5 ms with 64 concurrent clients on
# loopback). Makes a library of N tracks with random fingerprints, starts `auralis serve` on free
# ports, and drives GetTrackFingerprint from the independent grpc-js client (tests/interop) with
# 64 concurrent calls, over 1 connection (how a grpc-js channel multiplexes) and over 8.
# Prints the client's JSON: codes per status, p50/p90/p99/max in ms, requests per second.
# Usage: bench/grpc-lookups.sh [N tracks] [requests]   (defaults 50000 and 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50000}
requests=${2:-20000}
[ -x artifacts/cli/auralis ] || ./build.sh
[ -d tests/interop/node_modules ] || npm ci --prefix tests/interop --silent
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

dotnet run -c Release --project bench/Auralis.Benchmarks -- make-library "$n" "$work/library.db" > /dev/null
./auralis serve --db "$work/library.db" --urls http://127.0.0.1:0 --no-sidecars > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
address=$(sed -n 's#^auralis: listening on http://\([^ ]*\) .*#\1#p' "$work/serve.log")
[ -n "$address" ] || { cat "$work/serve.log"; exit 1; }

echo "library: $n tracks; server gRPC at $address; $(nproc) cores"
for channels in 1 8; do
  printf 'GetTrackFingerprint, 64 concurrent, %s connection(s): ' "$channels"
  node tests/interop/grpc-call.js --address "$address" --proto proto/auralis/v1/fingerprint.proto \
    --method GetTrackFingerprint --request "{\"track_id\": $((n / 2))}" \
    --concurrency 64 --channels "$channels" --requests "$requests" --warmup 2000
done
dotnet build -c Release bench/Auralis.Benchmarks > /dev/null
bench=bench/Auralis.Benchmarks/bin/Release/net10.0/Auralis.Benchmarks
"$bench" grpc-load "$address" $((n / 2)) --concurrency 64 --connections 1 --requests "$requests"
"$bench" grpc-load "$address" $((n / 2)) --concurrency 64 --connections 8 --requests "$requests"
echo "target: p99 <= 5 ms (docs/targets.md); client and server share the machine's cores"
