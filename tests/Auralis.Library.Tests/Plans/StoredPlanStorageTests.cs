using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Auralis.Library.Sidecars;
using Auralis.Library.Tests.Scanning;
using Auralis.Mastering;
using Auralis.Mastering.Rendering;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Tests.Plans;

/// <summary>Stored plan data in the database (migration 4) and the sidecar, and the scan that measures it.</summary>
public sealed class StoredPlanStorageTests : IDisposable
{
    private readonly LibraryFixture _lib = new();

    public void Dispose() => _lib.Dispose();

    /// <summary>What the writer stores comes back field for field; a row without a fingerprint's plan is removed with the next fingerprint.</summary>
    [Fact]
    public void Plan_data_round_trips_through_the_database_and_follows_the_fingerprint()
    {
        var id = _lib.Tracks.Add("/music/a.flac", 1, 1);
        var fingerprint = TestDatabase.Sample(3);
        var plan = PlanSamples.For(fingerprint);
        var writer = new TrackEventWriter(_lib.Database);
        writer.Apply([new TrackEvent.Completed(id, fingerprint, null, null, plan)]);
        PlanSamples.AssertSame(plan, new PlanDataRows(_lib.Database).Get(id, out var reason));
        Assert.Equal("valid", reason);

        // A new fingerprint without plan data: the old data (measured against another chain) goes.
        writer.Apply([new TrackEvent.Completed(id, TestDatabase.Sample(4), null, null)]);
        Assert.Null(new PlanDataRows(_lib.Database).Get(id, out reason));
        Assert.Contains("no stored plan data", reason);
    }

    /// <summary>A damaged row is as good as none, with a reason; it is never thrown on.</summary>
    [Fact]
    public void A_damaged_database_row_reads_as_no_plan_data()
    {
        var id = _lib.Tracks.Add("/music/a.flac", 1, 1);
        new PlanDataRows(_lib.Database).Upsert(id, PlanSamples.For(TestDatabase.Sample(1)));
        using (var damage = _lib.Database.Command("UPDATE track_plan_data SET data = zeroblob(7)"))
        {
            damage.ExecuteNonQuery();
        }

        Assert.Null(new PlanDataRows(_lib.Database).Get(id, out var reason));
        Assert.Contains("invalid", reason);
    }

    /// <summary>Migration 4 on a database at version 3 keeps every track and fingerprint and adds the empty table.</summary>
    [Fact]
    public void Migrating_a_version_3_database_keeps_its_rows()
    {
        using var folder = new TempDirectory();
        long id;
        // A database at version 3 (its migrations run by plain SQL) with a track and its fingerprint.
        var second = folder.File("v3-with-rows.db");
        using (var connection = new SqliteConnection($"Data Source={second};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);" +
                string.Concat(Schema.Migrations.Where(m => m.Version <= 3).Select(m => m.Sql + $";INSERT INTO schema_version VALUES ({m.Version}, 'm', 'x');")) +
                "INSERT INTO tracks (filepath, size_bytes, mtime_ns, added_at, updated_at, fingerprint_status) VALUES ('/music/kept.flac', 10, 20, 'x', 'x', 'complete');" +
                $"INSERT INTO track_fingerprints (track_id, {string.Join(", ", Schema.Dimensions)}, fingerprint_version, created_at, updated_at) " +
                $"VALUES (1, {string.Join(", ", TestDatabase.Sample(2).Values.ToArray().Select(v => ((double)v).ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}, {Fingerprint.FingerprintVersion}, 'x', 'x');";
            create.ExecuteNonQuery();
        }

        using (var db = LibraryDatabase.Open(second))
        {
            Assert.Equal(Schema.LatestVersion, db.SchemaVersion);
            var track = new TrackRepository(db).GetByPath("/music/kept.flac");
            Assert.NotNull(track);
            id = track.Id;
            Assert.Equal((10L, 20L, FingerprintStatus.Complete), (track.SizeBytes, track.MtimeNs, track.Status));
            Assert.Equal(TestDatabase.Sample(2), new FingerprintRepository(db).Get(id)!.Fingerprint);
            Assert.Null(new PlanDataRows(db).Get(id, out _));
            new PlanDataRows(db).Upsert(id, PlanSamples.For(TestDatabase.Sample(2)));
            PlanSamples.AssertSame(PlanSamples.For(TestDatabase.Sample(2)), new PlanDataRows(db).Get(id, out _));
        }

        SqliteConnection.ClearAllPools();
    }

    /// <summary>The sidecar store writes the section and reads it back with the fingerprint; a plain write drops it.</summary>
    [Fact]
    public void Plan_data_round_trips_through_the_sidecar_store()
    {
        var audio = _lib.AddTrack("s.wav");
        var signature = AudioFileSignature.Of(audio);
        var fingerprint = TestDatabase.Sample(5);
        var plan = PlanSamples.For(fingerprint);
        _lib.Sidecars.Write(audio, signature, fingerprint, plan);
        var contents = _lib.Sidecars.TryReadContents(audio, signature, out var reason);
        Assert.NotNull(contents);
        Assert.Equal(fingerprint, contents.Fingerprint);
        PlanSamples.AssertSame(plan, contents.Plan);
        Assert.Equal(fingerprint, _lib.Sidecars.TryRead(audio, signature, out _));

        _lib.Sidecars.Write(audio, signature, fingerprint);
        contents = _lib.Sidecars.TryReadContents(audio, signature, out reason);
        Assert.NotNull(contents);
        Assert.Null(contents.Plan);
        Assert.Equal(SidecarFormat.Length, new FileInfo(SidecarStore.BesidePath(audio)).Length);
    }

    /// <summary>
    /// The scan stores, for every preset, data from which the planner makes the plan a measuring
    /// pass with the scan's options makes (same gain within 0.05 dB), in the database and the
    /// sidecar; on a quiet, peaky track where the limiter's second pass runs.
    /// </summary>
    [Fact]
    public void The_scan_stores_plan_data_that_plans_like_a_measuring_pass()
    {
        var path = PeakyTrack("peaky.wav", 8);
        var result = Scan();
        Assert.Empty(result.PlanErrors);
        var track = _lib.Tracks.GetByPath(path)!;
        var fingerprint = new FingerprintRepository(_lib.Database).Get(track.Id)!.Fingerprint;
        var fromDatabase = new PlanDataRows(_lib.Database).Get(track.Id, out var reason);
        Assert.True(fromDatabase?.Serves(fingerprint), reason);
        var fromSidecar = _lib.Sidecars.TryReadContents(path, AudioFileSignature.Of(path), out _)?.Plan;
        PlanSamples.AssertSame(fromDatabase!, fromSidecar);
        Assert.Contains(fromDatabase!.Presets, p => p.Measured.Passes == 2);

        foreach (var preset in MasteringPresets.Names)
        {
            var measured = MasteringPlanner.Plan(fingerprint, new AudioFilePcmSource(path), preset, MasteringPlanner.ScanMeasurement);
            var stored = MasteringPlanner.FromStored(fingerprint, fromDatabase, preset);
            Assert.NotNull(stored);
            Assert.Equal(measured.NormalizationGainDb, stored.NormalizationGainDb, 0.05);
            Assert.Equal((measured.Measured.Passes, measured.TargetReachable), (stored.Measured.Passes, stored.TargetReachable));
        }
    }

    /// <summary>An old sidecar (no section) gives the scan its fingerprint without extracting; the scan measures the plan data and rewrites the sidecar with it.</summary>
    [Fact]
    public void A_scan_over_an_old_sidecar_keeps_its_fingerprint_and_adds_the_plan_section()
    {
        var path = _lib.AddTrack("old.wav", 2);
        var signature = AudioFileSignature.Of(path);
        var fingerprint = TestDatabase.Sample(7);
        _lib.Sidecars.Write(path, signature, fingerprint);

        // Sample(7) is no audio's fingerprint: finding it stored proves it came from the sidecar.
        var result = Scan();
        Assert.Equal((1, 1), (result.Completed, result.FromSidecars));
        var track = _lib.Tracks.GetByPath(path)!;
        Assert.Equal(fingerprint, new FingerprintRepository(_lib.Database).Get(track.Id)!.Fingerprint);
        var contents = _lib.Sidecars.TryReadContents(path, signature, out _)!;
        Assert.Equal(fingerprint, contents.Fingerprint);
        Assert.True(contents.Plan?.Serves(fingerprint), contents.PlanReason);
        Assert.True(new PlanDataRows(_lib.Database).Get(track.Id, out _)?.Serves(fingerprint));
    }

    private ExtractionResult Scan()
    {
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        var options = new ExtractionOptions(FingerprintEngines.Managed, 1, true, _lib.Sidecars) { BatchInterval = TimeSpan.FromMilliseconds(20) };
        return new ExtractionQueue(_lib.Database).RunAsync(options).GetAwaiter().GetResult();
    }

    /// <summary>Noise at about -15 LUFS (near the presets' targets) with a near-full-scale click every half second: the limiter works.</summary>
    private string PeakyTrack(string name, double seconds)
    {
        var path = Path.Combine(_lib.Music, name);
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        var random = new Random(11);
        for (var i = 0; i < frames; i++)
        {
            var x = (float)(0.15 * ((random.NextDouble() * 2) - 1));
            if (i % 22_050 < 40)
            {
                x = (float)(0.9 * Math.Sin(Math.PI * (i % 22_050) / 40.0));
            }

            pcm[2 * i] = x;
            pcm[(2 * i) + 1] = -x;
        }

        AudioFileWriter.Write(path, pcm, 44_100, 2, AudioSampleFormat.Pcm16);
        return path;
    }
}
