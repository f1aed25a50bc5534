using System.Buffers.Binary;
using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Sidecars;
using Microsoft.Data.Sqlite;

namespace Auralis.Cli.Tests;

/// <summary>
/// Numbers no audio has (a sidecar with a valid CRC but bass_pct = 3.4e38, a tampered database
/// row) are never trusted: `auralis scan` recomputes them and `auralis similar` keeps working.
/// </summary>
public sealed class OutOfRangeCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private string Music => _temp.File("music");

    private string Db => _temp.File("library.db");

    private Dictionary<string, string> Environment => new() { ["XDG_CACHE_HOME"] = _temp.File("cache") };

    private string AddTone(string name, double hz)
    {
        Directory.CreateDirectory(Music);
        var frames = 44_100;
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.25 * Math.Sin(2 * Math.PI * hz * i / 44_100.0));
        }

        var path = Path.Combine(Music, name);
        AudioFileWriter.Write(path, pcm, 44_100, 2, AudioSampleFormat.Pcm16);
        return path;
    }

    /// <summary>A sidecar for the file as it is now, with one value replaced and the CRC made valid again.</summary>
    private static void WriteSidecarWith(string audio, int dimension, float value)
    {
        var signature = AudioFileSignature.Of(audio);
        var bytes = SidecarFormat.Encode(FileFingerprinter.Compute(audio, FingerprintEngines.Managed).Fingerprint, Fingerprint.FingerprintVersion, signature);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(SidecarFormat.ValuesOffset + (4 * dimension)), value);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(SidecarFormat.CrcOffset), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, SidecarFormat.CrcOffset)));
        File.WriteAllBytes(SidecarStore.BesidePath(audio), bytes);
    }

    private static float Stored(string db, string audio, string dimension)
    {
        using var database = LibraryDatabase.Open(db);
        var track = new TrackRepository(database).GetByPath(audio)!;
        Assert.Equal(FingerprintStatus.Complete, track.Status);
        return new FingerprintRepository(database).Get(track.Id)!.Fingerprint[dimension];
    }

    [Theory]
    [InlineData(3.4e38f)]
    [InlineData(-3.4e38f)]
    [InlineData(float.NaN)]
    [InlineData(-1f)]
    [InlineData(100.5f)]
    public void A_sidecar_with_a_valid_crc_but_an_impossible_bass_pct_is_recomputed_and_the_scan_succeeds(float bassPct)
    {
        var a = AddTone("a.wav", 330);
        AddTone("b.wav", 550);
        WriteSidecarWith(a, FingerprintDimensions.IndexOf("bass_pct"), bassPct);

        var scan = CliRunner.RunProcess(Environment, "scan", Music, "--db", Db, "--engine", "managed");
        Assert.True(scan.ExitCode is 0 or 3, $"exit {scan.ExitCode}: {scan.Error}");
        var computed = FileFingerprinter.Compute(a, FingerprintEngines.Managed).Fingerprint["bass_pct"];
        Assert.Equal(computed, Stored(Db, a, "bass_pct"));

        // The bad sidecar was replaced by the recomputed one.
        Assert.True(SidecarFormat.TryDecodeFile(File.ReadAllBytes(SidecarStore.BesidePath(a)), Fingerprint.FingerprintVersion, AudioFileSignature.Of(a), out var rewritten, out _, out var reason, out _), reason);
        Assert.Equal(computed, rewritten["bass_pct"]);

        var similar = CliRunner.RunProcess(Environment, "similar", a, "--db", Db);
        Assert.Equal(0, similar.ExitCode);
    }

    [Fact]
    public void A_sidecar_value_just_inside_its_range_is_trusted()
    {
        var a = AddTone("a.wav", 330);
        WriteSidecarWith(a, FingerprintDimensions.IndexOf("bass_pct"), 99.99f);

        var scan = CliRunner.RunProcess(Environment, "scan", Music, "--db", Db, "--engine", "managed");
        Assert.Equal(0, scan.ExitCode);
        Assert.Equal(99.99f, Stored(Db, a, "bass_pct"));
    }

    [Theory]
    [InlineData("bass_pct", "3.4e38")]
    [InlineData("lufs", "1e300")]
    [InlineData("tempo_bpm", "30")]
    [InlineData("phase_correlation", "'not a number'")]
    public void A_database_row_tampered_out_of_range_is_treated_as_missing_by_similar_and_recomputed_by_scan(string dimension, string value)
    {
        var a = AddTone("a.wav", 330);
        var b = AddTone("b.wav", 550);
        AddTone("c.wav", 770);
        Assert.Equal(0, CliRunner.RunProcess(Environment, "scan", Music, "--db", Db, "--engine", "managed", "--no-sidecars").ExitCode);
        var expected = Stored(Db, a, dimension);

        using (var connection = new SqliteConnection($"Data Source={Db};Pooling=False"))
        {
            connection.Open();
            using var tamper = connection.CreateCommand();
            tamper.CommandText = $"UPDATE track_fingerprints SET {dimension} = {value} WHERE track_id = (SELECT id FROM tracks WHERE filepath = $p)";
            tamper.Parameters.AddWithValue("$p", a);
            Assert.Equal(1, tamper.ExecuteNonQuery());
        }

        var similar = CliRunner.RunProcess(Environment, "similar", b, "--db", Db, "--json");
        Assert.True(similar.ExitCode == 0, $"exit {similar.ExitCode}: {similar.Error}");
        Assert.DoesNotContain("a.wav", similar.Out, StringComparison.Ordinal);

        var scan = CliRunner.RunProcess(Environment, "scan", Music, "--db", Db, "--engine", "managed", "--no-sidecars");
        Assert.True(scan.ExitCode == 0, $"exit {scan.ExitCode}: {scan.Error}");
        Assert.Equal(expected, Stored(Db, a, dimension));

        var again = CliRunner.RunProcess(Environment, "similar", b, "--db", Db, "--json");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("a.wav", again.Out, StringComparison.Ordinal);
    }
}
