using Auralis.Fingerprinting;
using Auralis.Library.Database;

namespace Auralis.Similarity;

/// <summary>
/// Similarity over a library database: loads every current fingerprint, uses the stored
/// normalizer, refitting (and storing) it when there is none, when asked, or when the library has
/// changed enough since it was fitted (the track count moved by more than 10 %).
/// </summary>
public static class LibrarySimilarity
{
    /// <summary>Relative change of the track count that triggers a refit.</summary>
    public const double RefitThreshold = 0.10;

    public sealed record Loaded(SimilarityIndex Index, bool Refitted, int TrackCount);

    /// <exception cref="InvalidOperationException">The library has no fingerprints yet.</exception>
    public static Loaded Load(LibraryDatabase database, DimensionWeights? weights = null, bool refit = false)
    {
        ArgumentNullException.ThrowIfNull(database);
        var repository = new FingerprintRepository(database);
        var tracks = new List<(long, Fingerprint)>();
        const int page = 10_000;
        for (var offset = 0; ; offset += page)
        {
            var rows = repository.List(page, offset);
            tracks.AddRange(rows.Where(r => r.Version == Fingerprint.FingerprintVersion).Select(r => (r.TrackId, r.Fingerprint)));
            if (rows.Count < page)
            {
                break;
            }
        }

        if (tracks.Count == 0)
        {
            throw new InvalidOperationException($"{database.Path} has no fingerprints yet: run `auralis scan DIR` first");
        }

        var rowsStore = new NormalizerRows(database);
        var stored = rowsStore.Load();
        var stale = stored is null || refit || Math.Abs(tracks.Count - stored.TrackCount) > RefitThreshold * Math.Max(1, stored.TrackCount);
        Normalizer normalizer;
        if (stale)
        {
            normalizer = Normalizer.Fit(tracks.Select(t => t.Item2).ToList());
            rowsStore.Save(normalizer.Low.ToArray(), normalizer.High.ToArray(), normalizer.TrackCount);
        }
        else
        {
            normalizer = new Normalizer(stored!.Low, stored.High, stored.TrackCount);
        }

        return new Loaded(new SimilarityIndex(tracks, normalizer, weights ?? DimensionWeights.Default), stale, tracks.Count);
    }
}
