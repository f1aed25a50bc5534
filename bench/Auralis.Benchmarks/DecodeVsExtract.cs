using System.Buffers;
using System.Diagnostics;
using Auralis.Audio;
using Auralis.Fingerprinting;

namespace Auralis.Benchmarks;

/// <summary>
/// Whole-file figure behind the scan target of docs/targets.md (a scan within 1.5x the decode-only
/// time of the same files on the same cores). Decodes every file with N workers (decode only), then decodes
/// and fingerprints them with N workers, in the same process, and prints both times and the
/// ratio. The first pass also warms the page cache, so the comparison is fair to decoding.
/// </summary>
internal static class DecodeVsExtract
{
    private static readonly string[] Extensions = [".flac", ".mp3", ".ogg", ".opus", ".wav", ".aiff"];

    public static int DecodeOnlySeconds(string[] args)
    {
        var (workers, _, files) = ParseArguments(args);
        if (files.Count == 0)
        {
            Console.Error.WriteLine("decode-only: no audio files given");
            return 2;
        }

        DecodeOnly(files, workers); // warm-up: page cache, JIT
        Console.WriteLine(Time(() => DecodeOnly(files, workers)).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }

    public static int Run(string[] args)
    {
        var (workers, engineChoice, files) = ParseArguments(args);
        if (files.Count == 0)
        {
            Console.Error.WriteLine("decode-vs-extract: no audio files given");
            return 2;
        }

        var selection = FingerprintEngines.Select(engineChoice);
        if (selection.Notice is not null)
        {
            Console.Error.WriteLine($"note: {selection.Notice}");
        }

        DecodeOnly(files, workers); // warm-up: page cache, JIT
        var decode = Time(() => DecodeOnly(files, workers));
        var extract = Time(() => DecodeAndExtract(files, workers, selection.Engine));
        var audioSeconds = files.Sum(f => AudioSeconds(f));
        Console.WriteLine($"files: {files.Count}, audio: {audioSeconds / 60:0.0} min, workers: {workers}, engine: {selection.Engine.Name}");
        Console.WriteLine($"decode only:        {decode:0.000} s ({audioSeconds / decode:0}x realtime)");
        Console.WriteLine($"decode + extract:   {extract:0.000} s ({audioSeconds / extract:0}x realtime)");
        Console.WriteLine($"extraction overhead: {((extract / decode) - 1) * 100:0.0} % (target <= 50 %), ratio {extract / decode:0.00}");
        return 0;
    }

    private static (int Workers, EngineChoice Engine, List<string> Files) ParseArguments(string[] args)
    {
        var workers = Environment.ProcessorCount;
        var engineChoice = EngineChoice.Auto;
        var inputs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workers":
                    workers = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--engine":
                    engineChoice = FingerprintEngines.Parse(args[++i]);
                    break;
                default:
                    inputs.Add(args[i]);
                    break;
            }
        }

        var files = inputs.SelectMany(p => Directory.Exists(p)
                ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                : [p])
            .Order(StringComparer.Ordinal)
            .ToList();
        return (workers, engineChoice, files);
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    private static void DecodeOnly(List<string> files, int workers) =>
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = workers }, file =>
        {
            using var reader = AudioDecoder.Open(file);
            var buffer = ArrayPool<float>.Shared.Rent(FileFingerprinter.BlockFrames * reader.Info.Channels);
            while (reader.Read(buffer.AsSpan(0, FileFingerprinter.BlockFrames * reader.Info.Channels)) > 0)
            {
            }

            ArrayPool<float>.Shared.Return(buffer);
        });

    private static void DecodeAndExtract(List<string> files, int workers, IFingerprintEngine engine) =>
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = workers }, file => FileFingerprinter.Compute(file, engine));

    private static double AudioSeconds(string file)
    {
        using var reader = AudioDecoder.Open(file);
        return reader.Info.FramesHint is long frames ? (double)frames / reader.Info.SampleRate : 0;
    }
}
