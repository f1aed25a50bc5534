using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Cli.Tests;

/// <summary>`auralis playlist`: seeds first, no repeats, no copy of a track played, an M3U8 players read.</summary>
public sealed class PlaylistCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private string Db => _temp.File("library.db");

    private string AddTrack(string name, double hz, string title, string? album = "Tones")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Music, name))!);
        var frames = 44_100 * 3;
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = (float)(0.25 * Math.Sin(2 * Math.PI * hz * i / 44_100.0) * (0.7 + (0.3 * Math.Sin(2 * Math.PI * 1.5 * i / 44_100.0))));
            pcm[(2 * i) + 1] = pcm[2 * i] * 0.9f;
        }

        var path = Path.Combine(Music, name);
        AudioFileWriter.Write(path, pcm, 44_100, 2, AudioSampleFormat.Pcm16, new AudioTags(title, "Tester", album));
        return path;
    }

    [Fact]
    public void A_playlist_starts_at_its_seed_never_repeats_a_track_or_a_copy_and_writes_an_m3u8()
    {
        var seed = AddTrack("a.wav", 220, "A");
        File.Copy(seed, Path.Combine(Music, "a copy.wav"));
        for (var i = 0; i < 6; i++)
        {
            AddTrack($"t{i}.wav", 260 + (90 * i), $"T{i}");
        }

        Assert.Equal(0, CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars", "--no-plan-data").ExitCode);
        var m3u = _temp.File("mix.m3u8");
        var result = CliRunner.Run("playlist", seed, "-n", "20", "--db", Db, "--json", "--m3u", m3u);
        Assert.True(result.ExitCode == 0, result.Error);
        using var doc = JsonDocument.Parse(result.Out);
        var paths = doc.RootElement.EnumerateArray().Select(t => Path.GetFileName(t.GetProperty("path").GetString()!)).ToList();

        Assert.Equal("a.wav", paths[0]);
        Assert.DoesNotContain("a copy.wav", paths); // identical audio to the seed
        Assert.Equal(7, paths.Count); // every other track once, then the library is used up
        Assert.Equal(paths.Count, paths.Distinct().Count());

        var lines = File.ReadAllLines(m3u);
        Assert.Equal("#EXTM3U", lines[0]);
        Assert.Equal("#EXTINF:3,Tester - A", lines[1]);
        Assert.Equal(Path.Combine("music", "a.wav"), lines[2]); // relative to the playlist's folder
        Assert.Equal(1 + (2 * paths.Count), lines.Length);
    }

    [Fact]
    public void With_album_whole_albums_play_in_their_order_the_seeds_album_first_until_n_is_reached()
    {
        // Three untagged albums (one per folder); titles sort in playing order, file names do not.
        foreach (var (folder, baseHz) in new[] { ("low", 200.0), ("mid", 700.0), ("high", 2500.0) })
        {
            AddTrack(Path.Combine(folder, "z.wav"), baseHz, $"{folder} 1", album: null);
            AddTrack(Path.Combine(folder, "y.wav"), baseHz * 1.1, $"{folder} 2", album: null);
            AddTrack(Path.Combine(folder, "x.wav"), baseHz * 1.2, $"{folder} 3", album: null);
        }

        Assert.Equal(0, CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars", "--no-plan-data").ExitCode);
        var seed = Path.Combine(Music, "mid", "y.wav");
        var result = CliRunner.Run("playlist", seed, "--album", "-n", "4", "--db", Db, "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        using var doc = JsonDocument.Parse(result.Out);
        var titles = doc.RootElement.EnumerateArray().Select(t => t.GetProperty("title").GetString()!).ToList();

        // The seed's album from its first track, whole, then one more whole album (4 > 3 tracks).
        Assert.Equal(["mid 1", "mid 2", "mid 3"], titles.Take(3));
        Assert.Equal(6, titles.Count);
        var second = titles[3].Split(' ')[0];
        Assert.Equal([$"{second} 1", $"{second} 2", $"{second} 3"], titles.Skip(3));
    }

    [Fact]
    public void An_unknown_seed_is_a_usage_error_naming_it()
    {
        AddTrack("a.wav", 220, "A");
        Assert.Equal(0, CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars", "--no-plan-data").ExitCode);
        var result = CliRunner.Run("playlist", "4242", "--db", Db);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("4242", result.Error, StringComparison.Ordinal);
    }
}
