using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Provider;
using Auralis.Library.Scanning;
using Auralis.Library.Tests.Scanning;

namespace Auralis.Library.Tests.Provider;

/// <summary>The lookup order of docs/server.md, its write-backs, and what the caller is told.</summary>
public sealed class FingerprintProviderTests : IDisposable
{
    private readonly LibraryFixture _lib = new();
    private readonly LibraryDatabasePool _pool;

    public FingerprintProviderTests() => _pool = new LibraryDatabasePool(_lib.Database.Path);

    public void Dispose()
    {
        _pool.Dispose();
        _lib.Dispose();
    }

    private FingerprintProvider Provider(IRemoteFingerprinter? server = null, bool database = true, TimeSpan? timeout = null) => new(new FingerprintProviderOptions
    {
        Database = database ? _pool : null,
        Sidecars = _lib.Sidecars,
        Server = server,
        ServerTimeout = timeout ?? TimeSpan.FromSeconds(10),
        Engine = FingerprintEngines.Managed,
    });

    private string LibraryTrack(string name)
    {
        var path = _lib.AddTrack(name);
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        return path;
    }

    [Fact]
    public async Task A_new_library_track_is_computed_once_then_served_from_the_database()
    {
        var path = LibraryTrack("a.wav");
        var first = await Provider().GetAsync(path);
        Assert.Equal(FingerprintSource.Computed, first.Source);
        Assert.True(first.StoredInDatabase);
        Assert.NotNull(first.SidecarWritten);
        Assert.Contains(first.Trail, t => t.StartsWith("database: track", StringComparison.Ordinal) && t.Contains("no fingerprint yet", StringComparison.Ordinal));
        var track = _lib.Tracks.GetByPath(path)!;
        Assert.Equal(FingerprintStatus.Complete, track.Status);
        Assert.Equal(first.Fingerprint, new FingerprintRepository(_lib.Database).Get(track.Id)!.Fingerprint);

        var second = await Provider().GetAsync(track.Id);
        Assert.Equal(FingerprintSource.Database, second.Source);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.Empty(second.Trail);
    }

    [Fact]
    public async Task A_valid_sidecar_answers_before_the_server_and_fills_the_database()
    {
        var path = LibraryTrack("b.wav");
        var expected = TestDatabase.Sample(3);
        _lib.Sidecars.Write(path, Auralis.Library.Sidecars.AudioFileSignature.Of(path), expected);
        var server = new FakeServer(_ => Task.FromResult(TestDatabase.Sample(9)));

        var result = await Provider(server).GetAsync(path);
        Assert.Equal(FingerprintSource.Sidecar, result.Source);
        Assert.Equal(expected, result.Fingerprint);
        Assert.Equal(0, server.Calls);
        Assert.True(result.StoredInDatabase);
        Assert.Equal(expected, new FingerprintRepository(_lib.Database).Get(result.TrackId!.Value)!.Fingerprint);
    }

    [Fact]
    public async Task With_the_server_up_its_answer_is_used_and_stored_in_the_sidecar_and_database()
    {
        var path = LibraryTrack("c.wav");
        var fromServer = TestDatabase.Sample(5);
        var server = new FakeServer(_ => Task.FromResult(fromServer));

        var result = await Provider(server).GetAsync(path);
        Assert.Equal(FingerprintSource.Server, result.Source);
        Assert.Equal(fromServer, result.Fingerprint);
        Assert.Equal(1, server.Calls);
        Assert.True(result.StoredInDatabase);
        Assert.Equal(fromServer, _lib.Sidecars.TryRead(path, Auralis.Library.Sidecars.AudioFileSignature.Of(path), out _));

        var again = await Provider(server).GetAsync(path);
        Assert.Equal(FingerprintSource.Database, again.Source);
        Assert.Equal(1, server.Calls);
    }

    [Fact]
    public async Task With_the_server_down_the_track_is_computed_locally_and_the_trail_says_why()
    {
        var path = LibraryTrack("d.wav");
        var server = new FakeServer(_ => throw new InvalidOperationException("cannot reach http://127.0.0.1:9: connection refused"));

        var result = await Provider(server).GetAsync(path);
        Assert.Equal(FingerprintSource.Computed, result.Source);
        Assert.Contains(result.Trail, t => t == "server fake://server: cannot reach http://127.0.0.1:9: connection refused");
        Assert.Equal(FileFingerprinter.Compute(path, FingerprintEngines.Managed).Fingerprint, result.Fingerprint);
    }

    [Fact]
    public async Task A_slow_server_is_abandoned_at_the_timeout_with_its_request_cancelled()
    {
        var path = LibraryTrack("e.wav");
        var cancelled = new TaskCompletionSource();
        var server = new FakeServer(async token =>
        {
            using var registration = token.Register(() => cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            return TestDatabase.Sample(1);
        });

        var result = await Provider(server, timeout: TimeSpan.FromMilliseconds(200)).GetAsync(path);
        Assert.Equal(FingerprintSource.Computed, result.Source);
        Assert.Contains(result.Trail, t => t == "server fake://server: no answer within 0.2 s");
        Assert.True(cancelled.Task.IsCompleted, "the server call's token must be cancelled at the timeout");
    }

    [Fact]
    public async Task A_server_answer_of_the_wrong_shape_is_refused_and_computed_instead()
    {
        var path = _lib.AddTrack("f.wav");
        var server = new FakeServer(_ => Task.FromResult(new Fingerprint(new float[Fingerprint.Dimensions])));
        var result = await Provider(server).GetAsync(path);
        Assert.Equal(FingerprintSource.Server, result.Source); // 25 values: accepted

        var loose = _lib.AddTrack("g.wav");
        var broken = new FakeServer(_ => Task.FromException<Fingerprint>(new FormatException("answer had 3 values, expected 25")));
        var computed = await Provider(broken).GetAsync(loose);
        Assert.Equal(FingerprintSource.Computed, computed.Source);
        Assert.Contains(computed.Trail, t => t.Contains("expected 25", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_changed_since_its_fingerprint_is_not_served_from_the_database()
    {
        var path = LibraryTrack("h.wav");
        var first = await Provider().GetAsync(path);
        Assert.Equal(FingerprintSource.Computed, first.Source);

        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5));
        var second = await Provider().GetAsync(path);
        Assert.NotEqual(FingerprintSource.Database, second.Source);
        Assert.Contains(second.Trail, t => t.Contains("changed on disk", StringComparison.Ordinal));
        // The track row still describes the old file: the rescan owns it, so nothing is stored.
        Assert.False(second.StoredInDatabase);
        Assert.Contains(second.Warnings, w => w.Contains("not stored", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_loose_file_outside_the_library_gets_a_sidecar_only()
    {
        var path = _lib.AddTrack("loose.wav");
        var result = await Provider().GetAsync(path);
        Assert.Equal(FingerprintSource.Computed, result.Source);
        Assert.Null(result.TrackId);
        Assert.False(result.StoredInDatabase);
        Assert.Contains("database: not a library track", result.Trail);
        Assert.Equal(FingerprintSource.Sidecar, (await Provider().GetAsync(path)).Source);
    }

    [Fact]
    public async Task A_missing_or_undecodable_file_fails_with_every_tier_explained()
    {
        var missing = Path.Combine(_lib.Music, "missing.wav");
        var e = await Assert.ThrowsAsync<FingerprintUnavailableException>(() => Provider().GetAsync(missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);

        var garbage = Path.Combine(_lib.Music, "garbage.wav");
        await File.WriteAllBytesAsync(garbage, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray());
        var server = new FakeServer(_ => throw new InvalidOperationException("server says no"));
        var failure = await Assert.ThrowsAsync<FingerprintUnavailableException>(() => Provider(server).GetAsync(garbage));
        Assert.Equal(4, failure.Trail.Count);
        Assert.StartsWith("database:", failure.Trail[0], StringComparison.Ordinal);
        Assert.StartsWith("sidecar:", failure.Trail[1], StringComparison.Ordinal);
        Assert.Equal("server fake://server: server says no", failure.Trail[2]);
        Assert.StartsWith("local (managed):", failure.Trail[3], StringComparison.Ordinal);
        Assert.Contains(garbage, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_extractions_wait_for_a_slot_while_stored_answers_do_not()
    {
        var stored = LibraryTrack("stored.wav");
        await Provider().GetAsync(stored); // now in the database
        var fresh = _lib.AddTrack("fresh.wav");
        using var slots = new SemaphoreSlim(0, 1); // every extraction slot taken
        var provider = new FingerprintProvider(new FingerprintProviderOptions
        {
            Database = _pool,
            Sidecars = _lib.Sidecars,
            Engine = FingerprintEngines.Managed,
            ExtractionSlots = slots,
        });

        Assert.Equal(FingerprintSource.Database, (await provider.GetAsync(stored).WaitAsync(TimeSpan.FromSeconds(30))).Source);
        var computing = provider.GetAsync(fresh);
        Assert.NotSame(computing, await Task.WhenAny(computing, Task.Delay(500)));
        slots.Release();
        Assert.Equal(FingerprintSource.Computed, (await computing.WaitAsync(TimeSpan.FromSeconds(30))).Source);
        Assert.Equal(1, slots.CurrentCount);
    }

    [Fact]
    public async Task An_unknown_track_id_is_reported_as_not_found()
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Provider().GetAsync(12345));
    }

    [Fact]
    public async Task Concurrent_lookups_of_many_tracks_all_succeed_and_are_all_stored()
    {
        var paths = Enumerable.Range(0, 12).Select(i => _lib.AddTrack($"many{i}.wav")).ToList();
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        var provider = Provider();
        var results = await Task.WhenAll(paths.Concat(paths).Select(p => Task.Run(() => provider.GetAsync(p))));
        Assert.All(results, r => Assert.NotNull(r.TrackId));
        Assert.All(paths, p => Assert.Equal(FingerprintStatus.Complete, _lib.Tracks.GetByPath(p)!.Status));
        Assert.Equal(12, new FingerprintRepository(_lib.Database).Count());
    }

    private sealed class FakeServer(Func<CancellationToken, Task<Fingerprint>> answer) : IRemoteFingerprinter
    {
        private int _calls;

        public int Calls => _calls;

        public string Address => "fake://server";

        public Task<Fingerprint> FingerprintFileAsync(string path, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return answer(cancellationToken);
        }
    }
}
