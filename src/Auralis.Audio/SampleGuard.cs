using System.Numerics;

namespace Auralis.Audio;

/// <summary>
/// Rejects samples no real audio has before they reach feature extraction: NaN and infinity poison
/// every number, and values far beyond full scale (fuzzed MP3s decode to +-237, a float WAV can
/// hold 3e38) turn into fingerprints with LUFS +65 or 743 that would be stored as complete.
/// </summary>
internal static class SampleGuard
{
    /// <summary>
    /// The largest magnitude accepted: +-16 is +24 dBFS. Mastered music overshoots 1.0 by a few dB at
    /// most (inter-sample peaks, lossy codecs, float masters at 1.5 or so); 16 leaves ample room.
    /// </summary>
    internal const float MaxMagnitude = 16f;

    /// <summary>
    /// Index of the first sample that is not finite or beyond +-<see cref="MaxMagnitude"/>, or -1.
    /// Vectorized: it runs on every decoded block.
    /// </summary>
    internal static int IndexOfInvalid(ReadOnlySpan<float> samples)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && samples.Length >= Vector<float>.Count)
        {
            var limit = new Vector<float>(MaxMagnitude);
            // NaN compares false, so |x| <= limit fails for NaN as it does for +-infinity and loud samples.
            for (; i <= samples.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                if (!Vector.LessThanOrEqualAll(Vector.Abs(new Vector<float>(samples[i..])), limit))
                {
                    break;
                }
            }
        }

        for (; i < samples.Length; i++)
        {
            if (!(Math.Abs(samples[i]) <= MaxMagnitude))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Throws InvalidSamples if the block just read holds a non-finite or impossibly loud sample.</summary>
    internal static void EnsureValid(ReadOnlySpan<float> block, int channels, long firstFrame, string path)
    {
        int bad = IndexOfInvalid(block);
        if (bad < 0)
        {
            return;
        }

        float sample = block[bad];
        long frame = firstFrame + (bad / channels);
        if (!float.IsFinite(sample))
        {
            throw AudioDecodeException.For(path, AudioErrorKind.InvalidSamples,
                $"sample {sample} at frame {frame} (channel {bad % channels}) is not a finite number");
        }

        float peak = PeakMagnitude(block);
        throw AudioDecodeException.For(path, AudioErrorKind.InvalidSamples,
            $"decoded samples reach {FormattableString.Invariant($"{peak:G3}")} ({FormattableString.Invariant($"{20 * Math.Log10(peak):+0;-0}")} dBFS) at frame {frame} " +
            $"(channel {bad % channels}), beyond +-{MaxMagnitude:0} (+24 dBFS): the file is damaged or not audio");
    }

    /// <summary>The largest finite magnitude in the block (the block is known to hold one beyond the limit).</summary>
    private static float PeakMagnitude(ReadOnlySpan<float> block)
    {
        float peak = 0;
        foreach (float s in block)
        {
            float magnitude = Math.Abs(s);
            if (float.IsFinite(magnitude) && magnitude > peak)
            {
                peak = magnitude;
            }
        }

        return peak;
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
