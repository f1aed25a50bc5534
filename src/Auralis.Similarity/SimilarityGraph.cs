using Auralis.Library.Database;

namespace Auralis.Similarity;

/// <summary>
/// The k-nearest-neighbour graph of a library (docs/similarity.md): each track's k most similar
/// tracks, nearest first, as the exact search ranks them. <see cref="Update"/> keeps a graph equal
/// to a full <see cref="Build"/> after tracks are added, changed or removed, as long as the
/// normalizer and weights are unchanged (a refitted normalizer changes every distance: rebuild).
/// </summary>
public static class SimilarityGraph
{
    public const int DefaultK = 10;

    /// <summary>Every track's k nearest neighbours, computed in parallel.</summary>
    public static Dictionary<long, IReadOnlyList<Neighbor>> Build(SimilarityIndex index, int k = DefaultK, int parallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(index);
        var ids = index.TrackIds.ToArray();
        var lists = new IReadOnlyList<Neighbor>[ids.Length];
        Parallel.For(0, ids.Length, new ParallelOptions { MaxDegreeOfParallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount }, i =>
            lists[i] = index.Nearest(ids[i], k));
        return ids.Select((id, i) => (id, lists[i])).ToDictionary(p => p.id, p => p.Item2);
    }

    /// <summary>
    /// Brings <paramref name="graph"/> (built with the same normalizer and weights) up to date with
    /// <paramref name="index"/> after <paramref name="changed"/> tracks were added or changed and
    /// <paramref name="removed"/> tracks were removed. Only the affected lists are recomputed.
    /// </summary>
    public static Dictionary<long, IReadOnlyList<Neighbor>> Update(
        IReadOnlyDictionary<long, IReadOnlyList<Neighbor>> graph,
        SimilarityIndex index,
        IReadOnlyCollection<long> changed,
        IReadOnlyCollection<long> removed,
        int k = DefaultK)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(index);
        var gone = new HashSet<long>(removed.Concat(changed));
        var result = new Dictionary<long, IReadOnlyList<Neighbor>>();
        foreach (var id in index.TrackIds)
        {
            if (changed.Contains(id) || !graph.TryGetValue(id, out var old) || old.Any(n => gone.Contains(n.TrackId))
                || old.Count < Math.Min(k, index.Count - 1))
            {
                // New or changed, or it lost a neighbour: recompute the whole list. A short list has
                // lost one too, even unnamed: deleting a track cascades to the stored edges that
                // pointed at it, so a list read back from the database no longer shows it.
                result[id] = index.Nearest(id, k);
                continue;
            }

            // Unaffected so far: only the changed tracks can enter its list.
            var list = old.ToList();
            foreach (var c in changed)
            {
                if (!index.Contains(c))
                {
                    continue;
                }

                var candidate = new Neighbor(c, Math.Sqrt(index.SquaredDistanceBetween(id, c)));
                var at = list.FindIndex(n => candidate.Distance < n.Distance || (candidate.Distance == n.Distance && candidate.TrackId < n.TrackId));
                if (at < 0)
                {
                    if (list.Count < k)
                    {
                        list.Add(candidate);
                    }
                }
                else
                {
                    list.Insert(at, candidate);
                    if (list.Count > k)
                    {
                        list.RemoveAt(k);
                    }
                }
            }

            result[id] = list;
        }

        return result;
    }

    /// <summary>Replaces the stored graph in one transaction (rank 1 = nearest).</summary>
    public static void Save(LibraryDatabase database, IReadOnlyDictionary<long, IReadOnlyList<Neighbor>> graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var edges = graph.SelectMany(p => p.Value.Select((n, r) => (p.Key, n.TrackId, r + 1, n.Distance))).ToList();
        new SimilarityGraphRows(database).Replace(edges);
    }

    /// <summary>The stored graph (what every scan keeps current), or one built from <paramref name="index"/> when none is stored.</summary>
    public static Dictionary<long, IReadOnlyList<Neighbor>> LoadOrBuild(LibraryDatabase database, SimilarityIndex index) =>
        Load(database) is { Count: > 0 } stored ? stored : Build(index);

    public static Dictionary<long, IReadOnlyList<Neighbor>> Load(LibraryDatabase database) =>
        new SimilarityGraphRows(database).Load()
            .GroupBy(e => e.TrackId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Neighbor>)g.OrderBy(e => e.Rank).Select(e => new Neighbor(e.NeighborId, e.Distance)).ToList());

    /// <summary>What <see cref="Refresh"/> did.</summary>
    public sealed record RefreshResult(bool Rebuilt, int ListsWritten, int Tracks);

    /// <summary>
    /// Brings the stored graph up to date after a scan: a full rebuild when the normalizer was
    /// (re)fitted or no graph is stored, else an incremental update; only lists that changed are
    /// written.
    /// </summary>
    public static RefreshResult Refresh(LibraryDatabase database, IReadOnlyCollection<long> changed, IReadOnlyCollection<long> removed, int k = DefaultK)
    {
        ArgumentNullException.ThrowIfNull(database);
        var loaded = LibrarySimilarity.Load(database);
        var stored = Load(database);
        if (loaded.Refitted || stored.Count == 0)
        {
            var full = Build(loaded.Index, k);
            Save(database, full);
            return new RefreshResult(true, full.Count, loaded.TrackCount);
        }

        // Anything the stored graph mentions that has no current fingerprint any more (removed, or
        // changed and not yet fingerprinted again) counts as removed, whoever reported it.
        var index = loaded.Index;
        var vanished = stored.Keys.Concat(stored.Values.SelectMany(l => l.Select(n => n.TrackId)))
            .Where(id => !index.Contains(id)).Concat(removed).Distinct().ToList();
        var updated = Update(stored, index, changed.Where(index.Contains).ToList(), vanished, k);
        var dirty = updated.Where(p => !stored.TryGetValue(p.Key, out var old) || !old.SequenceEqual(p.Value)).Select(p => p.Key)
            .Concat(stored.Keys.Where(id => !index.Contains(id))) // their own lists go
            .ToList();
        if (dirty.Count > 0)
        {
            var edges = dirty.Where(updated.ContainsKey).SelectMany(id => updated[id].Select((n, r) => (id, n.TrackId, r + 1, n.Distance))).ToList();
            new SimilarityGraphRows(database).ReplaceLists(dirty, edges);
        }

        return new RefreshResult(false, dirty.Count, loaded.TrackCount);
    }
}
