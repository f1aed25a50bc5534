using Auralis.Fingerprinting;
using Auralis.Mastering;
using Auralis.Mastering.Dsp;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Auralis.Benchmarks;

/// <summary>
/// Adaptive mastering of 60 s of 44.1 kHz stereo, one core (docs/targets.md: the full chain at
/// >= 50x realtime). "FullChain" is what `auralis master` does after decoding and fingerprinting:
/// plan (measuring pass, and the limiter-compensation pass when the limiter works) then render
/// in 15 s chunks. The stages run alone over the same audio in 4096-frame blocks. The RealtimeX
/// column is audio seconds / mean seconds.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(RealtimeConfig))]
public class MasteringBenchmarks
{
    public const double Seconds = 60;
    private const int Rate = 44_100;
    private const int Block = 4096;

    private float[] _audio = [];
    private float[] _scratch = [];
    private float[] _output = [];
    private Fingerprint _fingerprint = null!;
    private MasteringPlan _plan = null!;
    private InMemoryPcmSource _source = null!;

    /// <summary>quiet: -20 LUFS, EQ + compressor + limiter; loud: -8 LUFS squashed, EQ + expander + limiter.</summary>
    [Params("quiet", "loud")]
    public string Material { get; set; } = "quiet";

    [GlobalSetup]
    public void Setup()
    {
        _audio = Music(Material == "loud");
        _scratch = new float[Block * 2];
        _output = new float[Block * 2];
        using (var analyzer = FingerprintEngines.Managed.CreateAnalyzer(Rate, 2))
        {
            analyzer.Push(_audio);
            _fingerprint = analyzer.Finish();
        }

        _source = new InMemoryPcmSource(_audio, Rate, 2, "bench");
        _plan = MasteringPlanner.Plan(_fingerprint, _source, "adaptive");
        Console.WriteLine($"// {Material}: zone {_plan.Lwrp.ZoneName}, dynamics {_plan.Dynamics}, gain {_plan.NormalizationGainDb:F2} dB, passes {_plan.Measured.Passes}");
    }

    [Benchmark(Description = "FullChain (plan + render)")]
    public long FullChain()
    {
        var plan = MasteringPlanner.Plan(_fingerprint, _source, "adaptive");
        return RenderAll(plan);
    }

    [Benchmark(Description = "Plan (measuring passes)")]
    public double Plan() => MasteringPlanner.Plan(_fingerprint, _source, "adaptive").NormalizationGainDb;

    [Benchmark(Description = "Render (15 s chunks)")]
    public long Render() => RenderAll(_plan);

    [Benchmark(Description = "Plan, every 4th window")]
    public double PlanSampled() => MasteringPlanner.Plan(_fingerprint, _source, "adaptive", new PlannerOptions { WindowEvery = 4, MinimumSampledWindows = 1 }).NormalizationGainDb;

    [Benchmark(Description = "EQ (5 bands)")]
    public float Eq()
    {
        var eq = Equalizer.Create(Rate, 2, new EqGains(2.5, 0.5, 0.3, 0.5, 0.8));
        return Blocks(block => eq.Process(block));
    }

    [Benchmark(Description = "Compressor")]
    public float Compressor()
    {
        var compressor = new Compressor(Rate, 2, new CompressorSettings(2.5, -30, 5, 100));
        return Blocks(block => compressor.Process(block));
    }

    [Benchmark(Description = "Expander")]
    public float Expander()
    {
        var expander = new TransientExpander(Rate, 2, 0.45, -0.5);
        return Blocks(block => expander.Process(block));
    }

    [Benchmark(Description = "Limiter (band limit + true peak)")]
    public float Limiter()
    {
        var limiter = new TruePeakLimiter(Rate, 2, -6.0); // a low ceiling: it works throughout
        return Blocks(block => limiter.Process(block, _output));
    }

    [Benchmark(Description = "Loudness + true-peak measure")]
    public double Measure()
    {
        var meter = new ProgrammeMeter(Rate, 2);
        meter.Push(_audio);
        return meter.Finish().IntegratedLufs;
    }

    private long RenderAll(MasteringPlan plan)
    {
        using var renderer = MasteringRenderer.Open(_source, plan, 1.0);
        long frames = 0;
        while (renderer.RenderNext() is { } chunk)
        {
            frames += chunk.Frames;
        }

        return frames;
    }

    /// <summary>Each 4096-frame block copied to a scratch buffer and processed (the copy keeps the input intact).</summary>
    private float Blocks(Action<float[]> process)
    {
        var sum = 0f;
        for (var i = 0; i + _scratch.Length <= _audio.Length; i += _scratch.Length)
        {
            _audio.AsSpan(i, _scratch.Length).CopyTo(_scratch);
            process(_scratch);
            sum += _scratch[0];
        }

        return sum;
    }

    /// <summary>
    /// `mastering-timing [RUNS]`: each benchmark body timed RUNS times (default 7) with a
    /// stopwatch, reporting the fastest run: on a shared machine the minimum is the figure least
    /// disturbed by other processes (BenchmarkDotNet's mean is the careful number on a quiet one).
    /// </summary>
    public static int Timing(int runs)
    {
        foreach (var material in new[] { "quiet", "loud" })
        {
            var b = new MasteringBenchmarks { Material = material };
            b.Setup();
            var bodies = new (string Name, Func<object> Body)[]
            {
                ("FullChain (plan + render)", () => b.FullChain()),
                ("Plan (measuring passes)", () => b.Plan()),
                ("Render (15 s chunks)", () => b.Render()),
                ("Plan, every 4th window", () => b.PlanSampled()),
                ("EQ (5 bands)", () => b.Eq()),
                ("Compressor", () => b.Compressor()),
                ("Expander", () => b.Expander()),
                ("Limiter (band limit + true peak)", () => b.Limiter()),
                ("Loudness + true-peak measure", () => b.Measure()),
            };
            foreach (var (name, body) in bodies)
            {
                body();
                var best = double.MaxValue;
                for (var r = 0; r < runs; r++)
                {
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    body();
                    best = Math.Min(best, watch.Elapsed.TotalSeconds);
                }

                Console.WriteLine(FormattableString.Invariant($"{material,-6} {name,-34} {best * 1000,8:F1} ms {Seconds / best,7:F0}x realtime"));
            }
        }

        return 0;
    }

    /// <summary>
    /// `mastering-sampling [--every N] FILE...`: the plan from a full measuring pass against one
    /// from every Nth 3 s window (default 4), per file: measured loudness, true peak, the
    /// resulting gain, and the time of each (decoding included).
    /// </summary>
    public static int Sampling(string[] args)
    {
        var every = 4;
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--every" && i + 1 < args.Length)
            {
                every = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                files.Add(args[i]);
            }
        }

        var engine = FingerprintEngines.Select(EngineChoice.Auto).Engine;
        Console.WriteLine($"file | full: LUFS, dBTP, gain, s | every {every}th: LUFS, dBTP, gain, s | gain difference dB");
        var differences = new List<double>();
        foreach (var file in files)
        {
            var fingerprint = FileFingerprinter.Compute(file, engine).Fingerprint;
            var source = new AudioFilePcmSource(file);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var full = MasteringPlanner.Plan(fingerprint, source, "adaptive");
            var fullSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            var sampled = MasteringPlanner.Plan(fingerprint, source, "adaptive", new PlannerOptions { WindowEvery = every });
            var sampledSeconds = watch.Elapsed.TotalSeconds;
            var difference = sampled.NormalizationGainDb - full.NormalizationGainDb;
            differences.Add(Math.Abs(difference));
            Console.WriteLine(FormattableString.Invariant(
                $"{Path.GetFileName(file)} | {full.Measured.Lufs:F2}, {full.Measured.TruePeakDbtp:F2}, {full.NormalizationGainDb:+0.00;-0.00}, {fullSeconds:F2} | {sampled.Measured.Lufs:F2}, {sampled.Measured.TruePeakDbtp:F2}, {sampled.NormalizationGainDb:+0.00;-0.00}, {sampledSeconds:F2} | {difference:+0.00;-0.00}"));
        }

        if (differences.Count > 0)
        {
            differences.Sort();
            Console.WriteLine(FormattableString.Invariant($"|gain difference|: median {differences[differences.Count / 2]:F2} dB, max {differences[^1]:F2} dB over {differences.Count} files"));
        }

        return 0;
    }

    /// <summary>Music-like, fixed seed: a 120 BPM beat of shaped noise, a bass line and a chord.</summary>
    private static float[] Music(bool squashed)
    {
        var frames = (int)(Seconds * Rate);
        var x = new float[frames * 2];
        var state = 0x9E3779B97F4A7C15UL;
        double lp1 = 0, lp2 = 0;
        for (var i = 0; i < frames; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            var white = ((state >> 11) * (1.0 / (1UL << 53))) - 0.5;
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            var white2 = ((state >> 11) * (1.0 / (1UL << 53))) - 0.5;
            lp1 += 0.4 * (white - lp1);
            lp2 += 0.4 * (white2 - lp2);
            var t = (double)i / Rate;
            var beat = Math.Exp(-(t % 0.5) / 0.05);
            var bass = 0.3 * Math.Sin(2 * Math.PI * (t % 2 < 1 ? 55 : 73.4) * t);
            var chord = 0.05 * (Math.Sin(2 * Math.PI * 220 * t) + Math.Sin(2 * Math.PI * 277.2 * t) + Math.Sin(2 * Math.PI * 329.6 * t));
            var l = (beat * lp1 * 1.5) + bass + chord;
            var r = (beat * ((0.7 * lp1) + (0.3 * lp2)) * 1.5) + bass + (0.8 * chord);
            x[2 * i] = (float)(squashed ? Math.Tanh(2.5 * l) * 0.9 : 0.1 * l);
            x[(2 * i) + 1] = (float)(squashed ? Math.Tanh(2.5 * r) * 0.9 : 0.1 * r);
        }

        return x;
    }

    /// <summary>Adds the RealtimeX column.</summary>
    private sealed class RealtimeConfig : ManualConfig
    {
        public RealtimeConfig() => AddColumn(new RealtimeColumn());
    }

    private sealed class RealtimeColumn : IColumn
    {
        public string Id => nameof(RealtimeColumn);

        public string ColumnName => "RealtimeX";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Audio seconds processed per second (60 s of 44.1 kHz stereo / mean time)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            return stats is null ? "-" : (Seconds / (stats.Mean / 1e9)).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + "x";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
