using System.Diagnostics;
using System.Globalization;
using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Auralis.Library.Sidecars;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Tests.Scanning;

/// <summary>
/// Issue 14: every track has its tags, format and duration however its fingerprint was obtained.
/// The files are made and tagged by ffmpeg, so the expected values do not come from TagLibSharp.
/// </summary>
public sealed class TrackMetadataTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _root.Dispose();
    }

    private string Music => Directory.CreateDirectory(Path.Combine(_root.Path, "music")).FullName;

    private SidecarStore Sidecars => new(Path.Combine(_root.Path, "cache"));

    /// <summary>(file name, ffmpeg codec, format the library stores): one per format the scan meets.</summary>
    private static readonly (string Name, string Encoder, string Format)[] Tagged =
    [
        ("vorbis.ogg", "libvorbis", "ogg-vorbis"),
        ("lossless.flac", "flac", "flac"),
        ("lame.mp3", "libmp3lame", "mp3"),
        ("pcm.wav", "pcm_s16le", "wav"),
    ];

    private List<string> MakeTaggedFiles()
    {
        var paths = new List<string>();
        foreach (var (name, encoder, _) in Tagged)
        {
            var path = Path.Combine(Music, name);
            Ffmpeg("-f", "lavfi", "-i", $"sine=frequency={300 + (paths.Count * 110)}:sample_rate=44100:duration=3", "-ac", "2", "-c:a", encoder,
                "-metadata", $"title=Title of {name}", "-metadata", $"artist=Artist {name}", "-metadata", $"album=Album {name}", path);
            paths.Add(path);
        }

        return paths;
    }

    private ExtractionResult Scan(LibraryDatabase database, bool useSidecars = true)
    {
        new LibraryScanner(database).Sync([Music]);
        var options = new ExtractionOptions(FingerprintEngines.Managed, 2, useSidecars, Sidecars) { BatchInterval = TimeSpan.FromMilliseconds(20), MeasurePlans = false };
        return new ExtractionQueue(database).RunAsync(options).GetAwaiter().GetResult();
    }

    [Fact]
    public void A_database_filled_only_from_sidecars_has_title_artist_album_duration_and_format_for_every_tagged_track()
    {
        var paths = MakeTaggedFiles();
        var decoded = new Dictionary<string, TrackRecord>(StringComparer.Ordinal);
        using (var first = LibraryDatabase.Open(Path.Combine(_root.Path, "a.db")))
        {
            var result = Scan(first);
            Assert.Equal((paths.Count, paths.Count, 0), (result.Total, result.Completed, result.FromSidecars));
            foreach (var path in paths)
            {
                decoded[path] = new TrackRepository(first).GetByPath(path)!;
                Assert.Equal("frames", decoded[path].DurationSource);
            }
        }

        using var second = LibraryDatabase.Open(Path.Combine(_root.Path, "b.db"));
        var fromSidecars = Scan(second);
        Assert.Equal((paths.Count, paths.Count), (fromSidecars.Completed, fromSidecars.FromSidecars)); // nothing decoded
        foreach (var (path, (name, _, format)) in paths.Zip(Tagged))
        {
            var track = new TrackRepository(second).GetByPath(path)!;
            Assert.Equal(($"Title of {name}", $"Artist {name}", $"Album {name}"), (track.Title, track.Artist, track.Album));
            Assert.Equal(format, track.Format);
            Assert.Equal((44_100, 2), (track.SampleRate, track.Channels));
            Assert.Equal("header", track.DurationSource);
            // The header's length against the frames a full decode counted in database A.
            Assert.InRange(track.DurationSeconds!.Value, decoded[path].DurationSeconds!.Value - 0.06, decoded[path].DurationSeconds!.Value + 0.06);
            Assert.NotNull(track.MetadataReadAt);
            Assert.Null(track.MetadataError);
            Assert.NotNull(track.Codec);
        }
    }

    [Fact]
    public void A_schema_4_library_migrates_and_gets_its_tags_on_the_next_scan_without_refingerprinting()
    {
        var paths = MakeTaggedFiles();
        var path = Path.Combine(_root.Path, "v4.db");
        // A library as schema 4 left it: complete tracks with fingerprints and no tags at all
        // (its migrations run by plain SQL, the way that version made it).
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);" +
                string.Concat(Schema.Migrations.Where(m => m.Version <= 4).Select(m => m.Sql + $";INSERT INTO schema_version VALUES ({m.Version}, 'm', 'x');"));
            create.ExecuteNonQuery();
            for (var i = 0; i < paths.Count; i++)
            {
                var signature = AudioFileSignature.Of(paths[i]);
                using var insert = connection.CreateCommand();
                insert.CommandText =
                    "INSERT INTO tracks (id, filepath, size_bytes, mtime_ns, added_at, updated_at, fingerprint_status, fingerprint_computed_at) " +
                    $"VALUES ({i + 1}, $p, {signature.SizeBytes}, {signature.MtimeNs}, 'x', 'x', 'complete', 'x');" +
                    $"INSERT INTO track_fingerprints (track_id, {string.Join(", ", Schema.Dimensions)}, fingerprint_version, created_at, updated_at) " +
                    $"VALUES ({i + 1}, {string.Join(", ", TestDatabase.Sample(i + 1).Values.ToArray().Select(v => ((double)v).ToString("R", CultureInfo.InvariantCulture)))}, {Fingerprint.FingerprintVersion}, 'x', 'x');";
                insert.Parameters.AddWithValue("$p", paths[i]);
                insert.ExecuteNonQuery();
            }
        }

        using var database = LibraryDatabase.Open(path);
        Assert.Equal(Schema.LatestVersion, database.SchemaVersion);
        Assert.Equal(paths.Count, new ExtractionQueue(database).MetadataWorkList().Count);
        var result = Scan(database, useSidecars: false); // no sidecar could save a recomputation
        Assert.Equal((0, 0), (result.Total, result.Completed)); // not fingerprinted again
        Assert.Equal(paths.Count, result.MetadataFilled);
        var tracks = new TrackRepository(database);
        var fingerprints = new FingerprintRepository(database);
        foreach (var (p, i) in paths.Select((p, i) => (p, i)))
        {
            var track = tracks.GetByPath(p)!;
            Assert.Equal((FingerprintStatus.Complete, "x"), (track.Status, track.FingerprintComputedAt));
            Assert.Equal(TestDatabase.Sample(i + 1), fingerprints.Get(track.Id)!.Fingerprint); // the stored one, kept
            Assert.Equal($"Title of {Path.GetFileName(p)}", track.Title);
            Assert.Equal(("header", Tagged[i].Format), (track.DurationSource, track.Format));
            Assert.InRange(track.DurationSeconds!.Value, 2.9, 3.1);
        }

        // The titles are searchable right away, and a second scan has nothing left to read.
        Assert.Equal(1, tracks.Search("title of lossless", TrackSort.Id, false, 10, 0).Total);
        Assert.Equal(0, Scan(database, useSidecars: false).MetadataFilled);
        Assert.Empty(new ExtractionQueue(database).MetadataWorkList());
    }

    [Fact]
    public async Task The_tag_only_pass_reads_no_file_outside_the_confinement_or_in_a_folder_left_as_it_is()
    {
        var paths = MakeTaggedFiles();
        using var database = LibraryDatabase.Open(Path.Combine(_root.Path, "c.db"));
        Scan(database);
        using (var forget = database.Command("UPDATE tracks SET title = NULL, metadata_read_at = NULL"))
        {
            forget.ExecuteNonQuery(); // as a library from before migration 5 would be
        }

        var queue = new ExtractionQueue(database);
        var options = new ExtractionOptions(FingerprintEngines.Managed, 2, false) { BatchInterval = TimeSpan.FromMilliseconds(20), MeasurePlans = false };
        var refused = await queue.RunAsync(options with { Confinement = new RefuseAll() });
        Assert.Equal(0, refused.MetadataFilled);
        Assert.Equal(paths.Count, refused.MetadataErrors.Count);
        Assert.All(refused.MetadataErrors, e => Assert.Contains("outside the library roots", e, StringComparison.Ordinal));
        var left = await queue.RunAsync(options with { LeaveUnder = [Music] });
        Assert.Equal((0, 0), (left.MetadataFilled, left.MetadataErrors.Count));
        Assert.All(paths, p => Assert.Null(new TrackRepository(database).GetByPath(p)!.Title)); // nothing read, nothing marked read
        Assert.Equal(paths.Count, (await queue.RunAsync(options)).MetadataFilled);
    }

    private sealed class RefuseAll : IReadConfinement
    {
        public ReadVerdict Check(string path, out string realPath)
        {
            realPath = path;
            return ReadVerdict.Outside;
        }
    }

    [Fact]
    public void A_completion_without_a_tag_never_erases_a_stored_title_and_a_header_never_replaces_a_counted_duration()
    {
        using var db = new TestDatabase();
        var id = db.Tracks.Add("/music/a.ogg", 1, 1);
        var writer = new TrackEventWriter(db.Database);
        var tagged = new TrackTags("Song", "Band", null, null, 1, null, null, null, "ogg-vorbis", "vorbis", 128, 44_100, 2, 3.5);
        var info = new AudioInfo("/music/a.ogg", 44_100, 2, null, "ogg-vorbis", "libsndfile", null, null, null);
        writer.Apply([new TrackEvent.Completed(id, TestDatabase.Sample(1), info, 3.25, null, new TagReadResult.Read("/music/a.ogg", tagged))]);
        var untagged = tagged with { Title = null, Artist = null, TrackNumber = null, DurationSeconds = 9.0 };
        writer.Apply([new TrackEvent.Completed(id, TestDatabase.Sample(1), null, null, null, new TagReadResult.Read("/music/a.ogg", untagged))]);
        writer.Apply([new TrackEvent.Completed(id, TestDatabase.Sample(1), null, null)]);

        var track = db.Tracks.Get(id)!;
        Assert.Equal(("Song", "Band", (int?)1), (track.Title, track.Artist, track.TrackNumber));
        Assert.Equal((3.25, "frames"), (track.DurationSeconds, track.DurationSource));
    }

    [Fact]
    public void A_file_whose_tags_cannot_be_read_still_completes_and_records_why()
    {
        using var db = new TestDatabase();
        var id = db.Tracks.Add("/music/b.ogg", 1, 1);
        new TrackEventWriter(db.Database).Apply([new TrackEvent.Completed(id, TestDatabase.Sample(2), null, null, null, new TagReadResult.Unreadable("/music/b.ogg", "corrupt"))]);
        var track = db.Tracks.Get(id)!;
        Assert.Equal(FingerprintStatus.Complete, track.Status);
        Assert.Equal("/music/b.ogg: tags not read: corrupt", track.MetadataError);
        Assert.NotNull(track.MetadataReadAt); // not read again every scan; a change of the file reads it again
    }

    [Fact]
    public void A_changed_file_is_tag_read_again_and_loses_its_old_duration()
    {
        using var db = new TestDatabase();
        var id = db.Tracks.Add("/music/c.ogg", 1, 1);
        var tags = new TrackTags("Old", null, null, null, null, null, null, null, "ogg-vorbis", "vorbis", 128, 44_100, 2, 3.5);
        new TrackEventWriter(db.Database).Apply([new TrackEvent.Completed(id, TestDatabase.Sample(2), null, null, null, new TagReadResult.Read("/music/c.ogg", tags))]);
        db.Tracks.MarkChanged(id, 2, 2);
        var track = db.Tracks.Get(id)!;
        Assert.Equal(((double?)null, (string?)null, (string?)null), (track.DurationSeconds, track.DurationSource, track.MetadataReadAt));
    }

    private static void Ffmpeg(params string[] args)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-nostdin", "-hide_banner", "-v", "error", "-y" }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start");
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg {string.Join(' ', args)} failed: {error.Result}");
    }
}
