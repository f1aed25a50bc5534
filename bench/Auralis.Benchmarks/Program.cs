using Auralis.Benchmarks;
using BenchmarkDotNet.Running;

// `dotnet run -c Release -- [BenchmarkDotNet args]` runs the in-process benchmarks;
// `dotnet run -c Release -- decode-vs-extract [--workers N] FILE_OR_DIR...` times decode-only
// against decode+extract on the same files in one run and prints the ratio (docs/targets.md).
if (args.Length > 0 && args[0] == "decode-vs-extract")
{
    return DecodeVsExtract.Run(args[1..]);
}

// `decode-only [--workers N] FILE_OR_DIR...`: seconds to decode every file (after a warm-up pass),
// for scripts that compare a whole `auralis scan` against decoding alone.
if (args.Length > 0 && args[0] == "decode-only")
{
    return DecodeVsExtract.DecodeOnlySeconds(args[1..]);
}

// `decoders FILE_OR_DIR...`: libsndfile against the ffmpeg pipe on the same files, per format,
// with the ratio (bench/decoders.sh; how AudioDecoder's order per format was chosen).
if (args.Length > 0 && args[0] == "decoders")
{
    return DecoderTiming.Run(args[1..]);
}

// `knn-graph [N]`: one full k-NN graph build (k = 10, all cores) over N random fingerprints
// (docs/targets.md: 100,000 tracks <= 60 s). Timed once: a build takes tens of seconds.
if (args.Length > 0 && args[0] == "knn-graph")
{
    return GraphTiming.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000);
}

// `make-library N DB`: a database of N tracks with random fingerprints, for CLI-level timing
// (e.g. `time ./auralis similar 1 --db DB` on 50,000 tracks).
if (args.Length > 2 && args[0] == "make-library")
{
    return GraphTiming.MakeLibrary(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2]);
}

// `stream-timing URL [--pid PID] [--streams N]`: first-chunk latency and memory of /ws streaming
// against a running `auralis serve` (bench/streaming.sh sets it up).
if (args.Length > 1 && args[0] == "stream-timing")
{
    return StreamingTiming.Run(args[1..]);
}

// `grpc-load HOST:PORT TRACK_ID [--concurrency C] [--requests N] [--connections K]`: stored-fingerprint
// lookups from our own gRPC client (bench/grpc-lookups.sh runs it next to grpc-js).
if (args.Length > 2 && args[0] == "grpc-load")
{
    return GrpcLoad.Run(args[1..]);
}

// `mastering-timing [RUNS]`: the mastering benchmarks timed by stopwatch, fastest of RUNS (default 7).
if (args.Length > 0 && args[0] == "mastering-timing")
{
    return MasteringBenchmarks.Timing(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 7);
}

// `mastering-sampling [--every N] FILE...`: sampled against full measuring passes on real files.
if (args.Length > 0 && args[0] == "mastering-sampling")
{
    return MasteringBenchmarks.Sampling(args[1..]);
}

// `plan-timing FILE...`: the scan's added plan measurement per track, and a cold stream's plan
// from stored data, from the fast measurement and from the earlier per-preset measurement.
if (args.Length > 0 && args[0] == "plan-timing")
{
    return PlanTiming.Run(args[1..]);
}

// `plan-accuracy FILE...`: the scan's stored plan (previous and current measurement) against
// full measuring passes, per preset, with the time each took.
if (args.Length > 0 && args[0] == "plan-accuracy")
{
    return PlanAccuracy.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(ExtractionBenchmarks).Assembly).Run(args);
return 0;
