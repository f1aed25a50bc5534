using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Cli.Tests;

/// <summary>`auralis list` and `auralis duplicates`: titles where people read, ids for scripts, and the JSON contracts.</summary>
public sealed class LibraryListingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private string Db => _temp.File("library.db");

    /// <summary>A tone with a little noise (a fingerprint with some texture), tagged when a title is given.</summary>
    private string AddTrack(string name, double hz, double seconds = 3, string? title = null, string? artist = null, string? album = null)
    {
        Directory.CreateDirectory(Music);
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        var noise = new Random((int)hz);
        for (var i = 0; i < frames; i++)
        {
            var tone = 0.2 * Math.Sin(2 * Math.PI * hz * i / 44_100.0) * (0.6 + (0.4 * Math.Sin(2 * Math.PI * 2 * i / 44_100.0)));
            pcm[2 * i] = (float)(tone + (0.01 * (noise.NextDouble() - 0.5)));
            pcm[(2 * i) + 1] = (float)(tone * 0.8);
        }

        var path = Path.Combine(Music, name);
        AudioFileWriter.Write(path, pcm, 44_100, 2, AudioSampleFormat.Pcm16, title is null ? null : new AudioTags(title, artist, album));
        return path;
    }

    private static JsonElement[] JsonArray(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.Error);
        using var document = JsonDocument.Parse(result.Out);
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    [Fact]
    public void List_shows_titles_artists_and_durations_and_its_json_gives_ids_for_similar()
    {
        AddTrack("01_zebra.wav", 220, title: "Zebra Crossing", artist: "Ann", album: "Streets");
        AddTrack("02_alpha.wav", 330, title: "Alpha Waves", artist: "Böb", album: "Brainwork");
        AddTrack("untagged_piece.wav", 440);
        File.WriteAllBytes(Path.Combine(Music, "junk.mp3"), Enumerable.Repeat((byte)7, 3000).ToArray());
        Assert.Equal(3, CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars").ExitCode);

        var table = CliRunner.Run("list", "--db", Db);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Zebra Crossing", table.Out, StringComparison.Ordinal);
        Assert.Contains("untagged_piece", table.Out, StringComparison.Ordinal); // the file name where there is no title
        Assert.Contains("0:03", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(Music, table.Out, StringComparison.Ordinal); // names, not paths

        var all = JsonArray(CliRunner.Run("list", "--db", Db, "--json"));
        Assert.Equal(4, all.Length);
        Assert.Equal(["id", "path", "name", "title", "artist", "album", "duration_s", "format", "status", "lufs", "error"], all[0].EnumerateObject().Select(p => p.Name));
        var zebra = Assert.Single(all, t => t.GetProperty("title").GetString() == "Zebra Crossing");
        Assert.Equal(("Ann", "Streets", 3.0), (zebra.GetProperty("artist").GetString(), zebra.GetProperty("album").GetString(), zebra.GetProperty("duration_s").GetDouble()));
        Assert.Equal("complete", zebra.GetProperty("status").GetString());
        var junk = Assert.Single(all, t => t.GetProperty("status").GetString() == "error");
        Assert.Contains("junk.mp3", junk.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Filters narrow (case and accents ignored), --sort orders, and the id is what `similar` takes.
        var bob = Assert.Single(JsonArray(CliRunner.Run("list", "--db", Db, "--json", "--artist", "BOB")));
        Assert.Equal("Alpha Waves", bob.GetProperty("name").GetString());
        var tagged = JsonArray(CliRunner.Run("list", "--db", Db, "--json", "--search", "a", "--sort", "title", "--status", "complete"))
            .Select(t => t.GetProperty("title").GetString()).OfType<string>().ToList();
        Assert.Equal(["Alpha Waves", "Zebra Crossing"], tagged);
        var newest = Assert.Single(JsonArray(CliRunner.Run("list", "--db", Db, "--json", "--sort", "added", "--desc", "--limit", "1")));
        Assert.Equal(all.Max(t => t.GetProperty("id").GetInt64()), newest.GetProperty("id").GetInt64());
        var similar = CliRunner.Run("similar", bob.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), "--db", Db);
        Assert.Equal(0, similar.ExitCode);
        Assert.Contains("Most like Alpha Waves - Böb", similar.Out, StringComparison.Ordinal);
        Assert.Contains("Zebra Crossing - Ann", similar.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("list")]
    [InlineData("duplicates")]
    [InlineData("similar", "1")]
    public void Read_only_commands_refuse_a_missing_database_and_never_create_it(params string[] command)
    {
        var typo = _temp.File("typo.db");
        var result = CliRunner.Run([.. command, "--db", typo]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(typo, result.Error, StringComparison.Ordinal);
        Assert.Contains("auralis scan", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(typo));
    }

    [Fact]
    public void Duplicates_groups_copies_and_lossless_reencodes_as_identical_audio_and_leaves_other_music_out()
    {
        var original = AddTrack("song.wav", 220, title: "Song", artist: "Ann");
        File.Copy(original, Path.Combine(Music, "song (copy).wav"));
        // FLAC is lossless: the same samples as the 16-bit WAV, so the same fingerprint.
        AudioFileWriter.Write(Path.Combine(Music, "song.flac"), ReadAll(original), 44_100, 2, AudioSampleFormat.Pcm16);
        AddTrack("other.wav", 523, title: "Other", artist: "Bob");
        AddTrack("third.wav", 97, title: "Third", artist: "Cy");
        Assert.Equal(0, CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars").ExitCode);

        var groups = JsonArray(CliRunner.Run("duplicates", "--db", Db, "--json", "--threshold", "0"));
        var group = Assert.Single(groups);
        Assert.Equal(["kind", "max_distance", "tracks"], group.EnumerateObject().Select(p => p.Name));
        Assert.Equal("identical_audio", group.GetProperty("kind").GetString());
        Assert.Equal(
            ["song (copy).wav", "song.flac", "song.wav"],
            group.GetProperty("tracks").EnumerateArray().Select(t => Path.GetFileName(t.GetProperty("path").GetString()!)).Order(StringComparer.Ordinal));
        Assert.All(group.GetProperty("tracks").EnumerateArray(), t => Assert.True(t.GetProperty("size_bytes").GetInt64() > 0));

        var table = CliRunner.Run("duplicates", "--db", Db);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Identical audio", table.Out, StringComparison.Ordinal);
        Assert.Contains("Song - Ann", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Other", table.Out, StringComparison.Ordinal);
    }

    private static float[] ReadAll(string path)
    {
        using var reader = AudioDecoder.Open(path);
        var all = new List<float>();
        var buffer = new float[8192];
        int read;
        while ((read = reader.Read(buffer)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, read * reader.Info.Channels));
        }

        return [.. all];
    }
}
