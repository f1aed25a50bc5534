using System.Diagnostics;
using System.Text.Json;
using Auralis.Fingerprinting;
using Auralis.Server.Grpc;
using Grpc.Core;
using Auralis.Server.Protocol;
using Auralis.Server.Tests.Grpc;

namespace Auralis.Server.Tests.Server;

/// <summary>
/// What FingerprintAudio and FingerprintFile of the real server decode: uploaded bytes only ever
/// as one audio file (never a playlist or concat list that makes ffmpeg read other files on the
/// server), and only regular files (a FIFO answers an error at once instead of hanging a worker).
/// </summary>
public sealed class FingerprintInputTests
{
    private static string HostPort(ServerFixture server) => $"{server.Address.Host}:{server.Address.Port}";

    private static string Upload(ServerFixture server, string text, string fileName)
    {
        var path = Path.Combine(server.Outside, $"request-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { audio = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text)), file_name = fileName }));
        return path;
    }

    [NodeFact]
    public async Task Uploaded_playlists_and_concat_lists_naming_a_file_outside_the_roots_are_refused_and_never_fingerprint_it()
    {
        await using var server = await ServerFixture.StartAsync();
        var secret = server.AddTrack("secret.wav", 3, server.Outside, seconds: 3);
        var secretValues = FileFingerprinter.Compute(secret, FingerprintEngines.Managed).Fingerprint.Values.ToArray();
        var hlsUrl = $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3,\nfile://{secret}\n#EXT-X-ENDLIST\n";
        var hlsPath = $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3,\n{secret}\n#EXT-X-ENDLIST\n";
        var ffconcat = $"ffconcat version 1.0\nfile '{secret}'\n";
        (string Text, string Name)[] uploads =
        [
            (hlsUrl, "x.m3u8"), (hlsUrl, "x.bin"), (hlsUrl, "x.ogg"), (hlsPath, "x.m3u8"), (hlsPath, "song.flac"),
            (ffconcat, "list.ffconcat"), (ffconcat, "list.ogg"), (ffconcat, $"concat:{secret}|{secret}"), (hlsUrl, $"subfile,,start,0,end,0,,:{secret}"),
        ];
        foreach (var (text, name) in uploads)
        {
            var reply = await NodeInterop.CallAsync(HostPort(server), "FingerprintAudio", null, "--request-file", Upload(server, text, name));
            Assert.True(reply.Code == (int)StatusCode.InvalidArgument,
                $"upload {name} answered {reply.Code} {reply.Details} {reply.Response}");
            Assert.Contains("cannot fingerprint the uploaded audio", reply.Details, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, reply.Details, StringComparison.Ordinal);
            Assert.Null(reply.Response);
        }

        // A real upload still works (the confinement refuses containers, not audio).
        var wav = await NodeInterop.CallAsync(HostPort(server), "FingerprintAudio", null, "--request-file",
            UploadBytes(server, await File.ReadAllBytesAsync(secret), "fine.wav"));
        Assert.Equal(0, wav.Code);
        Assert.Equal(secretValues, wav.Response!.Value.GetProperty("fingerprint").GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray());
    }

    [NodeFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task FingerprintFile_on_a_fifo_answers_an_error_promptly_and_fingerprinting_still_works_after()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1);
        var fifo = Path.Combine(server.Music, "x.flac");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var clock = Stopwatch.StartNew();
        var reply = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", JsonSerializer.Serialize(new { path = fifo }), "--deadline-ms", "20000");
        var elapsed = clock.Elapsed;
        Console.WriteLine($"FingerprintFile on a FIFO answered {reply.Code} in {elapsed.TotalMilliseconds:0} ms: {reply.Details}");
        Assert.NotEqual(0, reply.Code);
        Assert.NotEqual((int)StatusCode.DeadlineExceeded, reply.Code);
        Assert.Contains("not a regular file", reply.Details, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"answered after {elapsed.TotalSeconds:0.0} s");

        for (var i = 0; i < 3; i++)
        {
            var ok = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", JsonSerializer.Serialize(new { path = Path.Combine(server.Music, "track00.wav") }));
            Assert.Equal(0, ok.Code);
        }
    }

    private static string UploadBytes(ServerFixture server, byte[] bytes, string fileName)
    {
        var path = Path.Combine(server.Outside, $"request-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { audio = Convert.ToBase64String(bytes), file_name = fileName }));
        return path;
    }
}
