using Auralis.Fingerprinting;

namespace Auralis.Similarity;

/// <summary>
/// Maps each dimension to 0-1 by the library's own spread (docs/similarity.md): the 5th percentile
/// to 0, the 95th to 1, values outside clipped. Without it, LUFS (tens of units) and the 0-1
/// dimensions would not be comparable. A dimension with no spread maps to 0 everywhere.
/// </summary>
public sealed class Normalizer
{
    public Normalizer(ReadOnlySpan<float> low, ReadOnlySpan<float> high, int trackCount)
    {
        if (low.Length != Fingerprint.Dimensions || high.Length != Fingerprint.Dimensions)
        {
            throw new ArgumentException($"A normalizer has {Fingerprint.Dimensions} low and high values.");
        }

        Low = low.ToArray();
        High = high.ToArray();
        TrackCount = trackCount;
    }

    /// <summary>The 5th percentile of each dimension.</summary>
    public IReadOnlyList<float> Low { get; }

    /// <summary>The 95th percentile of each dimension.</summary>
    public IReadOnlyList<float> High { get; }

    /// <summary>How many fingerprints it was fitted on.</summary>
    public int TrackCount { get; }

    /// <summary>Fits on a library. Percentiles by linear interpolation between order statistics.</summary>
    public static Normalizer Fit(IReadOnlyList<Fingerprint> fingerprints)
    {
        ArgumentNullException.ThrowIfNull(fingerprints);
        if (fingerprints.Count == 0)
        {
            throw new ArgumentException("A normalizer needs at least one fingerprint.", nameof(fingerprints));
        }

        var low = new float[Fingerprint.Dimensions];
        var high = new float[Fingerprint.Dimensions];
        var column = new float[fingerprints.Count];
        for (var d = 0; d < Fingerprint.Dimensions; d++)
        {
            for (var i = 0; i < column.Length; i++)
            {
                column[i] = fingerprints[i][d];
            }

            Array.Sort(column);
            low[d] = Percentile(column, 0.05);
            high[d] = Percentile(column, 0.95);
        }

        return new Normalizer(low, high, fingerprints.Count);
    }

    /// <summary>Writes the normalized (0-1, clipped) values of <paramref name="fingerprint"/>.</summary>
    public void Normalize(Fingerprint fingerprint, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        for (var d = 0; d < Fingerprint.Dimensions; d++)
        {
            var span = High[d] - Low[d];
            output[d] = span > 0 ? Math.Clamp((fingerprint[d] - Low[d]) / span, 0f, 1f) : 0f;
        }
    }

    internal static float Percentile(float[] sorted, double p)
    {
        var position = (sorted.Length - 1) * p;
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return (float)(sorted[below] + ((sorted[above] - sorted[below]) * (position - below)));
    }
}
