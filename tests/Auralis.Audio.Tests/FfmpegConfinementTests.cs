using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>
/// ffmpeg and ffprobe only ever decode the one file they are given: playlists and multi-file
/// formats that name other files (HLS, ffconcat) are refused with a clear error, so a decode can
/// never return audio from a file elsewhere on the machine (an upload naming /etc/... or a file
/// outside every library root).
/// </summary>
public sealed class FfmpegConfinementTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A real audio file in a folder of its own: the "outside" file the playlists point at.</summary>
    private string Secret()
    {
        Directory.CreateDirectory(_dir.File("outside"));
        string secret = _dir.File(Path.Combine("outside", "secret.ogg"));
        if (!File.Exists(secret))
        {
            ExternalTools.MakeSine(secret, 3, 44100, 1, "-c:a", "libvorbis");
        }

        return secret;
    }

    public static TheoryData<string, string> Playlists() => new()
    {
        { "x.m3u8", "hls-url" },
        { "x.bin", "hls-url" },
        { "x.ogg", "hls-url" },
        { "x.m3u8", "hls-path" },
        { "x.flac", "hls-path" },
        { "list.ffconcat", "ffconcat" },
        { "list.ogg", "ffconcat" },
    };

    [FfmpegTheory("libvorbis")]
    [MemberData(nameof(Playlists))]
    public void A_playlist_or_concat_list_naming_another_file_is_refused_and_that_file_is_never_decoded(string name, string kind)
    {
        string secret = Secret();
        string list = _dir.File(name);
        File.WriteAllText(list, kind switch
        {
            "hls-url" => $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3,\nfile://{secret}\n#EXT-X-ENDLIST\n",
            "hls-path" => $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3,\n{secret}\n#EXT-X-ENDLIST\n",
            _ => $"ffconcat version 1.0\nfile '{secret}'\n",
        });

        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(
            () => AudioDecoder.Decode(list, reader => Signals.ReadAll(reader, 65536)));
        Assert.StartsWith(list + ": ", ex.Message);
        Assert.Contains("not a single audio file", ex.Message);
        Assert.DoesNotContain(secret, ex.Message);
    }

    [FfmpegFact("libvorbis")]
    public void A_file_named_like_a_concat_or_subfile_url_is_read_as_itself_not_as_the_files_it_names()
    {
        string secret = Secret();
        foreach (string name in new[] { $"concat:{secret}|{secret}", $"subfile,,start,0,end,0,,:{secret}" })
        {
            // The name only works as a relative path inside the folder; it must not reach the secret.
            string path = _dir.File(name.Replace('/', '_'));
            File.WriteAllText(path, "not audio, only a name that looks like an ffmpeg protocol");
            AudioDecodeException ex = Assert.Throws<AudioDecodeException>(
                () => AudioDecoder.Decode(path, reader => Signals.ReadAll(reader, 65536)));
            Assert.StartsWith(path + ": ", ex.Message);
        }
    }

    [Fact]
    public void The_ffmpeg_and_ffprobe_commands_confine_the_input_to_the_file_protocol_and_single_file_demuxers()
    {
        string[] decode = Ffmpeg.FfmpegReader.Arguments("/music/a.m4a", 44100, 2);
        int input = Array.IndexOf(decode, "-i");
        Assert.Equal("file", decode[Array.IndexOf(decode, "-protocol_whitelist") + 1]);
        Assert.InRange(Array.IndexOf(decode, "-protocol_whitelist"), 0, input);
        string[] demuxers = decode[Array.IndexOf(decode, "-format_whitelist") + 1].Split(',');
        Assert.InRange(Array.IndexOf(decode, "-format_whitelist"), 0, input);
        Assert.Contains("mov", demuxers);
        Assert.Contains("ogg", demuxers);
        foreach (string multiFile in new[] { "hls", "concat", "dash", "image2", "image2pipe", "mpegts", "tee", "lavfi", "http" })
        {
            Assert.DoesNotContain(multiFile, demuxers);
        }
    }
}
