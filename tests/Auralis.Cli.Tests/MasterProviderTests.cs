using Auralis.Audio;

namespace Auralis.Cli.Tests;

/// <summary>`auralis master` takes its fingerprint through the lookup order of docs/server.md.</summary>
public sealed class MasterProviderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Input()
    {
        var path = _temp.File("in.wav");
        var pcm = new float[44_100 * 3 * 2];
        for (var i = 0; i < pcm.Length / 2; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.2 * Math.Sin(2 * Math.PI * 330 * i / 44_100.0) * (1 + Math.Sin(i / 9000.0)) / 2);
        }

        AudioFileWriter.Write(path, pcm, 44_100, 2, AudioSampleFormat.Pcm16);
        return path;
    }

    private Dictionary<string, string> Environment(string? server = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["AURALIS_DB"] = _temp.File("no-library.db"),
            ["XDG_CACHE_HOME"] = _temp.File("cache"),
        };
        if (server is not null)
        {
            environment["AURALIS_SERVER"] = server;
        }

        return environment;
    }

    [Fact]
    public void A_loose_file_gets_no_sidecar_unless_asked_and_the_next_master_reads_the_one_it_asked_for()
    {
        var input = Input();
        var first = CliRunner.RunProcess(Environment(), "master", input, _temp.File("a.wav"));
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains("(fingerprint: computed)", first.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(input + ".25d"), "a file that is not in the library gets nothing written beside it");

        var asked = CliRunner.RunProcess(Environment(), "master", input, _temp.File("b.wav"), "--write-sidecar");
        Assert.True(asked.ExitCode == 0, asked.Error);
        Assert.Contains("(fingerprint: computed)", asked.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(input + ".25d"), "--write-sidecar stores the computed fingerprint beside the input");

        var second = CliRunner.RunProcess(Environment(), "master", input, _temp.File("c.wav"));
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("(fingerprint: sidecar)", second.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.File("no-library.db")), "master never creates a library database");
    }

    [Fact]
    public void A_configured_server_that_is_down_is_reported_and_the_fingerprint_computed_locally()
    {
        var result = CliRunner.RunProcess(Environment("127.0.0.1:9"), "master", Input(), _temp.File("out.flac"));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("(fingerprint: computed)", result.Out, StringComparison.Ordinal);
        Assert.Contains("auralis: note: server http://127.0.0.1:9", result.Error, StringComparison.Ordinal);
    }
}
