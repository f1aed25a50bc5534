using System.Numerics;

namespace Auralis.Audio;

/// <summary>Rejects NaN and infinity before they reach feature extraction, where they poison every number.</summary>
internal static class SampleGuard
{
    /// <summary>Index of the first non-finite sample, or -1. Vectorized: it runs on every decoded block.</summary>
    internal static int IndexOfNonFinite(ReadOnlySpan<float> samples)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && samples.Length >= Vector<float>.Count)
        {
            // x - x is 0 for every finite x and NaN for NaN and +-infinity.
            for (; i <= samples.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(samples[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                {
                    break;
                }
            }
        }

        for (; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Throws InvalidSamples if the block just read holds a non-finite sample.</summary>
    internal static void EnsureFinite(ReadOnlySpan<float> block, int channels, long firstFrame, string path)
    {
        int bad = IndexOfNonFinite(block);
        if (bad >= 0)
        {
            long frame = firstFrame + (bad / channels);
            throw AudioDecodeException.For(path, AudioErrorKind.InvalidSamples,
                $"sample {block[bad]} at frame {frame} (channel {bad % channels}) is not a finite number");
        }
    }

    /// <summary>Whole frames that fit in a caller's buffer; a buffer smaller than one frame is a caller error.</summary>
    public static int FramesThatFit(int samples, int channels)
    {
        int frames = samples / channels;
        if (frames == 0)
        {
            throw new ArgumentException(
                $"The buffer holds {samples} samples; at least one frame ({channels}) is needed.",
                nameof(samples));
        }

        return frames;
    }
}
