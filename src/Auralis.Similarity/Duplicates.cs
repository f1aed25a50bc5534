using Auralis.Fingerprinting;
using Auralis.Library.Database;

namespace Auralis.Similarity;

/// <summary>What makes the tracks of a <see cref="DuplicateGroup"/> duplicates.</summary>
public enum DuplicateKind
{
    /// <summary>The same samples: all 25 dimensions bit-identical and the durations within 10 ms (copies, lossless re-encodes).</summary>
    IdenticalAudio,

    /// <summary>Fingerprints closer than the threshold: the same recording in another lossy encoding, bitrate or format.</summary>
    NearIdentical,
}

/// <summary>Tracks that are the same music; <see cref="MaxDistance"/> is the largest link that joined the group.</summary>
public sealed record DuplicateGroup(DuplicateKind Kind, IReadOnlyList<long> TrackIds, double MaxDistance);

/// <summary>
/// A track as duplicate finding sees it. <paramref name="TitleKey"/> is its folded title tag (null
/// when untagged): two tagged tracks of different titles are never joined by the same-length rule.
/// </summary>
public readonly record struct DuplicateCandidate(long TrackId, Fingerprint Fingerprint, double? DurationSeconds, string? TitleKey = null);

/// <summary>
/// Finds duplicates in a library. Identical audio is exact (equal fingerprints, the fingerprint being
/// a pure function of the decoded samples); near-identical joins tracks whose similarity-graph link
/// is at most the threshold, or at most <see cref="SameLengthFactor"/> times it between tracks of
/// the same length, transitively (A~B and B~C put A, B and C in one group), and reports a
/// group only when it is more than an identical-audio group already reported.
/// </summary>
public static class Duplicates
{
    /// <summary>
    /// Default distance (the library's normalized, weighted distance) under which two tracks count as
    /// the same music. Measured on 41 Vorbis tracks with MP3, FLAC and Opus transcodes of six
    /// (docs/similarity.md, "Duplicates"): the closest two different pieces were 0.135 apart, 26 of
    /// the 36 same-piece pairs lay under 0.08, and all 36 under 0.198 with lengths equal to 3 ms,
    /// which the same-length rule (up to 0.24) joins. Version-1 fingerprints do not hold spectral
    /// flatness and crest factor steady across encoders, hence the spread.
    /// </summary>
    public const double DefaultThreshold = 0.08;

    /// <summary>Durations closer than this are "the same length" (identical audio, and the same-length rule).</summary>
    public const double DurationToleranceSeconds = 0.010;

    /// <summary>
    /// Tracks of the same length (within <see cref="DurationToleranceSeconds"/>, and the same title
    /// when both are tagged) join at up to this many times the threshold: gapless decoders give
    /// every encoding of a recording its exact length (measured: within 3 ms), while other pieces
    /// of nearly equal fingerprints rarely match it to 10 ms. In a large untagged library some
    /// different pieces will (roughly one top-10 neighbour pair in a few thousand has equal
    /// lengths), so a group is a place to look, not a verdict.
    /// </summary>
    public const double SameLengthFactor = 3.0;

    public static IReadOnlyList<DuplicateGroup> Find(
        IReadOnlyList<DuplicateCandidate> tracks, IReadOnlyDictionary<long, IReadOnlyList<Neighbor>> graph, double threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);

        var identical = IdenticalAudio(tracks);
        var groups = new List<DuplicateGroup>(identical);
        var reported = identical.Select(g => Key(g.TrackIds)).ToHashSet(StringComparer.Ordinal);

        var byId = tracks.ToDictionary(t => t.TrackId);
        bool SameLength(DuplicateCandidate a, DuplicateCandidate b) =>
            a.DurationSeconds is { } x && b.DurationSeconds is { } y && Math.Abs(x - y) <= DurationToleranceSeconds
            && (a.TitleKey is null || b.TitleKey is null || string.Equals(a.TitleKey, b.TitleKey, StringComparison.Ordinal));
        bool Joins(long from, Neighbor to) =>
            byId.TryGetValue(to.TrackId, out var other)
            && (to.Distance <= threshold || (to.Distance <= SameLengthFactor * threshold && SameLength(byId[from], other)));
        var known = byId.Keys.ToHashSet();
        var links = graph.Where(p => known.Contains(p.Key))
            .SelectMany(p => p.Value.Where(n => Joins(p.Key, n)).Select(n => (From: p.Key, To: n.TrackId, n.Distance)))
            .ToList();
        var parent = known.ToDictionary(id => id, id => id);
        foreach (var (from, to, _) in links)
        {
            Union(parent, from, to);
        }

        var widest = new Dictionary<long, double>();
        foreach (var (from, _, distance) in links)
        {
            var root = Find(parent, from);
            widest[root] = Math.Max(widest.GetValueOrDefault(root), distance);
        }

        foreach (var component in parent.Keys.GroupBy(id => Find(parent, id)).Where(c => c.Count() > 1))
        {
            var ids = component.Order().ToList();
            if (!reported.Contains(Key(ids)))
            {
                groups.Add(new DuplicateGroup(DuplicateKind.NearIdentical, ids, widest.GetValueOrDefault(component.Key)));
            }
        }

        return groups.OrderBy(g => g.Kind).ThenBy(g => g.TrackIds[0]).ToList();
    }

    /// <summary>The tracks with their stored fingerprints, lengths and folded titles, as duplicate finding takes them.</summary>
    public static IReadOnlyList<DuplicateCandidate> Candidates(LibraryDatabase database, IEnumerable<TrackRecord> tracks)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(tracks);
        var fingerprints = new FingerprintRepository(database);
        return [.. tracks
            .Select(t => (Track: t, Stored: fingerprints.Get(t.Id)))
            .Where(p => p.Stored is not null)
            .Select(p => new DuplicateCandidate(p.Track.Id, p.Stored!.Fingerprint, p.Track.DurationSeconds, string.IsNullOrWhiteSpace(p.Track.Title) ? null : TextFold.Fold(p.Track.Title)))];
    }

    private static List<DuplicateGroup> IdenticalAudio(IReadOnlyList<DuplicateCandidate> tracks)
    {
        var groups = new List<DuplicateGroup>();
        foreach (var sameFingerprint in tracks.GroupBy(t => t.Fingerprint).Where(g => g.Count() > 1))
        {
            // Equal fingerprints of different lengths (e.g. two silent files) are not the same audio:
            // split the group into runs of durations within the tolerance.
            var run = new List<DuplicateCandidate>();
            foreach (var track in sameFingerprint.OrderBy(t => t.DurationSeconds ?? -1))
            {
                if (run.Count > 0 && !SameLength(run[^1].DurationSeconds, track.DurationSeconds))
                {
                    Flush(run, groups);
                }

                run.Add(track);
            }

            Flush(run, groups);
        }

        return groups;

        static void Flush(List<DuplicateCandidate> run, List<DuplicateGroup> groups)
        {
            if (run.Count > 1)
            {
                groups.Add(new DuplicateGroup(DuplicateKind.IdenticalAudio, run.Select(t => t.TrackId).Order().ToList(), 0));
            }

            run.Clear();
        }
    }

    private static bool SameLength(double? a, double? b) =>
        a is { } x && b is { } y ? Math.Abs(x - y) <= DurationToleranceSeconds : a is null && b is null;

    private static string Key(IEnumerable<long> ids) => string.Join(',', ids.Order());

    private static long Find(Dictionary<long, long> parent, long id)
    {
        while (parent[id] != id)
        {
            parent[id] = parent[parent[id]]; // path halving
            id = parent[id];
        }

        return id;
    }

    private static void Union(Dictionary<long, long> parent, long a, long b)
    {
        var ra = Find(parent, a);
        var rb = Find(parent, b);
        if (ra != rb)
        {
            parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
    }
}
