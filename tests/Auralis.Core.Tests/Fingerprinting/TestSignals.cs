namespace Auralis.Tests.Fingerprinting;

/// <summary>
/// Deterministic test signals with analytically known answers, ported from the native
/// analysis/tests.rs (same generators, same RNG and seeds), as interleaved float PCM.
/// 44.1 kHz stereo unless a generator says otherwise.
/// </summary>
public static class TestSignals
{
    public const int SampleRate = 44_100;

    /// <summary>Amplitude of a level in dBFS.</summary>
    public static double Db(double levelDbfs) => Math.Pow(10.0, levelDbfs / 20.0);

    /// <summary>Frames in <paramref name="seconds"/> at <paramref name="sampleRate"/> (rounded half away from zero, like Rust).</summary>
    public static int FramesOf(double seconds, int sampleRate = SampleRate) =>
        (int)Math.Round(seconds * sampleRate, MidpointRounding.AwayFromZero);

    /// <summary>Interleaves per-channel samples produced by f(channel, frame index), channel-major within a frame.</summary>
    public static float[] Synth(double seconds, int channels, Func<int, int, double> f, int sampleRate = SampleRate)
    {
        var frames = FramesOf(seconds, sampleRate);
        var output = new float[frames * channels];
        for (var i = 0; i < frames; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                output[(i * channels) + c] = (float)f(c, i);
            }
        }

        return output;
    }

    /// <summary>The same sine on every channel.</summary>
    public static float[] Sine(double freq, double amp, double seconds, int channels = 2, int sampleRate = SampleRate) =>
        Synth(seconds, channels, (_, i) => amp * Math.Sin(2.0 * Math.PI * freq * i / sampleRate), sampleRate);

    /// <summary>Phase-continuous 1 kHz sine in (seconds, dBFS) pieces, stereo (EBU Tech 3341/3342 style).</summary>
    public static float[] SinePieces(params (double Seconds, double LevelDbfs)[] pieces)
    {
        var output = new List<float>();
        var i = 0L;
        foreach (var (seconds, level) in pieces)
        {
            var frames = FramesOf(seconds);
            var amp = Db(level);
            for (var f = 0; f < frames; f++, i++)
            {
                var x = (float)(amp * Math.Sin(2.0 * Math.PI * 1000.0 * i / SampleRate));
                output.Add(x);
                output.Add(x);
            }
        }

        return [.. output];
    }

    /// <summary>Independent uniform noise on both channels.</summary>
    public static float[] WhiteNoise(double seconds, double amp, ulong seed)
    {
        var rng = new Rng(seed);
        return Synth(seconds, 2, (_, _) => amp * rng.Uniform());
    }

    /// <summary>
    /// Pink noise band-limited to 20 Hz-20 kHz, the same on both channels: Paul Kellet's refined
    /// filter followed by a 4th-order Butterworth high-pass at 12 Hz (without it, the generator's
    /// strong infrasonic content leaks through the analysis window into the 21.5 Hz bin).
    /// </summary>
    public static float[] PinkNoise(double seconds) => PinkNoise(seconds, bandLimited: true);

    /// <summary>Pink noise as above; <paramref name="bandLimited"/> false leaves out the 12 Hz high-pass (the generator's raw output, infrasonic content and all).</summary>
    public static float[] PinkNoise(double seconds, bool bandLimited)
    {
        var rng = new Rng(7);
        var hp0 = new HighPass(12.0, 0.5412);
        var hp1 = new HighPass(12.0, 1.3066);
        var b = new double[7];
        var output = Synth(seconds, 2, (c, _) =>
        {
            if (c == 1)
            {
                return 0.0; // filled below from channel 0
            }

            var w = rng.Gaussian();
            b[0] = (0.99886 * b[0]) + (w * 0.0555179);
            b[1] = (0.99332 * b[1]) + (w * 0.0750759);
            b[2] = (0.96900 * b[2]) + (w * 0.1538520);
            b[3] = (0.86650 * b[3]) + (w * 0.3104856);
            b[4] = (0.55000 * b[4]) + (w * 0.5329522);
            b[5] = (-0.7616 * b[5]) - (w * 0.0168980);
            var pink = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + (w * 0.5362);
            b[6] = w * 0.115926;
            return bandLimited ? hp1.Run(hp0.Run(pink * 0.02)) : pink * 0.02;
        });
        for (var i = 0; i < output.Length; i += 2)
        {
            output[i + 1] = output[i];
        }

        return output;
    }

    /// <summary>Short decaying clicks (5 ms decay, 1 kHz burst, 20 ms long) at <paramref name="bpm"/>.</summary>
    public static float[] Clicks(double bpm, double seconds, int channels = 2, int sampleRate = SampleRate) =>
        Synth(seconds, channels, (_, i) => Click(bpm, (double)i / sampleRate), sampleRate);

    /// <summary>The click track's value at time t.</summary>
    public static double Click(double bpm, double t)
    {
        var period = 60.0 / bpm;
        var since = t - (Math.Floor(t / period) * period);
        return since < 0.02 ? 0.8 * Math.Exp(-since / 0.005) * Math.Sin(2.0 * Math.PI * 1000.0 * since) : 0.0;
    }

    /// <summary>Concatenation of interleaved signals.</summary>
    public static float[] Concat(params float[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Channel 0 of a stereo signal copied to both channels (L = R).</summary>
    public static float[] LeftOnBoth(float[] stereo)
    {
        var output = new float[stereo.Length];
        for (var i = 0; i < stereo.Length; i += 2)
        {
            output[i] = output[i + 1] = stereo[i];
        }

        return output;
    }

    /// <summary>Small deterministic RNG (xorshift64*), as in tests.rs, so tests never flake.</summary>
    public sealed class Rng(ulong seed)
    {
        private ulong _state = seed;

        public ulong NextU64()
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return unchecked(_state * 0x2545_F491_4F6C_DD1DUL);
        }

        /// <summary>Uniform in [-1, 1).</summary>
        public double Uniform() => ((NextU64() >> 11) / (double)(1UL << 53) * 2.0) - 1.0;

        /// <summary>Sum of 12 uniforms: close enough to normal for level and spectrum tests.</summary>
        public double Gaussian()
        {
            var sum = 0.0;
            for (var i = 0; i < 12; i++)
            {
                sum += 0.5 * (Uniform() + 1.0);
            }

            return sum - 6.0;
        }
    }

    /// <summary>RBJ high-pass biquad (f64), for band-limiting test signals.</summary>
    private sealed class HighPass
    {
        private readonly double _b0, _b1, _b2, _a1, _a2;
        private double _x1, _x2, _y1, _y2;

        public HighPass(double freq, double q)
        {
            var w = 2.0 * Math.PI * freq / SampleRate;
            var alpha = Math.Sin(w) / (2.0 * q);
            var a0 = 1.0 + alpha;
            var c = Math.Cos(w);
            _b0 = (1.0 + c) / 2.0 / a0;
            _b1 = -(1.0 + c) / a0;
            _b2 = (1.0 + c) / 2.0 / a0;
            _a1 = -2.0 * c / a0;
            _a2 = (1.0 - alpha) / a0;
        }

        public double Run(double x)
        {
            var y = (_b0 * x) + (_b1 * _x1) + (_b2 * _x2) - (_a1 * _y1) - (_a2 * _y2);
            (_x2, _x1) = (_x1, x);
            (_y2, _y1) = (_y1, y);
            return y;
        }
    }
}
