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
    /// When sampling and the length is known: at most this many windows, spread evenly (the window
    /// step grows for long tracks), which bounds the time of a fast plan whatever the length.
    /// </summary>
    public int? MaxWindows { get; init; }

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

    /// <summary>
    /// The measurement the scan stores (<see cref="StoredPlanData"/>): every 4th 3 s window, as the
    /// streaming planner measured before plans were stored, with the 10-window rule (short tracks in
    /// full). Changing it changes stored numbers: bump <see cref="StoredPlanData.MeasurementVersion"/>.
    /// </summary>
    public static PlannerOptions ScanMeasurement { get; } = new() { WindowEvery = 4 };

    /// <summary>
    /// A plan for a track with no stored data, fast enough for a stream start: at most 8 sampled
    /// windows spread over the track (every 4th window or sparser), reached by seeking.
    /// </summary>
    public static PlannerOptions FastMeasurement { get; } = new() { WindowEvery = 4, MaxWindows = 8, MinimumSampledWindows = 0 };

    /// <exception cref="ArgumentException">Unknown preset name.</exception>
    public static MasteringPlan Plan(Fingerprint fingerprint, IPcmSource source, string presetName, PlannerOptions? options = null, CancellationToken cancellationToken = default) =>
        Plan(fingerprint, source, MasteringPresets.Get(presetName), options, cancellationToken);

    /// <summary>Measures the source for <paramref name="preset"/> and plans from that measurement.</summary>
    public static MasteringPlan Plan(Fingerprint fingerprint, IPcmSource source, MasteringPreset preset, PlannerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var data = Measure(fingerprint, source, [preset], options, cancellationToken);
        return FromMeasurement(fingerprint, preset, data.SampleRate, data.Channels, data.Presets[0].Measured, options);
    }

    /// <summary>
    /// The plan from stored measurements, with no decoding; null when the data cannot serve this
    /// fingerprint and preset (another data version, another fingerprint, preset missing, or a
    /// measurement that does not match the chain the fingerprint now leads to).
    /// </summary>
    public static MasteringPlan? FromStored(Fingerprint fingerprint, StoredPlanData? data, string presetName, PlannerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var preset = MasteringPresets.Get(presetName);
        if (data is null || !data.IsCurrent || data.FingerprintHash != StoredPlanData.HashOf(fingerprint) || data.For(preset.Name) is not { } entry)
        {
            return null;
        }

        var plan = FromMeasurement(fingerprint, preset, data.SampleRate, data.Channels, entry.Measured, options);

        // A one-pass measurement where the planner (with these options) would have run pass 2
        // lacks the limiter's loudness loss: not usable.
        return entry.Measured.Passes == 1 && NeedsSecondPass(plan.Settings, entry.Measured.TruePeakDbtp, plan.NormalizationGainDb, plan.TargetReachable) ? null : plan;
    }

    /// <summary>
    /// What the scan stores for a track (<see cref="StoredPlanData"/>): every preset's measurement
    /// and the unprocessed audio's <see cref="TrackLoudness"/>. The scan passes the loudness it
    /// measured while decoding for the fingerprint; without it (a fingerprint from a sidecar or an
    /// older library) it is measured here from the source.
    /// </summary>
    public static StoredPlanData MeasureForStorage(Fingerprint fingerprint, IPcmSource source, TrackLoudness? loudness, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        loudness ??= TrackLoudness.Measure(source, cancellationToken);
        return Measure(fingerprint, source, MasteringPresets.All, ScanMeasurement, cancellationToken) with { Loudness = loudness };
    }

    /// <summary>
    /// Measures the source for several presets with one read per pass: pass 1 (EQ, dynamics, band
    /// limit) for all of them, then pass 2 (the whole chain) for those whose limiter will work.
    /// </summary>
    public static StoredPlanData Measure(Fingerprint fingerprint, IPcmSource source, IReadOnlyList<MasteringPreset> presets, PlannerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(presets);
        options = Effective(options ?? PlannerOptions.Default, source);

        var decision = Lwrp.Decide(fingerprint["lufs"], fingerprint["crest_db"]);
        var firstPass = presets.Select(preset =>
        {
            var settings = PresetAdaptation.Adapt(preset, fingerprint);
            var stage = new DynamicsStage(source.SampleRate, source.Channels, settings, decision, BlockFrames);
            var bandLimit = BandLimit.Create(source.SampleRate, source.Channels, BlockFrames);
            return new Consumer(
                source.SampleRate,
                source.Channels,
                () =>
                {
                    stage.Reset();
                    bandLimit.Reset();
                },
                (input, output) =>
                {
                    input.CopyTo(output);
                    stage.Process(output);
                    bandLimit.Process(output);
                });
        }).ToArray();
        var framesRead = Run(source, options, firstPass, cancellationToken);

        var measured = new PlanMeasurement[presets.Count];
        var second = new List<(int Index, Consumer Consumer)>();
        for (var i = 0; i < presets.Count; i++)
        {
            var m = firstPass[i].Result!;
            measured[i] = new PlanMeasurement(m.IntegratedLufs, m.TruePeakDbtp, double.NaN, m.Frames, framesRead, options.WindowEvery, 1);
            var plan = FromMeasurement(fingerprint, presets[i], source.SampleRate, source.Channels, measured[i], options);
            if (NeedsSecondPass(plan.Settings, m.TruePeakDbtp, plan.NormalizationGainDb, plan.TargetReachable))
            {
                var chain = new MasteringChain(plan, 1.0, BlockFrames);
                second.Add((i, new Consumer(source.SampleRate, source.Channels, chain.Reset, chain.Process)));
            }
        }

        if (second.Count > 0)
        {
            Run(source, options, [.. second.Select(s => s.Consumer)], cancellationToken);
            foreach (var (index, consumer) in second)
            {
                measured[index] = measured[index] with { LimitedLufs = consumer.Result!.IntegratedLufs, Passes = 2 };
            }
        }

        return new StoredPlanData(
            StoredPlanData.CurrentVersion, StoredPlanData.HashOf(fingerprint), source.SampleRate, source.Channels,
            [.. presets.Select((p, i) => new PresetPlanData(p.Name, measured[i]))]);
    }

    /// <summary>
    /// The plan that follows from a measurement: the normalization gain from pass 1, corrected by
    /// the limiter's shortfall when pass 2 measured it (within the same cap).
    /// </summary>
    private static MasteringPlan FromMeasurement(Fingerprint fingerprint, MasteringPreset preset, int sampleRate, int channels, PlanMeasurement measured, PlannerOptions? options)
    {
        var decision = Lwrp.Decide(fingerprint["lufs"], fingerprint["crest_db"]);
        var settings = PresetAdaptation.Adapt(preset, fingerprint);
        var dynamics = DynamicsStage.ModeFor(settings, decision);
        var (gain, reachable) = NormalizationGain(settings, decision.Zone, measured.Lufs, measured.TruePeakDbtp, options);
        if (measured.Passes == 2 && reachable)
        {
            var corrected = gain + (settings.TargetLufs - measured.LimitedLufs);
            var cap = NormalizationCap(settings, decision.Zone, measured.TruePeakDbtp, options);
            gain = Math.Min(corrected, cap);
            reachable = corrected <= cap;
        }

        return new MasteringPlan(MasteringAlgorithm.Version, settings, decision, dynamics, sampleRate, channels, measured, gain, reachable);
    }

    /// <summary>Pass 2 runs only when the target is reachable and the limiter will work at the pass-1 gain.</summary>
    private static bool NeedsSecondPass(MasteringPreset settings, double truePeakDbtp, double gainDb, bool reachable) =>
        reachable && truePeakDbtp + gainDb > settings.CeilingDbtp;

    /// <summary>The options as they apply to this source: the window budget and the short-track rule.</summary>
    private static PlannerOptions Effective(PlannerOptions options, IPcmSource source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WindowEvery, 1);
        var windowFrames = options.WindowSeconds * source.SampleRate;
        if (options.WindowEvery > 1 && options.MaxWindows is { } max && source.Frames is { } total)
        {
            var every = (int)Math.Ceiling(total / windowFrames / Math.Max(1, max));
            options = options with { WindowEvery = Math.Max(options.WindowEvery, every) };
        }

        if (options.WindowEvery > 1 && source.Frames is { } frames && frames / (windowFrames * options.WindowEvery) < options.MinimumSampledWindows)
        {
            options = options with { WindowEvery = 1 };
        }

        return options;
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
    /// Reads the source once (the whole of it, or every Nth window with a pre-roll processed after
    /// each consumer's reset but not measured) and runs every block through every consumer into its
    /// meter. Returns the frames read.
    /// </summary>
    private static long Run(IPcmSource source, PlannerOptions options, Consumer[] consumers, CancellationToken cancellationToken)
    {
        var channels = source.Channels;
        var input = new float[BlockFrames * channels];
        using var reader = source.OpenAt(0);
        long position = 0;

        // Reads [position, end) in blocks: processed when run, into the meters when measure.
        // Audio that is neither processed nor measured is skipped by seeking when the decoder can
        // (a sampled pass then decodes only its windows).
        bool Read(long end, bool run, bool measure)
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
                    foreach (var consumer in consumers)
                    {
                        consumer.Push(input.AsSpan(0, read * channels), measure);
                    }
                }

                position += read;
            }

            return true;
        }

        if (options.WindowEvery == 1)
        {
            Read(long.MaxValue, run: true, measure: true);
        }
        else
        {
            var window = Math.Max(1L, (long)Math.Round(options.WindowSeconds * source.SampleRate));
            var preRoll = (long)Math.Round(options.PreRollSeconds * source.SampleRate);
            for (long w = 0; ; w += options.WindowEvery)
            {
                var start = w * window;
                if (!Read(Math.Max(position, start - preRoll), run: false, measure: false))
                {
                    break;
                }

                foreach (var consumer in consumers)
                {
                    consumer.Break();
                }

                if (!Read(start, run: true, measure: false) || !Read(start + window, run: true, measure: true))
                {
                    break;
                }
            }
        }

        foreach (var consumer in consumers)
        {
            consumer.Finish();
        }

        return position;
    }

    private delegate void BlockProcessor(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>One chain being measured: its processors, output block and meter.</summary>
    private sealed class Consumer(int sampleRate, int channels, Action reset, BlockProcessor process)
    {
        private readonly ProgrammeMeter _meter = new(sampleRate, channels);
        private readonly float[] _output = new float[BlockFrames * channels];

        public ProgrammeMeasurement? Result { get; private set; }

        public void Push(ReadOnlySpan<float> input, bool measure)
        {
            var block = _output.AsSpan(0, input.Length);
            process(input, block);
            if (measure)
            {
                _meter.Push(block);
            }
        }

        /// <summary>A new window: fresh processor state, and loudness blocks never span the gap.</summary>
        public void Break()
        {
            reset();
            _meter.Break();
        }

        public void Finish() => Result = _meter.Finish();
    }
}
