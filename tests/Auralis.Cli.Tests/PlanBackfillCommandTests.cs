using System.Text.Json;
using Auralis.Audio;
using Auralis.Library.Database;
using Auralis.Library.Sidecars;

namespace Auralis.Cli.Tests;

/// <summary>
/// A library fingerprinted before plan data was stored gets it on the next scan, without being
/// fingerprinted again: its plays then start with no measuring pass.
/// </summary>
public sealed class PlanBackfillCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private void AddTone(string name, double hz, double seconds)
    {
        Directory.CreateDirectory(Music);
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            var envelope = 0.5 + (0.5 * Math.Sin(2 * Math.PI * 0.5 * i / 44_100.0));
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.3 * envelope * Math.Sin(2 * Math.PI * hz * i / 44_100.0));
        }

        AudioFileWriter.Write(Path.Combine(Music, name), pcm, 44_100, 2, AudioSampleFormat.Pcm16);
    }

    private static Dictionary<string, (string? ComputedAt, byte[]? Plan)> Rows(string db)
    {
        using var database = LibraryDatabase.Open(db);
        using var command = database.Command(
            "SELECT t.filepath, t.fingerprint_computed_at, p.data FROM tracks t LEFT JOIN track_plan_data p ON p.track_id = t.id");
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<string, (string?, byte[]?)>(StringComparer.Ordinal);
        while (reader.Read())
        {
            rows[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2));
        }

        return rows;
    }

    [Fact]
    public void A_rescan_measures_missing_plan_data_without_refingerprinting_and_stores_what_a_fresh_scan_stores()
    {
        AddTone("a.wav", 220, 20);
        AddTone("b.wav", 660, 12);
        var old = _temp.File("old.db");
        Assert.Equal(0, CliRunner.Run("scan", Music, "--db", old).ExitCode);

        // What the release before plan data left: fingerprints, no plan rows, sidecars without a plan section.
        using (var database = LibraryDatabase.Open(old))
        {
            using var delete = database.Command("DELETE FROM track_plan_data");
            Assert.Equal(2, delete.ExecuteNonQuery());
            var fingerprints = new FingerprintRepository(database);
            foreach (var track in new TrackRepository(database).List(10))
            {
                new SidecarStore().Write(track.FilePath, AudioFileSignature.Of(track.FilePath), fingerprints.Get(track.Id)!.Fingerprint);
            }
        }

        var before = Rows(old);
        var rescan = CliRunner.Run("scan", Music, "--db", old, "--json");
        Assert.True(rescan.ExitCode == 0, rescan.Error);
        var planEvent = rescan.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single(l => l.Contains("\"event\":\"plan_data\"", StringComparison.Ordinal));
        using (var e = JsonDocument.Parse(planEvent))
        {
            Assert.Equal((2, 2), (e.RootElement.GetProperty("measured").GetInt32(), e.RootElement.GetProperty("total").GetInt32()));
        }

        var after = Rows(old);
        Assert.All(after, row => Assert.Equal(before[row.Key].ComputedAt, row.Value.ComputedAt)); // not fingerprinted again

        // The same bytes a scan of a fresh library stores for these files.
        var fresh = _temp.File("fresh.db");
        Assert.Equal(0, CliRunner.Run("scan", Music, "--db", fresh, "--no-sidecars").ExitCode);
        var reference = Rows(fresh);
        Assert.All(after, row => Assert.Equal(reference[row.Key].Plan, row.Value.Plan));

        // The sidecars carry it again, and a further scan has nothing to measure.
        foreach (var path in after.Keys)
        {
            Assert.NotNull(new SidecarStore().TryReadContents(path, AudioFileSignature.Of(path), out _)?.Plan);
        }

        var again = CliRunner.Run("scan", Music, "--db", old, "--json");
        Assert.DoesNotContain("plan_data", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scan_without_plan_data_stores_none_and_the_next_full_scan_measures_it()
    {
        AddTone("a.wav", 330, 15);
        var db = _temp.File("quick.db");
        var quick = CliRunner.Run("scan", Music, "--db", db, "--no-plan-data", "--no-sidecars", "--json");
        Assert.True(quick.ExitCode == 0, quick.Error);
        Assert.All(Rows(db), row => Assert.Null(row.Value.Plan));
        Assert.All(Rows(db), row => Assert.NotNull(row.Value.ComputedAt)); // fingerprinted all the same

        var full = CliRunner.Run("scan", Music, "--db", db, "--no-sidecars", "--json");
        Assert.Contains("\"event\":\"plan_data\",\"measured\":1,\"total\":1", full.Out, StringComparison.Ordinal);
        Assert.All(Rows(db), row => Assert.NotNull(row.Value.Plan));
    }
}
