using Auralis.Fingerprinting;
using Auralis.Mastering.Dsp;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;

namespace Auralis.Mastering;

/// <summary>Tuning of the planner (docs/mastering.md, "The plan").</summary>
public sealed record PlannerOptions
{
    /// <summary>1: measure the whole track. N &gt; 1: measure every Nth window of <see cref="WindowSeconds"/>.</summary>
    public int WindowEvery { get; init; } = 1;

    /// <summary>Length of a measured window when sampling.</summary>
    public double WindowSeconds { get; init; } = 3.0;

    /// <summary>Audio run through EQ and dynamics (fresh state) before each sampled window, unmeasured.</summary>
    public double PreRollSeconds { get; init; } = 2.0;

    /// <summary>
    /// Sampling needs at least this many windows: a source known to be shorter (under 2 minutes at
    /// every 4th window) is measured in full. On real music the largest errors of sampling came from
    /// short tracks, where a few windows miss a loud passage or the peak (docs/mastering.md).
    /// </summary>
    public int MinimumSampledWindows { get; init; } = 10;

    /// <summary>
    /// The most the limiter may be asked to take off the loudest true peak: the normalization gain
    /// is capped at ceiling + this - measured true peak.
    /// </summary>
    public double MaxLimiterReductionDb { get; init; } = 3.0;

    /// <summary>The largest normalization gain whatever the measurement (keeps noise floors down).</summary>
    public double MaxGainDb { get; init; } = 24.0;

    public static PlannerOptions Default { get; } = new();
}

/// <summary>
/// Makes a <see cref="MasteringPlan"/>: the LWRP decision from the fingerprint's lufs and
/// crest_db, the preset (adapted to the fingerprint for "adaptive"), then a measuring pass that
/// runs the audio through the same EQ, dynamics and band limit the render will use and measures
/// BS.1770 loudness and true peak, from which the normalization gain follows; and, when the
/// limiter will work at that gain, a second pass through the whole chain that makes up the
/// loudness the limiter takes.
/// </summary>
public static class MasteringPlanner
{
    private const int BlockFrames = 4096;

    /// <exception cref="ArgumentException">Unknown preset name.</exception>
    public static MasteringPlan Plan(Fingerprint fingerprint, IPcmSource source, string presetName, PlannerOptions? options = null, CancellationToken cancellationToken = default) =>
        Plan(fingerprint, source, MasteringPresets.Get(presetName), options, cancellationToken);

    public static MasteringPlan Plan(Fingerprint fingerprint, IPcmSource source, MasteringPreset preset, PlannerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(preset);
        options ??= PlannerOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WindowEvery, 1);
        var windowFrames = options.WindowSeconds * source.SampleRate;
        if (options.WindowEvery > 1 && source.Frames is { } frames && frames / (windowFrames * options.WindowEvery) < options.MinimumSampledWindows)
        {
            options = options with { WindowEvery = 1 };
        }

        var decision = Lwrp.Decide(fingerprint["lufs"], fingerprint["crest_db"]);
        var settings = PresetAdaptation.Adapt(preset, fingerprint);
        var dynamics = DynamicsStage.ModeFor(settings, decision);

        // Pass 1: EQ, dynamics and the limiter's band limit, measured before normalization.
        var stage = new DynamicsStage(source.SampleRate, source.Channels, settings, decision, BlockFrames);
        var bandLimit = BandLimit.Create(source.SampleRate, source.Channels, BlockFrames);
        void Reset()
        {
            stage.Reset();
            bandLimit.Reset();
        }

        var first = Measure(source, options, Reset, (input, output) =>
        {
            input.CopyTo(output);
            stage.Process(output);
            bandLimit.Process(output);
        }, cancellationToken);
        var (gain, reachable) = NormalizationGain(settings, decision.Zone, first.Measurement.IntegratedLufs, first.Measurement.TruePeakDbtp, options);
        var plan = new MasteringPlan(
            MasteringAlgorithm.Version, settings, decision, dynamics, source.SampleRate, source.Channels,
            new PlanMeasurement(first.Measurement.IntegratedLufs, first.Measurement.TruePeakDbtp, double.NaN, first.Measurement.Frames, first.FramesRead, options.WindowEvery, 1),
            gain, reachable);

        // Pass 2, only when the limiter will work: limiting lowers loudness, so measure the whole
        // chain and correct the gain by the shortfall (within the same cap).
        if (!reachable || first.Measurement.TruePeakDbtp + gain <= settings.CeilingDbtp)
        {
            return plan;
        }

        var chain = new MasteringChain(plan, 1.0, BlockFrames);
        var second = Measure(source, options, chain.Reset, chain.Process, cancellationToken);
        var corrected = gain + (settings.TargetLufs - second.Measurement.IntegratedLufs);
        var cap = NormalizationCap(settings, decision.Zone, first.Measurement.TruePeakDbtp, options);
        return plan with
        {
            NormalizationGainDb = Math.Min(corrected, cap),
            TargetReachable = corrected <= cap,
            Measured = plan.Measured with { LimitedLufs = second.Measurement.IntegratedLufs, Passes = 2 },
        };
    }

    /// <summary>
    /// The normalization rule: wanted = target - measured loudness, at most
    /// <see cref="NormalizationCap"/>. Audio with no block above the -70 LUFS gate gets 0 dB.
    /// </summary>
    public static (double GainDb, bool Reachable) NormalizationGain(MasteringPreset settings, LwrpZone zone, double measuredLufs, double truePeakDbtp, PlannerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var cap = NormalizationCap(settings, zone, truePeakDbtp, options);
        if (measuredLufs <= -70.0)
        {
            return (0.0, false);
        }

        var wanted = settings.TargetLufs - measuredLufs;
        return wanted <= cap ? (wanted, true) : (cap, false);
    }

    /// <summary>
    /// The most gain normalization may apply: the limiter never has to take more than
    /// <see cref="PlannerOptions.MaxLimiterReductionDb"/> off the measured true peak
    /// (ceiling + max reduction - peak), at most <see cref="PlannerOptions.MaxGainDb"/>, and never
    /// above 0 dB for loud material (LWRP: loud tracks are never made louder).
    /// </summary>
    public static double NormalizationCap(MasteringPreset settings, LwrpZone zone, double truePeakDbtp, PlannerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        options ??= PlannerOptions.Default;
        var cap = Math.Min(settings.CeilingDbtp + options.MaxLimiterReductionDb - truePeakDbtp, options.MaxGainDb);
        return zone == LwrpZone.QuietDynamic ? cap : Math.Min(cap, 0.0);
    }

    /// <summary>
    /// Runs the source through <paramref name="process"/> (input block to output block) into a
    /// meter: the whole source, or every Nth window with a pre-roll processed after
    /// <paramref name="reset"/> but not measured.
    /// </summary>
    private static (ProgrammeMeasurement Measurement, long FramesRead) Measure(
        IPcmSource source, PlannerOptions options, Action reset, BlockProcessor process, CancellationToken cancellationToken)
    {
        var channels = source.Channels;
        var meter = new ProgrammeMeter(source.SampleRate, channels);
        var input = new float[BlockFrames * channels];
        var output = new float[BlockFrames * channels];
        using var reader = source.OpenAt(0);
        long position = 0;

        // Reads [position, end) in blocks: processed when process, into the meter when measure.
        // Audio that is neither processed nor measured is skipped by seeking when the decoder can
        // (a sampled pass then decodes only its windows: the first streamed chunk waits for it).
        bool Run(long end, bool run, bool measure)
        {
            if (!run && end > position && end != long.MaxValue && (source.Frames is not { } known || end < known) && reader.TrySeek(end))
            {
                position = end;
                return true;
            }

            while (position < end)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var want = (int)Math.Min(BlockFrames, end - position);
                var read = reader.Read(input.AsSpan(0, want * channels));
                if (read == 0)
                {
                    return false;
                }

                if (run)
                {
                    var block = output.AsSpan(0, read * channels);
                    process(input.AsSpan(0, read * channels), block);
                    if (measure)
                    {
                        meter.Push(block);
                    }
                }

                position += read;
            }

            return true;
        }

        if (options.WindowEvery == 1)
        {
            Run(long.MaxValue, run: true, measure: true);
        }
        else
        {
            var window = Math.Max(1L, (long)Math.Round(options.WindowSeconds * source.SampleRate));
            var preRoll = (long)Math.Round(options.PreRollSeconds * source.SampleRate);
            for (long w = 0; ; w += options.WindowEvery)
            {
                var start = w * window;
                if (!Run(Math.Max(position, start - preRoll), run: false, measure: false))
                {
                    break;
                }

                reset();
                meter.Break();
                if (!Run(start, run: true, measure: false) || !Run(start + window, run: true, measure: true))
                {
                    break;
                }
            }
        }

        return (meter.Finish(), position);
    }

    private delegate void BlockProcessor(ReadOnlySpan<float> input, Span<float> output);
}
