using System.Diagnostics;
using System.Globalization;
using Auralis.Fingerprinting;
using Auralis.Mastering;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;

namespace Auralis.Benchmarks;

/// <summary>
/// `plan-timing FILE...`: per file, what the scan adds (the fingerprint extraction, then the
/// planner's all-presets measurement it now also makes) and what a cold stream waits for to plan:
/// from stored data, with the fast measurement, and with the per-preset sampled measurement
/// streams used before plans were stored (docs/mastering.md, "Stored plan data").
/// </summary>
internal static class PlanTiming
{
    /// <summary>The scan's default engine: the native core when it loads, else the managed one.</summary>
    private static readonly IFingerprintEngine Engine = FingerprintEngines.Select(FingerprintEngines.Parse("auto")).Engine;

    public static int Run(string[] files)
    {
        if (files.Length == 0)
        {
            Console.Error.WriteLine("usage: plan-timing FILE...");
            return 2;
        }

        var previousStreaming = new PlannerOptions { WindowEvery = 4 };
        Console.WriteLine($"# fingerprint engine: {Engine.Name}");
        Console.WriteLine("file\tseconds\tfingerprint_s\tscan_measure_s\tadded_%\tfrom_stored_ms\tfast_plan_ms\tprevious_plan_ms\tfast_gain_err_db");
        foreach (var file in files)
        {
            var clock = Stopwatch.StartNew();
            TrackLoudnessMeter? meter = null;
            var fingerprint = FileFingerprinter.Compute(file, Engine, info => meter = new TrackLoudnessMeter(info.SampleRate, info.Channels)).Fingerprint;
            var fingerprintSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            var source = new AudioFilePcmSource(file);
            var stored = MasteringPlanner.MeasureForStorage(fingerprint, source, meter!.Finish());
            var measureSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            var fromStored = MasteringPlanner.FromStored(fingerprint, stored, "adaptive")!;
            var storedMs = clock.Elapsed.TotalMilliseconds;

            // Cold, as a stream start sees it: a new source (header read) and the measurement.
            clock.Restart();
            var fast = MasteringPlanner.Plan(fingerprint, new AudioFilePcmSource(file), "adaptive", MasteringPlanner.FastMeasurement);
            var fastMs = clock.Elapsed.TotalMilliseconds;

            clock.Restart();
            MasteringPlanner.Plan(fingerprint, new AudioFilePcmSource(file), "adaptive", previousStreaming);
            var previousMs = clock.Elapsed.TotalMilliseconds;

            var seconds = source.Frames is { } frames ? frames / (double)source.SampleRate : double.NaN;
            Console.WriteLine(string.Join('\t',
                Path.GetFileName(file),
                seconds.ToString("0", CultureInfo.InvariantCulture),
                fingerprintSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                measureSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                (100 * measureSeconds / fingerprintSeconds).ToString("0", CultureInfo.InvariantCulture),
                storedMs.ToString("0.000", CultureInfo.InvariantCulture),
                fastMs.ToString("0", CultureInfo.InvariantCulture),
                previousMs.ToString("0", CultureInfo.InvariantCulture),
                (fast.NormalizationGainDb - fromStored.NormalizationGainDb).ToString("+0.00;-0.00", CultureInfo.InvariantCulture)));
        }

        return 0;
    }
}
