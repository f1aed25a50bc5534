using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Auralis.Library.Sidecars;

namespace Auralis.Library.Tests.Scanning;

/// <summary>Values outside a dimension's range never reach the database: an extraction producing one makes its track an error.</summary>
public sealed class OutOfRangeExtractionTests : IDisposable
{
    private readonly LibraryFixture _lib = new();

    public void Dispose() => _lib.Dispose();

    [Fact]
    public async Task An_extraction_that_produces_an_out_of_range_value_ends_its_track_in_error_naming_the_dimension_and_value()
    {
        var bad = AddTrackAt48k("loud.wav");
        var good = _lib.AddTrack("fine.wav");
        var engine = new ReplacingEngine(FingerprintEngines.Managed, FingerprintDimensions.IndexOf("lufs"), 57.5f);

        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        var result = await new ExtractionQueue(_lib.Database).RunAsync(new ExtractionOptions(engine, 2, true, _lib.Sidecars) { BatchInterval = TimeSpan.FromMilliseconds(20) });

        Assert.Equal((2, 1, 1), (result.Total, result.Completed, result.Failed));
        var failed = _lib.Tracks.GetByPath(bad)!;
        Assert.Equal(FingerprintStatus.Error, failed.Status);
        Assert.Contains(bad, failed.FingerprintErrorMessage, StringComparison.Ordinal);
        Assert.Contains("lufs is 57.5", failed.FingerprintErrorMessage, StringComparison.Ordinal);
        Assert.False(new FingerprintRepository(_lib.Database).Exists(failed.Id));
        Assert.False(File.Exists(SidecarStore.BesidePath(bad)));
        Assert.Equal(FingerprintStatus.Complete, _lib.Tracks.GetByPath(good)!.Status);
    }

    [Fact]
    public void The_database_refuses_to_store_an_out_of_range_value_naming_the_track_and_dimension()
    {
        var id = _lib.Tracks.Add("/music/x.flac", 1, 1);
        var values = TestDatabase.Sample(1).Values.ToArray();
        values[FingerprintDimensions.IndexOf("bass_pct")] = 3.4e38f;
        var fingerprints = new FingerprintRepository(_lib.Database);

        var e = Assert.Throws<LibraryDatabaseException>(() => fingerprints.Upsert(id, new Fingerprint(values)));
        Assert.Contains($"track {id}", e.Message, StringComparison.Ordinal);
        Assert.Contains("bass_pct", e.Message, StringComparison.Ordinal);
        Assert.Throws<LibraryDatabaseException>(() => new TrackEventWriter(_lib.Database).Apply([new TrackEvent.Completed(id, new Fingerprint(values), null, null)]));
        Assert.Equal(0, fingerprints.Count());
        Assert.Equal(FingerprintStatus.Pending, _lib.Tracks.Get(id)!.Status);
    }

    /// <summary>A 1 s tone at 48 kHz: the sample rate is how <see cref="ReplacingEngine"/> tells it from the fixture's 44.1 kHz tracks.</summary>
    private string AddTrackAt48k(string name)
    {
        var path = Path.Combine(_lib.Music, name);
        var pcm = new float[48_000 * 2];
        for (var i = 0; i < 48_000; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.3 * Math.Sin(2 * Math.PI * 500 * i / 48_000.0));
        }

        Auralis.Audio.AudioFileWriter.Write(path, pcm, 48_000, 2, Auralis.Audio.AudioSampleFormat.Pcm16);
        return path;
    }

    /// <summary>An engine whose result for 48 kHz audio has one dimension replaced, as a defective analysis would.</summary>
    private sealed class ReplacingEngine(IFingerprintEngine inner, int dimension, float value) : IFingerprintEngine
    {
        public string Name => inner.Name;

        public IFingerprintAnalyzer CreateAnalyzer(int sampleRate, int channels) =>
            sampleRate == 48_000 ? new Analyzer(inner.CreateAnalyzer(sampleRate, channels), dimension, value) : inner.CreateAnalyzer(sampleRate, channels);

        private sealed class Analyzer(IFingerprintAnalyzer analyzer, int dimension, float value) : IFingerprintAnalyzer
        {
            public int SampleRate => analyzer.SampleRate;

            public int Channels => analyzer.Channels;

            public long Frames => analyzer.Frames;

            public void Push(ReadOnlySpan<float> interleaved) => analyzer.Push(interleaved);

            public Fingerprint Finish()
            {
                var values = analyzer.Finish().Values.ToArray();
                values[dimension] = value;
                return new Fingerprint(values);
            }

            public void Dispose() => analyzer.Dispose();
        }
    }
}
