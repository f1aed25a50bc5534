using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Scanning;

namespace Auralis.Library.Tests.Scanning;

public sealed class ExtractionQueueTests : IDisposable
{
    private readonly LibraryFixture _lib = new();

    public void Dispose() => _lib.Dispose();

    private ExtractionOptions Options(IFingerprintEngine? engine = null, bool sidecars = true, int workers = 2) =>
        new(engine ?? FingerprintEngines.Managed, workers, sidecars, _lib.Sidecars) { BatchInterval = TimeSpan.FromMilliseconds(20) };

    private ExtractionResult Run(ExtractionOptions options, CancellationToken token = default)
    {
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        return new ExtractionQueue(_lib.Database).RunAsync(options, null, token).GetAwaiter().GetResult();
    }

    [Fact]
    public void Every_track_ends_complete_with_its_fingerprint_and_audio_details_stored()
    {
        var paths = Enumerable.Range(0, 6).Select(i => _lib.AddTrack($"t{i}.wav")).ToList();
        var result = Run(Options());
        Assert.Equal((6, 6, 0), (result.Total, result.Completed, result.Failed));
        var fingerprints = new FingerprintRepository(_lib.Database);
        foreach (var path in paths)
        {
            var track = _lib.Tracks.GetByPath(path)!;
            Assert.Equal(FingerprintStatus.Complete, track.Status);
            Assert.Equal((44_100, 2), (track.SampleRate, track.Channels));
            Assert.InRange(track.DurationSeconds!.Value, 0.99, 1.01);
            Assert.True(fingerprints.Exists(track.Id));
        }
    }

    [Fact]
    public void Each_bad_file_ends_error_with_a_clear_message_while_the_rest_complete()
    {
        _lib.AddTrack("good.wav");
        File.WriteAllBytes(Path.Combine(_lib.Music, "random.mp3"), Enumerable.Range(0, 4000).Select(i => (byte)(i * 37)).ToArray());
        File.WriteAllBytes(Path.Combine(_lib.Music, "empty.flac"), []);
        Directory.CreateDirectory(Path.Combine(_lib.Music, "folder.flac"));
        File.CreateSymbolicLink(Path.Combine(_lib.Music, "broken.ogg"), "/nonexistent/x.ogg");
        WriteNaNWav(Path.Combine(_lib.Music, "nan.wav"));
        var result = Run(Options());
        Assert.Equal((6, 1, 5), (result.Total, result.Completed, result.Failed));
        var failures = _lib.Tracks.Failures().ToDictionary(f => Path.GetFileName(f.Path), f => f.Message);
        Assert.Equal(["broken.ogg", "empty.flac", "folder.flac", "nan.wav", "random.mp3"], failures.Keys.Order(StringComparer.Ordinal));
        Assert.All(failures, f => Assert.Contains(f.Key, f.Value, StringComparison.Ordinal));
        Assert.Contains("empty", failures["empty.flac"], StringComparison.Ordinal);
        Assert.Contains("directory", failures["folder.flac"], StringComparison.Ordinal);
        Assert.Contains("NaN", failures["nan.wav"], StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, _lib.Tracks.Get(_lib.Tracks.GetByPath(Path.Combine(_lib.Music, "empty.flac"))!.Id)!.FingerprintAttempts);
    }

    [Fact]
    public void New_tracks_come_first_most_recent_first_then_stale_ones()
    {
        var old = _lib.AddTrack("old.wav");
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        var oldId = _lib.Tracks.GetByPath(old)!.Id;
        new FingerprintRepository(_lib.Database).StoreCompleted([(oldId, ScannerTests.RepositorySample())], version: Fingerprint.FingerprintVersion - 1);
        _lib.AddTrack("first.wav");
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        Thread.Sleep(5); // added_at has sub-millisecond resolution; keep the order unambiguous
        _lib.AddTrack("second.wav");
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        var order = new ExtractionQueue(_lib.Database).WorkList().Select(w => Path.GetFileName(w.Path));
        Assert.Equal(["second.wav", "first.wav", "old.wav"], order);
    }

    [Fact]
    public async Task An_on_demand_request_is_taken_before_everything_else()
    {
        var paths = Enumerable.Range(0, 6).Select(i => _lib.AddTrack($"t{i}.wav")).ToList();
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        var queue = new ExtractionQueue(_lib.Database);
        var last = queue.WorkList()[^1];
        queue.RequestNow(last.Id, last.Path);
        using var cancel = new CancellationTokenSource();
        // One worker, stopped when its second analysis starts: only the first track taken completes.
        var engine = new CountingEngine(FingerprintEngines.Managed, onAnalysis: n =>
        {
            if (n == 2)
            {
                cancel.Cancel();
            }
        });
        await queue.RunAsync(Options(engine, sidecars: false, workers: 1), null, cancel.Token);
        Assert.Equal(FingerprintStatus.Complete, _lib.Tracks.Get(last.Id)!.Status);
        Assert.Equal(1, _lib.Tracks.CountByStatus()[FingerprintStatus.Complete]);
    }

    [Fact]
    public void Tracks_a_crash_left_processing_are_done_on_the_next_run()
    {
        var path = _lib.AddTrack("a.wav");
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        var id = _lib.Tracks.GetByPath(path)!.Id;
        _lib.Tracks.SetStatus(id, FingerprintStatus.Processing);
        var result = Run(Options());
        Assert.Equal(1, result.Completed);
        Assert.Equal(FingerprintStatus.Complete, _lib.Tracks.Get(id)!.Status);
    }

    [Fact]
    public void A_valid_sidecar_is_used_instead_of_extracting_again()
    {
        for (var i = 0; i < 4; i++)
        {
            _lib.AddTrack($"t{i}.wav");
        }

        Run(Options());
        // Forget the fingerprints: the next run must take them from the sidecars, not the engine.
        using (var reset = _lib.Database.Command("DELETE FROM track_fingerprints; UPDATE tracks SET fingerprint_status = 'pending'"))
        {
            reset.ExecuteNonQuery();
        }

        var counting = new CountingEngine(FingerprintEngines.Managed);
        var result = Run(Options(counting));
        Assert.Equal((4, 4), (result.Completed, result.FromSidecars));
        Assert.Equal(0, counting.Analyses);

        var noSidecars = Run(Options(counting, sidecars: false) with { });
        Assert.Equal(0, noSidecars.Total); // nothing pending any more
    }

    [Fact]
    public void Cancelling_returns_unfinished_tracks_to_pending_and_loses_nothing()
    {
        for (var i = 0; i < 8; i++)
        {
            _lib.AddTrack($"t{i}.wav", seconds: 3);
        }

        using var cancel = new CancellationTokenSource();
        var slow = new CountingEngine(FingerprintEngines.Managed, onAnalysis: n =>
        {
            if (n == 2)
            {
                cancel.Cancel();
            }
        });
        var result = Run(Options(slow, workers: 1), cancel.Token);
        Assert.True(result.Cancelled);
        var counts = _lib.Tracks.CountByStatus();
        Assert.Equal(0, counts[FingerprintStatus.Processing]);
        Assert.Equal(8, counts[FingerprintStatus.Complete] + counts[FingerprintStatus.Pending]);
        Assert.True(counts[FingerprintStatus.Pending] >= 1);

        var rest = Run(Options());
        Assert.Equal(8, _lib.Tracks.CountByStatus()[FingerprintStatus.Complete]);
        Assert.Equal(counts[FingerprintStatus.Pending], rest.Completed);
    }

    [Fact]
    public void A_database_that_cannot_be_written_stops_the_run_loudly_and_nothing_is_reported_stored()
    {
        for (var i = 0; i < 4; i++)
        {
            _lib.AddTrack($"t{i}.wav");
        }

        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        using (var readOnly = _lib.Database.Command("PRAGMA query_only = ON"))
        {
            readOnly.ExecuteNonQuery();
        }

        var queue = new ExtractionQueue(_lib.Database);
        Assert.Throws<LibraryDatabaseException>(() => queue.RunAsync(Options(sidecars: false)).GetAwaiter().GetResult());
        Assert.Equal(0, _lib.Tracks.CountByStatus()[FingerprintStatus.Complete]);
        Assert.Equal(0, new FingerprintRepository(_lib.Database).Count());
    }

    private static void WriteNaNWav(string path)
    {
        var pcm = new float[44_100 * 2];
        pcm[1000] = float.NaN;
        Auralis.Audio.AudioFileWriter.Write(path, pcm, 44_100, 2, Auralis.Audio.AudioSampleFormat.Float32);
    }

    /// <summary>Wraps an engine and counts the analyses it starts.</summary>
    private sealed class CountingEngine(IFingerprintEngine inner, Action<int>? onAnalysis = null) : IFingerprintEngine
    {
        private int _analyses;

        public int Analyses => _analyses;

        public string Name => inner.Name;

        public IFingerprintAnalyzer CreateAnalyzer(int sampleRate, int channels)
        {
            onAnalysis?.Invoke(Interlocked.Increment(ref _analyses));
            return inner.CreateAnalyzer(sampleRate, channels);
        }
    }
}
