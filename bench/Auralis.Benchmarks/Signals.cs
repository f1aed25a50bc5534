namespace Auralis.Benchmarks;

/// <summary>Deterministic, music-like benchmark input: clicks at 120 BPM over a noise bed.</summary>
internal static class Signals
{
    public static float[] ThreeMinutesStereo(int sampleRate = 44_100, double seconds = 180)
    {
        var frames = (int)(sampleRate * seconds);
        var samples = new float[frames * 2];
        var state = 0x9E3779B97F4A7C15UL;
        for (var i = 0; i < frames; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            var noise = (((state >> 40) / (float)(1 << 24)) - 0.5f) * 0.1f;
            var t = (float)(i % (sampleRate / 2)) / sampleRate;
            var click = MathF.Exp(-t / 0.01f) * MathF.Sin(t * 6283f) * 0.5f;
            samples[2 * i] = noise + click;
            samples[(2 * i) + 1] = (noise * 0.8f) + click;
        }

        return samples;
    }
}
