#!/usr/bin/env node
// An independent gRPC server (grpc-js) implementing auralis.v1.FingerprintService just enough to
// test Auralis's C# client against something it did not write:
//   Health                 -> {status: "ok", version: "grpc-js-interop", engine: "none"}
//   GetTrackFingerprint    -> track_id 1: a 25-value fingerprint; otherwise NOT_FOUND with a
//                             message holding non-ASCII and percent characters (see MESSAGE below)
//   FingerprintFile path:  "/slow"              -> replies after 10 s (deadline tests)
//                          "/unavailable"       -> UNAVAILABLE, counting the calls
//                          "/unavailable-count" -> a reply whose track_id is that count
//                          anything else        -> PERMISSION_DENIED
//   FingerprintAudio       -> a reply whose track_id is the number of audio bytes received
// Usage: node grpc-server.js --proto ../../proto/auralis/v1/fingerprint.proto [--port 0]
// Prints {"port": N} once listening; exits when stdin closes (so it dies with its parent).
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};

const MESSAGE = 'track 7 not found: ünïcödé ✓ 100% done, 日本語';
const definition = protoLoader.loadSync(path.resolve(arg('proto', path.join(__dirname, '../../proto/auralis/v1/fingerprint.proto'))),
  { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const proto = grpc.loadPackageDefinition(definition);
let unavailableCalls = 0;

const reply = (trackId) => ({
  fingerprint: { values: Array.from({ length: 25 }, (_, i) => i / 4), fingerprint_version: 1 },
  source: 'database', track_id: String(trackId), duration_s: 180.5, sample_rate: 44100, channels: 2,
});

const server = new grpc.Server();
server.addService(proto.auralis.v1.FingerprintService.service, {
  Health: (call, callback) => callback(null, { status: 'ok', version: 'grpc-js-interop', fingerprint_version: 1, engine: 'none', tracks: '0' }),
  GetTrackFingerprint: (call, callback) => {
    if (String(call.request.track_id) === '1') callback(null, reply(1));
    else callback({ code: grpc.status.NOT_FOUND, details: MESSAGE });
  },
  FingerprintFile: (call, callback) => {
    const p = call.request.path;
    if (p === '/slow') setTimeout(() => callback(null, reply(2)), 10000).unref();
    else if (p === '/unavailable') { unavailableCalls++; callback({ code: grpc.status.UNAVAILABLE, details: 'try again later' }); }
    else if (p === '/unavailable-count') callback(null, reply(unavailableCalls));
    else callback({ code: grpc.status.PERMISSION_DENIED, details: `${p} is outside the library roots` });
  },
  FingerprintAudio: (call, callback) => callback(null, reply(call.request.audio.length)),
});

server.bindAsync(`127.0.0.1:${arg('port', '0')}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    process.stderr.write(`grpc-server.js: ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ port }) + '\n');
});

process.stdin.resume();
process.stdin.on('end', () => {
  server.forceShutdown();
  process.exit(0);
});
process.on('SIGTERM', () => server.forceShutdown() || process.exit(0));
