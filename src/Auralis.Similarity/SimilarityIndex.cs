using System.Runtime.Intrinsics;
using Auralis.Fingerprinting;

namespace Auralis.Similarity;

/// <summary>A track and its distance from the query.</summary>
public readonly record struct Neighbor(long TrackId, double Distance);

/// <summary>
/// Exact nearest-neighbour search over a library held in memory (docs/similarity.md). Each track is
/// stored normalized and scaled by the square root of each dimension's weight, so the weighted
/// Euclidean distance is a plain Euclidean distance: four 8-float SIMD steps per track (rows are
/// padded from 25 to 32 floats with zeros). Results are exact: every track is compared, self is
/// excluded, and ties are broken by track id.
/// </summary>
public sealed class SimilarityIndex
{
    internal const int Stride = 32;

    private readonly long[] _ids;
    private readonly float[] _rows;
    private readonly Dictionary<long, int> _rowOf;
    private readonly float[] _scale = new float[Fingerprint.Dimensions];

    public SimilarityIndex(IReadOnlyList<(long TrackId, Fingerprint Fingerprint)> tracks, Normalizer normalizer, DimensionWeights weights)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        Normalizer = normalizer ?? throw new ArgumentNullException(nameof(normalizer));
        Weights = weights ?? throw new ArgumentNullException(nameof(weights));
        for (var d = 0; d < Fingerprint.Dimensions; d++)
        {
            _scale[d] = (float)Math.Sqrt(weights[d]);
        }

        _ids = new long[tracks.Count];
        _rows = new float[tracks.Count * Stride];
        _rowOf = new Dictionary<long, int>(tracks.Count);
        for (var i = 0; i < tracks.Count; i++)
        {
            _ids[i] = tracks[i].TrackId;
            if (!_rowOf.TryAdd(tracks[i].TrackId, i))
            {
                throw new ArgumentException($"Track {tracks[i].TrackId} appears twice.", nameof(tracks));
            }

            Project(tracks[i].Fingerprint, _rows.AsSpan(i * Stride, Stride));
        }
    }

    public Normalizer Normalizer { get; }

    public DimensionWeights Weights { get; }

    public int Count => _ids.Length;

    /// <summary>The indexed tracks, in index order.</summary>
    public IReadOnlyList<long> TrackIds => _ids;

    public bool Contains(long trackId) => _rowOf.ContainsKey(trackId);

    /// <summary>The k nearest tracks to a track of the index (itself excluded), nearest first.</summary>
    public IReadOnlyList<Neighbor> Nearest(long trackId, int k)
    {
        if (!_rowOf.TryGetValue(trackId, out var row))
        {
            throw new KeyNotFoundException($"Track {trackId} is not in the similarity index.");
        }

        return Search(_rows.AsSpan(row * Stride, Stride), k, trackId);
    }

    /// <summary>The k nearest tracks to any fingerprint (e.g. of a file outside the library).</summary>
    public IReadOnlyList<Neighbor> Nearest(Fingerprint query, int k, long? exclude = null)
    {
        Span<float> q = stackalloc float[Stride];
        Project(query, q);
        return Search(q, k, exclude);
    }

    /// <summary>Weighted distance between two fingerprints, normalized by this index's normalizer.</summary>
    public double Distance(Fingerprint a, Fingerprint b) => Math.Sqrt(Explain(a, b).Sum(c => c.Contribution));

    /// <summary>Each dimension's contribution w_i (a_i - b_i)^2 to the squared distance, largest first.</summary>
    public IReadOnlyList<(string Dimension, double Contribution)> Explain(Fingerprint a, Fingerprint b)
    {
        Span<float> x = stackalloc float[Stride];
        Span<float> y = stackalloc float[Stride];
        Project(a, x);
        Project(b, y);
        var contributions = new List<(string, double)>(Fingerprint.Dimensions);
        for (var d = 0; d < Fingerprint.Dimensions; d++)
        {
            double diff = x[d] - y[d];
            contributions.Add((FingerprintDimensions.Names[d], diff * diff));
        }

        return contributions.OrderByDescending(c => c.Item2).ThenBy(c => c.Item1, StringComparer.Ordinal).ToList();
    }

    /// <summary>Each dimension's contribution to the squared distance between two indexed tracks, largest first.</summary>
    public IReadOnlyList<(string Dimension, double Contribution)> Explain(long a, long b)
    {
        var x = Row(a);
        var y = Row(b);
        var contributions = new List<(string Dimension, double Contribution)>(Fingerprint.Dimensions);
        for (var d = 0; d < Fingerprint.Dimensions; d++)
        {
            var diff = x[d] - y[d];
            contributions.Add((FingerprintDimensions.Names[d], diff * diff));
        }

        return contributions.OrderByDescending(c => c.Contribution).ThenBy(c => c.Dimension, StringComparer.Ordinal).ToList();
    }

    /// <summary>A track's projected row (normalized, weight-scaled, padded to <see cref="Stride"/>): plain Euclidean space.</summary>
    internal ReadOnlySpan<float> Row(long trackId) =>
        _rowOf.TryGetValue(trackId, out var row) ? _rows.AsSpan(row * Stride, Stride) : throw new KeyNotFoundException($"Track {trackId} is not in the similarity index.");

    /// <summary>Distances between every pair of the given tracks (a symmetric matrix, zero diagonal).</summary>
    public double[,] DistanceMatrix(IReadOnlyList<long> trackIds)
    {
        ArgumentNullException.ThrowIfNull(trackIds);
        var matrix = new double[trackIds.Count, trackIds.Count];
        var rows = trackIds.Select(id => _rowOf.TryGetValue(id, out var r) ? r : throw new KeyNotFoundException($"Track {id} is not in the similarity index.")).ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = i + 1; j < rows.Length; j++)
            {
                matrix[i, j] = matrix[j, i] = Math.Sqrt(SquaredDistance(_rows.AsSpan(rows[i] * Stride, Stride), _rows.AsSpan(rows[j] * Stride, Stride)));
            }
        }

        return matrix;
    }

    /// <summary>The squared distance the search ranks by, between two indexed tracks (for tests and the graph).</summary>
    internal float SquaredDistanceBetween(long a, long b) =>
        SquaredDistance(_rows.AsSpan(_rowOf[a] * Stride, Stride), _rows.AsSpan(_rowOf[b] * Stride, Stride));

    /// <summary>Squared distance of two padded rows: the one function every search uses.</summary>
    internal static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var d0 = Vector256.Create(a) - Vector256.Create(b);
        var d1 = Vector256.Create(a[8..]) - Vector256.Create(b[8..]);
        var d2 = Vector256.Create(a[16..]) - Vector256.Create(b[16..]);
        var d3 = Vector256.Create(a[24..]) - Vector256.Create(b[24..]);
        return Vector256.Sum((d0 * d0) + (d1 * d1) + ((d2 * d2) + (d3 * d3)));
    }

    private void Project(Fingerprint fingerprint, Span<float> row)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        row.Clear();
        Normalizer.Normalize(fingerprint, row);
        for (var d = 0; d < Fingerprint.Dimensions; d++)
        {
            row[d] *= _scale[d];
        }
    }

    private List<Neighbor> Search(ReadOnlySpan<float> query, int k, long? exclude)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        // The k best so far, sorted by (distance, id); a new row only enters if it beats the worst.
        var bestDistance = new float[k];
        var bestId = new long[k];
        var count = 0;
        for (var i = 0; i < _ids.Length; i++)
        {
            var id = _ids[i];
            if (id == exclude)
            {
                continue;
            }

            var distance = SquaredDistance(query, _rows.AsSpan(i * Stride, Stride));
            if (count == k && !Better(distance, id, bestDistance[k - 1], bestId[k - 1]))
            {
                continue;
            }

            var at = count < k ? count++ : k - 1;
            while (at > 0 && Better(distance, id, bestDistance[at - 1], bestId[at - 1]))
            {
                bestDistance[at] = bestDistance[at - 1];
                bestId[at] = bestId[at - 1];
                at--;
            }

            bestDistance[at] = distance;
            bestId[at] = id;
        }

        var result = new List<Neighbor>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(new Neighbor(bestId[i], Math.Sqrt(bestDistance[i])));
        }

        return result;
    }

    private static bool Better(float distance, long id, float otherDistance, long otherId) =>
        distance < otherDistance || (distance == otherDistance && id < otherId);
}
