using System.Diagnostics;
using System.Globalization;
using Auralis.Fingerprinting;
using Auralis.Mastering;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;

namespace Auralis.Benchmarks;

/// <summary>
/// `plan-accuracy FILE...`: the scan's stored plan against the truth (every preset measured over
/// the whole track) for each file and preset: the normalization gain and true peak of the
/// previous scan measurement (every 4th window) and of the current one (chosen windows estimated
/// against the unprocessed track's loudness), with the time each took. The gain error is what a
/// listener gets as a loudness error (target +-0.5 LU).
/// </summary>
internal static class PlanAccuracy
{
    private static readonly IFingerprintEngine Engine = FingerprintEngines.Select(FingerprintEngines.Parse("auto")).Engine;

    public static int Run(string[] files)
    {
        if (files.Length == 0)
        {
            Console.Error.WriteLine("usage: plan-accuracy FILE...");
            return 2;
        }

        var previous = new List<double>();
        var current = new List<double>();
        var previousPeak = new List<double>();
        var currentPeak = new List<double>();
        double previousSeconds = 0, currentSeconds = 0, audioSeconds = 0;
        Console.WriteLine("file\tpreset\ttruth_gain_db\tprevious_err_db\tcurrent_err_db\tprevious_peak_err_db\tcurrent_peak_err_db");
        foreach (var file in files)
        {
            TrackLoudnessMeter? meter = null;
            var fingerprint = FileFingerprinter.Compute(file, Engine, info => meter = new TrackLoudnessMeter(info.SampleRate, info.Channels)).Fingerprint;
            var loudness = meter!.Finish();
            var source = new AudioFilePcmSource(file);
            audioSeconds += (double)loudness.Frames / source.SampleRate;

            var truth = MasteringPlanner.Measure(fingerprint, source, MasteringPresets.All, PlannerOptions.Default);
            var clock = Stopwatch.StartNew();
            var old = MasteringPlanner.Measure(fingerprint, source, MasteringPresets.All, MasteringPlanner.ScanMeasurement);
            previousSeconds += clock.Elapsed.TotalSeconds;
            clock.Restart();
            var now = MasteringPlanner.MeasureForStorage(fingerprint, source, loudness);
            currentSeconds += clock.Elapsed.TotalSeconds;

            foreach (var preset in MasteringPresets.Names)
            {
                var t = MasteringPlanner.FromStored(fingerprint, truth, preset)!;
                var o = MasteringPlanner.FromStored(fingerprint, old, preset)!;
                var n = MasteringPlanner.FromStored(fingerprint, now, preset)!;
                var errors = (o.NormalizationGainDb - t.NormalizationGainDb, n.NormalizationGainDb - t.NormalizationGainDb);
                var peaks = (o.Measured.TruePeakDbtp - t.Measured.TruePeakDbtp, n.Measured.TruePeakDbtp - t.Measured.TruePeakDbtp);
                previous.Add(Math.Abs(errors.Item1));
                current.Add(Math.Abs(errors.Item2));
                previousPeak.Add(Math.Abs(peaks.Item1));
                currentPeak.Add(Math.Abs(peaks.Item2));
                Console.WriteLine(string.Join('\t', Path.GetFileName(file), preset, F(t.NormalizationGainDb), F(errors.Item1), F(errors.Item2), F(peaks.Item1), F(peaks.Item2)));
            }
        }

        Console.WriteLine($"# |gain error| dB, previous (every 4th window): {Summary(previous)}");
        Console.WriteLine($"# |gain error| dB, current (chosen windows, estimated): {Summary(current)}");
        Console.WriteLine($"# |true peak error| dB, previous: {Summary(previousPeak)}; current: {Summary(currentPeak)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# measuring time for {audioSeconds:0} s of audio, all presets: previous {previousSeconds:0.00} s, current {currentSeconds:0.00} s"));
        return 0;
    }

    private static string F(double value) => value.ToString("+0.000;-0.000", CultureInfo.InvariantCulture);

    private static string Summary(List<double> values)
    {
        if (values.Count == 0)
        {
            return "none";
        }

        var sorted = values.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"median {sorted[sorted.Length / 2]:0.000}, p95 {sorted[(int)(0.95 * (sorted.Length - 1))]:0.000}, max {sorted[^1]:0.000} over {sorted.Length}");
    }
}
