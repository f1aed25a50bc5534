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
    /// older library) it is measured here from the source. The presets' chains run over a few
    /// chosen windows (<see cref="ScanWindows"/>) and their loudness is estimated against the
    /// unprocessed audio's (docs/mastering.md, "Stored plan data").
    /// </summary>
    public static StoredPlanData MeasureForStorage(Fingerprint fingerprint, IPcmSource source, TrackLoudness? loudness, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(source);
        if (loudness?.Blocks is null)
        {
            loudness = TrackLoudness.Measure(source, cancellationToken);
        }

        var options = ScanMeasurement;
        var windows = ScanWindows(loudness, source.SampleRate, options);
        var data = Measure(fingerprint, source, MasteringPresets.All, options, windows, windows is null ? null : loudness, cancellationToken);
        return data with { Loudness = loudness };
    }

    /// <summary>
    /// The windows the scan measures the chains on (start frames, ascending), or null for the
    /// whole track (fewer than <see cref="PlannerOptions.MinimumSampledWindows"/> sampled
    /// windows): every Nth window of <paramref name="options"/>, and the windows of the
    /// unprocessed audio's true peak and of its loudest block, where the chains' peaks and the
    /// limiter's work most likely are (sampling alone missed true peaks by up to 2.8 dB on real
    /// music, docs/mastering.md).
    /// </summary>
    public static IReadOnlyList<long>? ScanWindows(TrackLoudness loudness, int sampleRate, PlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(loudness);
        ArgumentNullException.ThrowIfNull(options);
        var window = Math.Max(1L, (long)Math.Round(options.WindowSeconds * sampleRate));
        if (options.WindowEvery == 1 || loudness.Frames / (window * options.WindowEvery) < options.MinimumSampledWindows)
        {
            return null;
        }

        var chosen = new SortedSet<long>();
        for (long start = 0; start < loudness.Frames; start += window * options.WindowEvery)
        {
            chosen.Add(start);
        }

        chosen.Add(loudness.TruePeakFrame / window * window);
        if (loudness.Blocks is { Count: > 0 } blocks)
        {
            var loudest = 0;
            for (var b = 1; b < blocks.Count; b++)
            {
                loudest = blocks[b] > blocks[loudest] ? b : loudest;
            }

            // Block b starts b segments (sampleRate / 10 frames) in and lasts four of them.
            var middle = ((long)loudest * (sampleRate / 10)) + (2L * (sampleRate / 10));
            chosen.Add(Math.Min(middle, loudness.Frames - 1) / window * window);
        }

        return [.. chosen];
    }

    /// <summary>
    /// Measures the source for several presets with one read per pass: pass 1 (EQ, dynamics, band
    /// limit) for all of them, then pass 2 (the whole chain) for those whose limiter will work.
    /// </summary>
    public static StoredPlanData Measure(Fingerprint fingerprint, IPcmSource source, IReadOnlyList<MasteringPreset> presets, PlannerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        options = Effective(options ?? PlannerOptions.Default, source);
        return Measure(fingerprint, source, presets, options, EveryNthWindow(options, source.SampleRate), null, cancellationToken);
    }

    /// <summary>
    /// Measures on the windows starting at <paramref name="windows"/> (null: the whole source).
    /// With <paramref name="control"/> (the unprocessed track's loudness), an identity chain is
    /// measured on the same windows and every measured loudness is moved by what the windows
    /// missed of the unprocessed track: estimate = measured + (control - control on the windows).
    /// The chains change loudness smoothly over a track (EQ by its spectrum, dynamics by its
    /// level), so this corrects most of the sampling error of few windows.
    /// </summary>
    private static StoredPlanData Measure(Fingerprint fingerprint, IPcmSource source, IReadOnlyList<MasteringPreset> presets, PlannerOptions options, IEnumerable<long>? windows, TrackLoudness? control, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(presets);
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
        }).ToList();
        var identity = control is null ? null : new Consumer(source.SampleRate, source.Channels, () => { }, (input, output) => input.CopyTo(output));
        var framesRead = Run(source, options, windows, identity is null ? [.. firstPass] : [.. firstPass, identity], cancellationToken);

        // What the windows missed of the unprocessed track's loudness (0 without a control, or
        // when either side has nothing above the gates).
        var missed = identity?.Result is { IntegratedLufs: > -70.0 } sampled && control!.IntegratedLufs > -70.0
            ? control.IntegratedLufs - sampled.IntegratedLufs
            : 0.0;
        double Estimate(double lufs) => lufs > -70.0 ? lufs + missed : lufs;
        var step = windows is null ? 1 : options.WindowEvery;
        if (control is not null && identity?.Result is { Frames: > 0 } seen)
        {
            step = (int)Math.Max(1, Math.Round((double)control.Frames / seen.Frames));
        }

        var measured = new PlanMeasurement[presets.Count];
        var second = new List<(int Index, Consumer Consumer)>();
        for (var i = 0; i < presets.Count; i++)
        {
            var m = firstPass[i].Result!;
            measured[i] = new PlanMeasurement(Estimate(m.IntegratedLufs), m.TruePeakDbtp, double.NaN, m.Frames, framesRead, step, 1);
            var plan = FromMeasurement(fingerprint, presets[i], source.SampleRate, source.Channels, measured[i], options);
            if (NeedsSecondPass(plan.Settings, m.TruePeakDbtp, plan.NormalizationGainDb, plan.TargetReachable))
            {
                var chain = new MasteringChain(plan, 1.0, BlockFrames);
                second.Add((i, new Consumer(source.SampleRate, source.Channels, chain.Reset, chain.Process)));
            }
        }

        if (second.Count > 0)
        {
            Run(source, options, windows, [.. second.Select(s => s.Consumer)], cancellationToken);
            foreach (var (index, consumer) in second)
            {
                measured[index] = measured[index] with { LimitedLufs = Estimate(consumer.Result!.IntegratedLufs), Passes = 2 };
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

    /// <summary>The starts of every Nth window (null: the whole source), without end: a read past the end stops the pass.</summary>
    private static IEnumerable<long>? EveryNthWindow(PlannerOptions options, int sampleRate)
    {
        if (options.WindowEvery == 1)
        {
            return null;
        }

        var step = Math.Max(1L, (long)Math.Round(options.WindowSeconds * sampleRate)) * options.WindowEvery;
        return Starts(step);

        static IEnumerable<long> Starts(long step)
        {
            for (long start = 0; ; start += step)
            {
                yield return start;
            }
        }
    }

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
    /// Reads the source once (the whole of it, or the windows starting at <paramref name="windows"/>,
    /// ascending, each after a pre-roll processed after each consumer's reset but not measured) and runs every block through every consumer into its
    /// meter. Returns the frames read.
    /// </summary>
    private static long Run(IPcmSource source, PlannerOptions options, IEnumerable<long>? windows, Consumer[] consumers, CancellationToken cancellationToken)
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

        if (windows is null)
        {
            Read(long.MaxValue, run: true, measure: true);
        }
        else
        {
            var window = Math.Max(1L, (long)Math.Round(options.WindowSeconds * source.SampleRate));
            var preRoll = (long)Math.Round(options.PreRollSeconds * source.SampleRate);
            foreach (var start in windows)
            {
                // A window that starts within a pre-roll of where the last one ended continues
                // it: the processors' state is the real one there, and resetting it without a
                // full pre-roll would measure a settling transient.
                var continues = position > 0 && start - preRoll <= position;
                if (!continues)
                {
                    if (!Read(Math.Max(position, start - preRoll), run: false, measure: false))
                    {
                        break;
                    }

                    foreach (var consumer in consumers)
                    {
                        consumer.Break();
                    }
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
