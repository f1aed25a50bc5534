#!/usr/bin/env node
// An independent gRPC client (grpc-js) for interop tests and load measurements of the Auralis
// server. Every call prints ONE JSON line and exits 0, whatever the status, so that tests assert
// on the code:
//   {"code": <grpc status number>, "details": "<status message>", "response": {...} | null}
//
// Usage:
//   node grpc-call.js --address 127.0.0.1:PORT --proto ../../proto/auralis/v1/fingerprint.proto \
//        --method FingerprintFile --request '{"path":"/x"}' [--service auralis.v1.FingerprintService]
//        [--deadline-ms N] [--token T] [--raw-hex HEX] [--metadata key=value]... [--request-file F]
//   Load mode (same call repeated): add --concurrency C --requests N [--channels K] [--warmup W];
//   prints {"requests", "concurrency", "channels", "codes": {"<code>": count}, "first_error",
//           "p50_ms", "p90_ms", "p99_ms", "max_ms", "elapsed_s", "rps"}.
//
// Field names in --request and in the printed response are the proto's (snake_case); int64 values
// are printed as strings, bytes as base64. --raw-hex sends the given bytes as the request message
// (not checked against the proto: for malformed-protobuf tests). --path overrides the method path
// ("/svc/Method"), to call methods the proto does not declare.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

function usage(message) {
  process.stderr.write(`grpc-call.js: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { metadata: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) usage(`unexpected argument '${arg}'`);
    const name = arg.slice(2);
    const value = argv[i + 1];
    if (value === undefined) usage(`${arg} needs a value`);
    i++;
    if (name === 'metadata') options.metadata.push(value);
    else options[name] = value;
  }
  return options;
}

function positiveInt(options, name, fallback) {
  if (options[name] === undefined) return fallback;
  const n = Number(options[name]);
  if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a non-negative integer`);
  return n;
}

const options = parseArgs(process.argv.slice(2));
if (!options.address) usage('--address HOST:PORT is required');
if (!options.method && !options.path) usage('--method NAME (or --path /svc/Method) is required');

const loaderOptions = { keepCase: true, longs: String, enums: String, bytes: String, defaults: true, oneofs: true };
let methodDef = null;
if (options.proto) {
  const definition = protoLoader.loadSync(path.resolve(options.proto), loaderOptions);
  for (const [serviceName, service] of Object.entries(definition)) {
    if (service.format !== undefined || typeof service !== 'object') continue; // a message type
    if (options.service && serviceName !== options.service) continue;
    if (options.method && service[options.method] && service[options.method].path) {
      methodDef = service[options.method];
      break;
    }
  }
  if (!methodDef && !options.path) usage(`no method ${options.method} in ${options.proto}`);
} else if (!options.path || options['raw-hex'] === undefined) {
  usage('--proto is required unless both --path and --raw-hex are given');
}

const methodPath = options.path || methodDef.path;
const identity = (x) => x;
let serialize, deserialize, argument;
if (options['raw-hex'] !== undefined) {
  if (!/^([0-9a-fA-F]{2})*$/.test(options['raw-hex'])) usage('--raw-hex must be an even number of hex digits');
  serialize = identity;
  argument = Buffer.from(options['raw-hex'], 'hex');
} else {
  serialize = methodDef.requestSerialize;
  try {
    // --request-file: the JSON in a file, for requests too big for one command-line argument
    // (Linux caps one argument at 128 KiB; an upload test sends more).
    const text = options['request-file'] !== undefined ? require('fs').readFileSync(options['request-file'], 'utf8') : options.request;
    argument = JSON.parse(text || '{}');
  } catch (e) {
    usage(`--request is not JSON: ${e.message}`);
  }
}
// A reply that the proto cannot decode must still print: fall back to its bytes in hex.
deserialize = (buffer) => {
  if (!methodDef) return { raw_hex: buffer.toString('hex') };
  try {
    return methodDef.responseDeserialize(buffer);
  } catch (e) {
    return { raw_hex: buffer.toString('hex'), decode_error: e.message };
  }
};

const deadlineMs = positiveInt(options, 'deadline-ms', undefined);
const channelOptions = { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 };

function makeClient(index) {
  // A separate subchannel pool per client, so that --channels K really opens K connections.
  return new grpc.Client(options.address, grpc.credentials.createInsecure(), index === 0 ? channelOptions : { ...channelOptions, 'grpc.use_local_subchannel_pool': 1, 'auralis.channel': index });
}

function call(client) {
  const metadata = new grpc.Metadata();
  if (options.token !== undefined) metadata.add('authorization', `Bearer ${options.token}`);
  for (const pair of options.metadata) {
    const eq = pair.indexOf('=');
    if (eq <= 0) usage(`--metadata wants key=value, got '${pair}'`);
    metadata.add(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const callOptions = deadlineMs === undefined ? {} : { deadline: new Date(Date.now() + deadlineMs) };
  return new Promise((resolve) => {
    client.makeUnaryRequest(methodPath, serialize, deserialize, argument, metadata, callOptions, (error, response) => {
      if (error) resolve({ code: error.code, details: error.details || '', response: null });
      else resolve({ code: 0, details: '', response });
    });
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index] * 1000) / 1000;
}

async function load() {
  const concurrency = positiveInt(options, 'concurrency', 1) || 1;
  const requests = positiveInt(options, 'requests', 1000);
  const channels = positiveInt(options, 'channels', 1) || 1;
  const warmup = positiveInt(options, 'warmup', 0);
  const clients = Array.from({ length: channels }, (_, i) => makeClient(i));
  for (let i = 0; i < warmup; i++) await call(clients[i % channels]);

  const codes = {};
  const latencies = [];
  let firstError = null;
  let next = 0;
  const started = process.hrtime.bigint();
  async function worker(w) {
    const client = clients[w % channels];
    while (next < requests) {
      next++;
      const t0 = process.hrtime.bigint();
      const result = await call(client);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      codes[result.code] = (codes[result.code] || 0) + 1;
      if (result.code !== 0 && firstError === null) firstError = { code: result.code, details: result.details };
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  clients.forEach((c) => c.close());
  return {
    requests, concurrency, channels, codes, first_error: firstError,
    p50_ms: percentile(latencies, 50), p90_ms: percentile(latencies, 90), p99_ms: percentile(latencies, 99),
    max_ms: latencies.length ? Math.round(latencies[latencies.length - 1] * 1000) / 1000 : null,
    elapsed_s: Math.round(elapsed * 1000) / 1000, rps: Math.round(requests / elapsed),
  };
}

async function main() {
  if (options.concurrency !== undefined || options.requests !== undefined) {
    process.stdout.write(JSON.stringify(await load()) + '\n');
  } else {
    const client = makeClient(0);
    const result = await call(client);
    client.close();
    process.stdout.write(JSON.stringify(result) + '\n');
  }
}

main().catch((e) => {
  process.stderr.write(`grpc-call.js: ${e.stack || e}\n`);
  process.exit(1);
});
