using Auralis.Fingerprinting;
using Auralis.Library.Database;

namespace Auralis.Library.Tests;

/// <summary>The repository operations of the original design, and that every write is checked.</summary>
public sealed class RepositoryTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void A_fingerprint_round_trips_every_dimension_exactly()
    {
        var id = _db.Tracks.Add("/music/a.flac", 10, 20);
        var fingerprint = TestDatabase.Sample(3);
        _db.Fingerprints.Add(id, fingerprint);
        var stored = _db.Fingerprints.Get(id)!;
        Assert.Equal(fingerprint, stored.Fingerprint);
        Assert.Equal(Fingerprint.FingerprintVersion, stored.Version);
        Assert.True(_db.Fingerprints.Exists(id));
    }

    [Fact]
    public void Adding_twice_fails_loudly_and_upsert_replaces()
    {
        var id = _db.Tracks.Add("/music/a.flac", 10, 20);
        _db.Fingerprints.Add(id, TestDatabase.Sample(1));
        var e = Assert.Throws<LibraryDatabaseException>(() => _db.Fingerprints.Add(id, TestDatabase.Sample(2)));
        Assert.Contains(_db.Path, e.Message, StringComparison.Ordinal);
        _db.Fingerprints.Upsert(id, TestDatabase.Sample(2));
        Assert.Equal(TestDatabase.Sample(2), _db.Fingerprints.Get(id)!.Fingerprint);
        Assert.Equal(1, _db.Fingerprints.Count());
    }

    [Fact]
    public void Updating_a_fingerprint_that_is_not_there_is_an_error_not_a_silent_no_op()
    {
        var id = _db.Tracks.Add("/music/a.flac", 10, 20);
        var e = Assert.Throws<LibraryDatabaseException>(() => _db.Fingerprints.Update(id, TestDatabase.Sample(1)));
        Assert.Contains("changed 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fingerprint_for_a_track_that_does_not_exist_is_refused()
    {
        Assert.Throws<LibraryDatabaseException>(() => _db.Fingerprints.Upsert(12345, TestDatabase.Sample(1)));
        Assert.Equal(0, _db.Fingerprints.Count());
    }

    [Fact]
    public void StoreCompleted_stores_every_result_and_marks_it_complete_or_nothing_at_all()
    {
        var a = _db.Tracks.Add("/music/a.flac", 1, 1);
        var b = _db.Tracks.Add("/music/b.flac", 1, 1);
        _db.Fingerprints.StoreCompleted([(a, TestDatabase.Sample(1)), (b, TestDatabase.Sample(2))]);
        Assert.Equal(2, _db.Fingerprints.Count());
        Assert.All(new[] { a, b }, id => Assert.Equal(FingerprintStatus.Complete, _db.Tracks.Get(id)!.Status));
        Assert.NotNull(_db.Tracks.Get(a)!.FingerprintComputedAt);

        // A batch with one bad row (no such track) stores none of its rows.
        var c = _db.Tracks.Add("/music/c.flac", 1, 1);
        Assert.Throws<LibraryDatabaseException>(() => _db.Fingerprints.StoreCompleted([(c, TestDatabase.Sample(3)), (999_999, TestDatabase.Sample(4))]));
        Assert.False(_db.Fingerprints.Exists(c));
        Assert.Equal(FingerprintStatus.Pending, _db.Tracks.Get(c)!.Status);
    }

    [Fact]
    public void A_full_disk_stops_the_write_with_an_error_and_nothing_is_reported_stored()
    {
        var ids = Enumerable.Range(0, 50).Select(i => _db.Tracks.Add($"/music/{i}.flac", 1, 1)).ToList();
        // Simulate a full disk: SQLite may not grow the file by another page (SQLITE_FULL).
        var pages = _db.Database.Scalar("PRAGMA page_count");
        using (var limit = _db.Database.Command($"PRAGMA max_page_count = {pages}"))
        {
            limit.ExecuteNonQuery();
        }

        var e = Assert.Throws<LibraryDatabaseException>(() => _db.Fingerprints.StoreCompleted(ids.Select(id => (id, TestDatabase.Sample((int)id))).ToList()));
        Assert.Contains("full", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, _db.Fingerprints.Count());
        Assert.Equal(0, _db.Tracks.CountByStatus()[FingerprintStatus.Complete]);
    }

    [Fact]
    public void A_read_only_database_makes_every_write_fail_loudly()
    {
        var id = _db.Tracks.Add("/music/a.flac", 1, 1);
        using (var readOnly = _db.Database.Command("PRAGMA query_only = ON"))
        {
            readOnly.ExecuteNonQuery();
        }

        Assert.Throws<LibraryDatabaseException>(() => _db.Fingerprints.StoreCompleted([(id, TestDatabase.Sample(1))]));
        Assert.Throws<LibraryDatabaseException>(() => _db.Tracks.Add("/music/b.flac", 1, 1));
        Assert.Throws<LibraryDatabaseException>(() => _db.Tracks.SetStatus(id, FingerprintStatus.Error, "x"));
    }

    [Fact]
    public void Deleting_a_track_removes_its_fingerprint_and_graph_edges()
    {
        var a = _db.Tracks.Add("/music/a.flac", 1, 1);
        var b = _db.Tracks.Add("/music/b.flac", 1, 1);
        _db.Fingerprints.Add(a, TestDatabase.Sample(1));
        using (var edge = _db.Database.Command($"INSERT INTO similarity_graph VALUES ({b}, {a}, 1, 0.5), ({a}, {b}, 1, 0.5)"))
        {
            edge.ExecuteNonQuery();
        }

        Assert.True(_db.Tracks.Delete(a));
        Assert.False(_db.Fingerprints.Exists(a));
        Assert.Equal(0L, _db.Database.Scalar("SELECT COUNT(*) FROM similarity_graph"));
        Assert.False(_db.Tracks.Delete(a));
    }

    [Fact]
    public void A_changed_file_loses_its_fingerprint_and_becomes_pending()
    {
        var id = _db.Tracks.Add("/music/a.flac", 1, 1);
        _db.Fingerprints.StoreCompleted([(id, TestDatabase.Sample(1))]);
        _db.Tracks.MarkChanged(id, 2, 3);
        var track = _db.Tracks.Get(id)!;
        Assert.Equal((2L, 3L, FingerprintStatus.Pending), (track.SizeBytes, track.MtimeNs, track.Status));
        Assert.False(_db.Fingerprints.Exists(id));
        Assert.Throws<LibraryDatabaseException>(() => _db.Tracks.MarkChanged(424242, 1, 1));
    }

    [Fact]
    public void Status_transitions_count_error_attempts_and_crash_leftovers_return_to_pending()
    {
        var id = _db.Tracks.Add("/music/a.flac", 1, 1);
        _db.Tracks.SetStatus(id, FingerprintStatus.Processing);
        _db.Tracks.SetStatus(id, FingerprintStatus.Error, "truncated FLAC");
        _db.Tracks.SetStatus(id, FingerprintStatus.Error, "truncated FLAC");
        var track = _db.Tracks.Get(id)!;
        Assert.Equal((FingerprintStatus.Error, "truncated FLAC", 2), (track.Status, track.FingerprintErrorMessage, track.FingerprintAttempts));

        var other = _db.Tracks.Add("/music/b.flac", 1, 1);
        _db.Tracks.SetStatus(other, FingerprintStatus.Processing);
        Assert.Equal(1, _db.Tracks.ResetProcessing());
        Assert.Equal(FingerprintStatus.Pending, _db.Tracks.Get(other)!.Status);
        Assert.Equal(new Dictionary<FingerprintStatus, long>
        {
            [FingerprintStatus.Pending] = 1,
            [FingerprintStatus.Processing] = 0,
            [FingerprintStatus.Complete] = 0,
            [FingerprintStatus.Error] = 1,
            [FingerprintStatus.Skipped] = 0,
        }, _db.Tracks.CountByStatus());
    }

    [Fact]
    public void Missing_and_stale_fingerprints_are_found_in_id_order()
    {
        var none = _db.Tracks.Add("/music/none.flac", 1, 1);
        var stale = _db.Tracks.Add("/music/stale.flac", 1, 1);
        var current = _db.Tracks.Add("/music/current.flac", 1, 1);
        _db.Fingerprints.Add(stale, TestDatabase.Sample(1), version: Fingerprint.FingerprintVersion - 1);
        _db.Fingerprints.Add(current, TestDatabase.Sample(2));
        Assert.Equal([none, stale], _db.Fingerprints.MissingOrStale());
        Assert.Equal([none], _db.Fingerprints.MissingOrStale(limit: 1));
    }

    [Fact]
    public void Paging_lists_tracks_and_fingerprints_in_id_order()
    {
        var ids = Enumerable.Range(0, 7).Select(i => _db.Tracks.Add($"/music/{i}.flac", i, i)).ToList();
        foreach (var id in ids)
        {
            _db.Fingerprints.Add(id, TestDatabase.Sample((int)id));
        }

        Assert.Equal(ids.Skip(2).Take(3), _db.Tracks.List(3, 2).Select(t => t.Id));
        Assert.Equal(ids.Skip(5), _db.Fingerprints.List(10, 5).Select(f => f.TrackId));
        Assert.Equal(7, _db.Tracks.Count());
        Assert.Equal("/music/3.flac", _db.Tracks.GetByPath("/music/3.flac")!.FilePath);
        Assert.Null(_db.Tracks.GetByPath("/music/none.flac"));
    }

    [Fact]
    public void Range_queries_return_exactly_the_fingerprints_inside_every_range()
    {
        var rng = new Random(5);
        var all = new List<(long Id, Fingerprint F)>();
        for (var i = 0; i < 200; i++)
        {
            var id = _db.Tracks.Add($"/music/{i}.flac", 1, 1);
            var values = new float[Fingerprint.Dimensions];
            values[FingerprintDimensions.IndexOf("lufs")] = (float)((rng.NextDouble() * -30) - 5);
            values[FingerprintDimensions.IndexOf("tempo_bpm")] = (float)(60 + (rng.NextDouble() * 140));
            all.Add((id, new Fingerprint(values)));
        }

        _db.Fingerprints.StoreCompleted(all);
        var single = _db.Fingerprints.ByDimensionRange("lufs", -14, -10).Select(f => f.TrackId);
        Assert.Equal(all.Where(x => x.F["lufs"] is >= -14 and <= -10).Select(x => x.Id), single);
        var multi = _db.Fingerprints.ByDimensionRanges(new Dictionary<string, (double, double)> { ["lufs"] = (-20, -8), ["tempo_bpm"] = (100, 140) }).Select(f => f.TrackId);
        Assert.Equal(all.Where(x => x.F["lufs"] is >= -20 and <= -8 && x.F["tempo_bpm"] is >= 100 and <= 140).Select(x => x.Id), multi);
        Assert.Throws<ArgumentException>(() => _db.Fingerprints.ByDimensionRange("lufs; DROP TABLE tracks", 0, 1));
    }

    [Theory]
    [InlineData("lufs", "idx_fingerprints_lufs")]
    [InlineData("tempo_bpm", "idx_fingerprints_tempo_bpm")]
    [InlineData("bass_pct", "idx_fingerprints_bass_pct")]
    public void A_single_dimension_range_query_uses_its_index(string dimension, string index)
    {
        var plan = QueryPlan(FingerprintRepository.RangeSql([dimension]), 1);
        Assert.Contains(index, plan, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loudness_and_crest_range_query_uses_an_index()
    {
        var plan = QueryPlan(FingerprintRepository.RangeSql(["lufs", "crest_db"]), 2);
        Assert.Contains("USING INDEX", plan, StringComparison.Ordinal);
    }

    private string QueryPlan(string sql, int ranges)
    {
        using var command = _db.Database.Command("EXPLAIN QUERY PLAN " + sql);
        for (var i = 0; i < ranges; i++)
        {
            command.Parameters.AddWithValue($"$min{i}", 0.0);
            command.Parameters.AddWithValue($"$max{i}", 1.0);
        }

        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(3));
        }

        return string.Join("\n", lines);
    }
}

/// <summary>The server's one-statement lookup agrees with the plain reads, repeatedly on one connection.</summary>
public sealed class FingerprintLookupTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Lookup_returns_the_track_status_and_its_stored_fingerprint_or_null_when_missing()
    {
        var with = _db.Tracks.Add("/music/a.flac", 1, 1);
        var without = _db.Tracks.Add("/music/b.flac", 1, 1);
        _db.Fingerprints.Add(with, TestDatabase.Sample(4));
        for (var round = 0; round < 3; round++)
        {
            var found = _db.Fingerprints.Lookup(with)!;
            Assert.Equal(TestDatabase.Sample(4), found.Stored!.Fingerprint);
            Assert.Equal(Auralis.Fingerprinting.Fingerprint.FingerprintVersion, found.Stored.Version);
            Assert.Equal(Auralis.Library.Database.FingerprintStatus.Pending, found.Status);
            Assert.Null(_db.Fingerprints.Lookup(without)!.Stored);
            Assert.Null(_db.Fingerprints.Lookup(999));
        }

        _db.Fingerprints.Upsert(with, TestDatabase.Sample(5));
        Assert.Equal(TestDatabase.Sample(5), _db.Fingerprints.Lookup(with)!.Stored!.Fingerprint);
    }
}
