using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>
/// Real music from Debian packages (redistributable): decoders must cope with real encoders'
/// output, not only with our own fixtures. Skipped with the reason when a package is absent.
/// </summary>
public class RealMusicTests
{
    [RealMusicTheory("asc-music", "/usr/share/games/asc/music")]
    [InlineData("/usr/share/games/asc/music/frontiers.mp3")]
    [InlineData("/usr/share/games/asc/music/machine_wars.mp3")]
    [InlineData("/usr/share/games/asc/music/time_to_strike.mp3")]
    public void Real_mp3_decodes_completely_through_libsndfile(string path) =>
        AssertDecodesCompletely(path, "mp3");

    [RealMusicTheory("frozen-bubble-data", "/usr/share/games/frozen-bubble/snd")]
    [InlineData("/usr/share/games/frozen-bubble/snd/frozen-mainzik-1p.ogg")]
    [InlineData("/usr/share/games/frozen-bubble/snd/introzik.ogg")]
    public void Real_ogg_vorbis_decodes_completely_through_libsndfile(string path) =>
        AssertDecodesCompletely(path, "ogg-vorbis");

    private static void AssertDecodesCompletely(string path, string format)
    {
        using IAudioReader reader = AudioDecoder.Open(path);
        Assert.Equal(("libsndfile", format), (reader.Info.Decoder, reader.Info.Format));
        Assert.InRange(reader.Info.Channels, 1, 2);

        var block = new float[4096 * reader.Info.Channels];
        double sumSquares = 0;
        int frames;
        while ((frames = reader.Read(block)) > 0)
        {
            foreach (float s in block.AsSpan(0, frames * reader.Info.Channels))
            {
                sumSquares += s * (double)s;
            }
        }

        Assert.True(reader.FramesRead > 10 * reader.Info.SampleRate, $"only {reader.FramesRead} frames");
        Assert.True(sumSquares > 0, "decoded nothing but silence");
        // The header's length is an estimate for MP3; it must still be in the right region.
        Assert.NotNull(reader.Info.FramesHint);
        Assert.InRange(reader.FramesRead, reader.Info.FramesHint.Value * 0.95, reader.Info.FramesHint.Value * 1.05);
    }
}
