namespace Auralis.Audio.Tests.Support;

/// <summary>Test signals with known content, and whole-file reading helpers.</summary>
public static class Signals
{
    /// <summary>
    /// A sine, interleaved; channel c has amplitude <paramref name="amplitude"/> * (1 - 0.25 c)
    /// so that swapped or duplicated channels are noticed.
    /// </summary>
    public static float[] Sine(double frequency, int sampleRate, int channels, int frames, double amplitude = 0.5)
    {
        var samples = new float[frames * channels];
        for (int i = 0; i < frames; i++)
        {
            double value = Math.Sin(2 * Math.PI * frequency * i / sampleRate);
            for (int c = 0; c < channels; c++)
            {
                samples[(i * channels) + c] = (float)(value * amplitude * (1 - (0.25 * c)));
            }
        }

        return samples;
    }

    /// <summary>Decodes a whole reader in blocks of <paramref name="blockFrames"/> frames.</summary>
    public static float[] ReadAll(IAudioReader reader, int blockFrames = 4096)
    {
        var all = new List<float>();
        var block = new float[blockFrames * reader.Info.Channels];
        int frames;
        while ((frames = reader.Read(block)) > 0)
        {
            all.AddRange(block.AsSpan(0, frames * reader.Info.Channels));
        }

        return [.. all];
    }

    public static float[] ReadAll(string path, int blockFrames = 4096, AudioDecodeOptions? options = null)
    {
        using IAudioReader reader = AudioDecoder.Open(path, options);
        return ReadAll(reader, blockFrames);
    }

    public static double Rms(ReadOnlySpan<float> samples, int channels = 1, int channel = 0)
    {
        double sum = 0;
        int count = 0;
        for (int i = channel; i < samples.Length; i += channels)
        {
            sum += samples[i] * (double)samples[i];
            count++;
        }

        return count == 0 ? 0 : Math.Sqrt(sum / count);
    }

    /// <summary>
    /// Frequency from upward zero crossings of channel 0 in the middle half of the signal, where
    /// codec priming, fades and padding at either end cannot add spurious crossings.
    /// </summary>
    public static double ZeroCrossingFrequency(ReadOnlySpan<float> samples, int channels, int sampleRate)
    {
        int frames = samples.Length / channels;
        int first = frames / 4;
        int last = frames * 3 / 4;
        int crossings = 0;
        for (int i = first + 1; i < last; i++)
        {
            if (samples[(i - 1) * channels] < 0 && samples[i * channels] >= 0)
            {
                crossings++;
            }
        }

        return crossings * (double)sampleRate / (last - first);
    }

    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - (double)b[i]));
        }

        return max;
    }
}
