using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Auralis.Cli.Tests;

/// <summary>
/// `auralis tag` agrees with Debian's loudgain (libebur128) on real music (docs/tags.md,
/// "Agreement with loudgain"): the Debian packages' MP3s and Ogg Vorbis tracks, and FLAC and Opus
/// transcodes, one album per folder as loudgain -a takes them.
/// </summary>
public sealed class LoudgainAgreementTests(ITestOutputHelper output) : IDisposable
{
    private const string Loudgain = "/usr/bin/loudgain";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [LoudgainFact]
    public void Track_and_album_gains_agree_with_loudgain_within_0_1_dB_and_true_peaks_are_not_below_it()
    {
        var albums = Albums();
        var db = _temp.File("library.db");
        Auralis.Library.Database.LibraryDatabase.Open(db).Dispose();
        var run = CliRunner.Run(["tag", .. albums.Keys, "--album", "--dry-run", "--json", "--db", db]);
        Assert.True(run.ExitCode == 0, run.Error);
        var ours = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .Where(e => e.GetProperty("event").GetString() == "would-tag")
            .ToDictionary(e => Path.GetFileName(e.GetProperty("path").GetString()!));

        output.WriteLine("file\tauralis LUFS\tloudgain LUFS\tauralis album\tloudgain album\tauralis dBTP\tloudgain dBTP\tffmpeg dBTP");
        var worstGain = 0.0;
        var worstPeak = 0.0;
        foreach (var (folder, files) in albums)
        {
            var (tracks, album) = RunLoudgain(files);
            foreach (var (name, lufs, peak) in tracks)
            {
                var mine = ours[name];
                var ffmpegPeak = FfmpegEbur128.Measure(Path.Combine(folder, name)).TruePeak;
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name}\t{mine.GetProperty("track_lufs").GetDouble():0.00}\t{lufs:0.00}\t{mine.GetProperty("album_lufs").GetDouble():0.00}\t{album.Lufs:0.00}\t{mine.GetProperty("track_peak_dbtp").GetDouble():0.00}\t{peak:0.00}\t{ffmpegPeak:0.0}"));

                // Both references are -18 LUFS (-23 for Opus in both), so gains differ as loudnesses do.
                Assert.InRange(mine.GetProperty("track_lufs").GetDouble() - lufs, -0.1, 0.1);
                Assert.InRange(mine.GetProperty("album_lufs").GetDouble() - album.Lufs, -0.1, 0.1);
                worstGain = Math.Max(worstGain, Math.Max(Math.Abs(mine.GetProperty("track_lufs").GetDouble() - lufs), Math.Abs(mine.GetProperty("album_lufs").GetDouble() - album.Lufs)));

                // True peak: Auralis oversamples 8x, libebur128 1.2.6 4x (it can even read below the
                // sample peak), so Auralis reads at least what loudgain reads; ffmpeg's ebur128
                // (resampling to 192 kHz, one decimal) is the like-for-like reference.
                var ourPeak = mine.GetProperty("track_peak_dbtp").GetDouble();
                Assert.True(ourPeak >= peak - 0.1, $"{name}: true peak {ourPeak:0.00} dBTP below loudgain's {peak:0.00}");
                Assert.InRange(ourPeak - ffmpegPeak, -0.15, 0.15);
                worstPeak = Math.Max(worstPeak, Math.Abs(ourPeak - peak));
                Assert.Equal(Math.Round(files.Max(f => ours[Path.GetFileName(f)].GetProperty("track_peak_dbtp").GetDouble()), 2), mine.GetProperty("album_peak_dbtp").GetDouble(), 2);
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"largest loudness difference {worstGain:0.000} LU; largest true-peak difference from loudgain {worstPeak:0.00} dB"));
    }

    /// <summary>Folder to files: the real music by package, and FLAC and Opus transcodes of 60 s of two MP3s.</summary>
    private Dictionary<string, List<string>> Albums()
    {
        var albums = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string> Folder(string name)
        {
            var path = _temp.File(name);
            Directory.CreateDirectory(path);
            return albums[path] = [];
        }

        var mp3 = Folder("asc");
        foreach (var file in Directory.GetFiles(RealMusic.AscMusic, "*.mp3").Order(StringComparer.Ordinal))
        {
            mp3.Add(Copy(file, _temp.File("asc")));
        }

        var ogg = Folder("frozen-bubble");
        foreach (var file in Directory.GetFiles(RealMusic.FrozenBubble, "frozen-mainzik-*.ogg").Order(StringComparer.Ordinal))
        {
            ogg.Add(Copy(file, _temp.File("frozen-bubble")));
        }

        foreach (var (folder, extension, codec) in new[] { ("flac", ".flac", new[] { "-c:a", "flac" }), ("opus", ".opus", new[] { "-c:a", "libopus", "-b:a", "128k" }) })
        {
            var list = Folder(folder);
            foreach (var source in mp3.Take(2))
            {
                var target = Path.Combine(_temp.File(folder), Path.GetFileNameWithoutExtension(source) + extension);
                TagTestFiles.Run("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", source, "-t", "60", .. codec, target]);
                list.Add(target);
            }
        }

        return albums;
    }

    private static string Copy(string file, string folder)
    {
        var target = Path.Combine(folder, Path.GetFileName(file));
        File.Copy(file, target);
        return target;
    }

    /// <summary>loudgain -a -s s -O (album mode, no tags written, tab-separated output): per track loudness and true peak, and the album's.</summary>
    private static (List<(string Name, double Lufs, double PeakDbtp)> Tracks, (double Lufs, double PeakDbtp) Album) RunLoudgain(List<string> files)
    {
        var text = TagTestFiles.Run(Loudgain, ["-q", "-a", "-s", "s", "-O", .. files]);
        var tracks = new List<(string, double, double)>();
        (double, double) album = default;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            // File, Loudness, Range, True_Peak, True_Peak_dBTP, Reference, Will_clip, Clip_prevent, Gain, New_Peak, New_Peak_dBTP
            var cells = line.Split('\t');
            var lufs = double.Parse(cells[1].Split(' ')[0], CultureInfo.InvariantCulture);
            var peak = double.Parse(cells[4].Split(' ')[0], CultureInfo.InvariantCulture);
            if (cells[0] == "Album")
            {
                album = (lufs, peak);
            }
            else
            {
                tracks.Add((Path.GetFileName(cells[0]), lufs, peak));
            }
        }

        Assert.Equal(files.Count, tracks.Count);
        return (tracks, album);
    }
}

/// <summary>Needs Debian's loudgain and the real music packages; skipped with the reason shown otherwise.</summary>
public sealed class LoudgainFactAttribute : FactAttribute
{
    public LoudgainFactAttribute()
    {
        if (!File.Exists("/usr/bin/loudgain"))
        {
            Skip = "loudgain is not installed (Debian package loudgain; build.sh test installs it): no reference to agree with";
        }
        else if (!Directory.Exists(RealMusic.AscMusic) || !Directory.Exists(RealMusic.FrozenBubble))
        {
            Skip = "the real music packages (asc-music, frozen-bubble-data) are absent: build.sh test installs them";
        }
        else if (!TagTestFiles.FfmpegAvailable)
        {
            Skip = "ffmpeg is not on PATH: the FLAC and Opus transcodes cannot be made";
        }
    }
}
