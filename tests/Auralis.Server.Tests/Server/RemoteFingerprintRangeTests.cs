using Auralis.Fingerprinting;
using Auralis.Library.Provider;
using Auralis.Server.Fingerprints;
using Grpc.Core;
using Auralis.Server.Protocol;
using Auralis.Server.Tests.Grpc;

namespace Auralis.Server.Tests.Server;

/// <summary>A fingerprint server that answers with values no audio has is an error naming it and the dimension, and the provider computes locally.</summary>
public sealed class RemoteFingerprintRangeTests
{
    /// <summary>A real gRPC server whose FingerprintFile answers the fingerprint of <paramref name="audio"/> with one dimension replaced.</summary>
    private static Task<TestGrpcServer> StartServerAnsweringAsync(string audio, int dimension, float value)
    {
        var real = FileFingerprinter.Compute(audio, FingerprintEngines.Managed).Fingerprint;
        return TestGrpcServer.StartAsync(new Answering(real, dimension, value));
    }

    private sealed class Answering(Fingerprinting.Fingerprint real, int dimension, float value) : FingerprintService.FingerprintServiceBase
    {
        public override Task<FingerprintReply> FingerprintFile(FingerprintFileRequest request, ServerCallContext context)
        {
            var message = new Auralis.Server.Protocol.Fingerprint { FingerprintVersion = Fingerprinting.Fingerprint.FingerprintVersion };
            message.Values.AddRange(real.Values.ToArray());
            message.Values[dimension] = value;
            return Task.FromResult(new FingerprintReply { Fingerprint = message, Source = "computed" });
        }
    }

    [Theory]
    [InlineData("bass_pct", 3.4e38f)]
    [InlineData("lufs", 500f)]
    [InlineData("tempo_bpm", 30f)]
    [InlineData("phase_correlation", -1.5f)]
    [InlineData("spectral_flatness", -0.1f)]
    public async Task An_out_of_range_answer_is_an_error_naming_the_server_and_dimension_and_the_provider_computes_locally(string dimension, float value)
    {
        using var music = new TempDirectory();
        var path = WriteTone(music.File("tone.wav"));
        await using var server = await StartServerAnsweringAsync(path, FingerprintDimensions.IndexOf(dimension), value);

        using var remote = new RemoteFingerprinter(server.Address);
        var refused = await Assert.ThrowsAsync<FormatException>(() => remote.FingerprintFileAsync(path, CancellationToken.None));
        Assert.Contains(dimension, refused.Message, StringComparison.Ordinal);

        var provided = await new FingerprintProvider(new FingerprintProviderOptions { Server = remote, Engine = FingerprintEngines.Managed }).GetAsync(path);
        Assert.Equal(FingerprintSource.Computed, provided.Source);
        Assert.Equal(FileFingerprinter.Compute(path, FingerprintEngines.Managed).Fingerprint, provided.Fingerprint);
        var said = Assert.Single(provided.Trail, t => t.StartsWith("server ", StringComparison.Ordinal));
        Assert.Contains(remote.Address, said, StringComparison.Ordinal);
        Assert.Contains(dimension, said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_at_the_edge_of_a_range_is_accepted()
    {
        using var music = new TempDirectory();
        var path = WriteTone(music.File("tone.wav"));
        await using var server = await StartServerAnsweringAsync(path, FingerprintDimensions.IndexOf("bass_pct"), 100f);
        using var remote = new RemoteFingerprinter(server.Address);
        var provided = await new FingerprintProvider(new FingerprintProviderOptions { Server = remote, Engine = FingerprintEngines.Managed }).GetAsync(path);
        Assert.Equal(FingerprintSource.Server, provided.Source);
        Assert.Equal(100f, provided.Fingerprint["bass_pct"]);
    }

    private static string WriteTone(string path)
    {
        var pcm = new float[44_100 * 2];
        for (var i = 0; i < 44_100; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / 44_100.0));
        }

        Audio.AudioFileWriter.Write(path, pcm, 44_100, 2, Audio.AudioSampleFormat.Pcm16);
        return path;
    }
}
