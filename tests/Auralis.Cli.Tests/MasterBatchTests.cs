using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Cli.Tests;

/// <summary>
/// `auralis master DIR OUTDIR`: the folder tree is mirrored in the chosen format, the inputs'
/// tags and pictures (not their loudness tags) are in the outputs as an independent reader
/// (ffprobe) sees them, a bad file is listed while the others are mastered (exit 3), finished
/// outputs are skipped on a second run unless --force, and nothing is written beside the inputs.
/// </summary>
public sealed class MasterBatchTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string In => Path.Combine(_temp.Path, "in");

    private string Out => Path.Combine(_temp.Path, "out");

    private Dictionary<string, string> Environment() => new()
    {
        ["AURALIS_DB"] = _temp.File("no-library.db"),
        ["XDG_CACHE_HOME"] = _temp.File("cache"),
        ["XDG_CONFIG_HOME"] = _temp.File("config"),
    };

    /// <summary>in/Album/01 one.flac (tagged, with ReplayGain tags and a cover), in/Album/02 two.mp3 (tagged), in/Loose/broken.ogg (junk).</summary>
    private void MakeLibrary()
    {
        Directory.CreateDirectory(Path.Combine(In, "Album"));
        Directory.CreateDirectory(Path.Combine(In, "Loose"));
        var one = TagTestFiles.Wav(_temp.File("one.wav"), 6, 0.1);
        var two = TagTestFiles.Wav(_temp.File("two.wav"), 5, 0.3, hz: 330);
        var flac = TagTestFiles.Encode(one, Path.Combine(In, "Album", "01 one.flac"),
            "-metadata", "title=First Light", "-metadata", "artist=The Testers", "-metadata", "album=Batch Album",
            "-metadata", "album_artist=Various", "-metadata", "track=1", "-metadata", "date=1999", "-metadata", "genre=Ambient",
            "-metadata", "REPLAYGAIN_TRACK_GAIN=-3.00 dB", "-metadata", "REPLAYGAIN_TRACK_PEAK=0.500000");
        TagTestFiles.Encode(two, Path.Combine(In, "Album", "02 two.mp3"),
            "-metadata", "title=Second Wind", "-metadata", "artist=The Testers", "-metadata", "album=Batch Album", "-metadata", "track=2");
        using (var file = TagLib.File.Create(flac))
        {
            file.Tag.Pictures = [new TagLib.Picture(new TagLib.ByteVector(Png())) { Type = TagLib.PictureType.FrontCover, MimeType = "image/png" }];
            file.Save();
        }

        File.WriteAllBytes(Path.Combine(In, "Loose", "broken.ogg"), [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 31))]);
    }

    [FfmpegTagFact]
    public void A_folder_is_mirrored_with_its_tags_and_a_bad_file_is_listed_while_the_rest_is_mastered()
    {
        MakeLibrary();
        var inputsBefore = Directory.EnumerateFiles(In, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        var result = CliRunner.RunProcess(Environment(), "master", In, Out, "--format", "mp3", "--jobs", "2");

        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}: {result.Out}{result.Error}");
        Assert.Contains(Path.Combine(In, "Loose", "broken.ogg"), result.Out, StringComparison.Ordinal);
        Assert.Contains("Mastered 2 of 3 files", result.Out, StringComparison.Ordinal);
        Assert.Equal(
            [Path.Combine(Out, "Album", "01 one.mp3"), Path.Combine(Out, "Album", "02 two.mp3")],
            Directory.EnumerateFiles(Out, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        Assert.Equal(inputsBefore, Directory.EnumerateFiles(In, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)); // no sidecar, no partial file

        var first = TagTestFiles.ProbeTags(Path.Combine(Out, "Album", "01 one.mp3"));
        Assert.Equal("First Light", first["TITLE"]);
        Assert.Equal("The Testers", first["ARTIST"]);
        Assert.Equal("Batch Album", first["ALBUM"]);
        Assert.Equal("Various", first["ALBUM_ARTIST"]);
        Assert.Equal("1", first["TRACK"].TrimStart('0'));
        Assert.Equal("1999", first["DATE"]);
        Assert.Equal("Ambient", first["GENRE"]);
        Assert.DoesNotContain(first.Keys, k => k.Contains("REPLAYGAIN", StringComparison.Ordinal)); // the source's loudness is not the master's
        Assert.Equal("Second Wind", TagTestFiles.ProbeTags(Path.Combine(Out, "Album", "02 two.mp3"))["TITLE"]);
        using var mastered = TagLib.File.Create(Path.Combine(Out, "Album", "01 one.mp3"));
        var cover = Assert.Single(mastered.Tag.Pictures);
        Assert.Equal(Png(), cover.Data.Data);
        Assert.Equal(TagLib.PictureType.FrontCover, cover.Type);
    }

    [FfmpegTagFact]
    public void A_second_run_skips_finished_outputs_and_force_masters_them_again()
    {
        MakeLibrary();
        File.Delete(Path.Combine(In, "Loose", "broken.ogg"));
        var first = CliRunner.RunProcess(Environment(), "master", In, Out, "--json");
        Assert.True(first.ExitCode == 0, first.Error);
        var output = Path.Combine(Out, "Album", "01 one.flac");
        var written = File.GetLastWriteTimeUtc(output);

        var again = CliRunner.RunProcess(Environment(), "master", In, Out, "--json");
        Assert.True(again.ExitCode == 0, again.Error);
        var events = again.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, events.Count(e => e.TryGetProperty("event", out var k) && k.GetString() == "skipped"));
        var summary = events[^1];
        Assert.Equal(2, summary.GetProperty("total").GetInt32());
        Assert.Equal(0, summary.GetProperty("mastered").GetInt32());
        Assert.Equal(2, summary.GetProperty("skipped").GetInt32());
        Assert.Equal(0, summary.GetProperty("failed").GetInt32());
        Assert.Equal(written, File.GetLastWriteTimeUtc(output));

        var forced = CliRunner.RunProcess(Environment(), "master", In, Out, "--json", "--force");
        Assert.True(forced.ExitCode == 0, forced.Error);
        var mastered = forced.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("event", out var k) && k.GetString() == "mastered").ToList();
        Assert.Equal(2, mastered.Count);
        Assert.All(mastered, e => Assert.InRange(e.GetProperty("lufs").GetDouble(), -14.5, -13.5)); // both reach the adaptive preset's target
        Assert.Contains(mastered, e => e.GetProperty("output").GetString() == output);
    }

    [Fact]
    public void Two_inputs_that_would_share_an_output_are_not_both_written()
    {
        Directory.CreateDirectory(In);
        TagTestFiles.Wav(Path.Combine(In, "song.wav"), 4, 0.2);
        TagTestFiles.Wav(Path.Combine(In, "song.aiff"), 4, 0.2, hz: 220);

        var result = CliRunner.RunProcess(Environment(), "master", In, Out, "--engine", "managed");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("song.wav", result.Out, StringComparison.Ordinal);
        Assert.Contains("already mastered to " + Path.Combine(Out, "song.flac"), result.Out, StringComparison.Ordinal);
        Assert.Single(Directory.EnumerateFiles(Out));
    }

    [Fact]
    public void An_output_folder_inside_the_input_folder_is_refused()
    {
        Directory.CreateDirectory(In);
        TagTestFiles.Wav(Path.Combine(In, "song.wav"), 2, 0.2);
        var result = CliRunner.RunProcess(Environment(), "master", In, Path.Combine(In, "mastered"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("inside", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(In, "mastered")));
    }

    [Fact]
    public void A_database_named_by_db_that_does_not_exist_is_a_usage_error_and_is_not_created()
    {
        Directory.CreateDirectory(In);
        TagTestFiles.Wav(Path.Combine(In, "song.wav"), 2, 0.2);
        var missing = _temp.File("typo.db");
        var result = CliRunner.RunProcess(Environment(), "master", In, Out, "--db", missing);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(missing, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(missing));
    }

    /// <summary>A 1x1 PNG (a valid image, so every tag reader keeps it).</summary>
    private static byte[] Png() => Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");
}
