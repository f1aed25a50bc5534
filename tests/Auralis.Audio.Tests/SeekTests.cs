namespace Auralis.Audio.Tests;

/// <summary>IAudioReader.TrySeek: where libsndfile can seek, reading after a seek gives the samples a sequential read gives there.</summary>
public sealed class SeekTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("seek.wav")]
    [InlineData("seek.flac")]
    public void Reading_after_a_seek_matches_the_sequential_read_on_exact_formats(string name)
    {
        const int rate = 44_100;
        var pcm = new float[rate * 4 * 2];
        for (var i = 0; i < pcm.Length / 2; i++)
        {
            pcm[2 * i] = (float)(0.5 * Math.Sin(2 * Math.PI * 440 * i / rate));
            pcm[(2 * i) + 1] = (float)(0.25 * Math.Sin(2 * Math.PI * 97 * i / rate));
        }

        var path = _temp.File(name);
        AudioFileWriter.Write(path, pcm, rate, 2);
        var all = new float[pcm.Length];
        using (var sequential = AudioDecoder.Open(path))
        {
            var got = 0;
            int frames;
            while (got * 2 < all.Length && (frames = sequential.Read(all.AsSpan(got * 2))) > 0)
            {
                got += frames;
            }
        }

        using var reader = AudioDecoder.Open(path);
        foreach (var target in new long[] { 123_457, 7, 150_000 })
        {
            Assert.True(reader.TrySeek(target));
            Assert.Equal(target, reader.FramesRead);
            var block = new float[1000 * 2];
            Assert.Equal(1000, reader.Read(block));
            Assert.Equal(all.AsSpan((int)target * 2, 2000).ToArray(), block);
        }
    }
}
