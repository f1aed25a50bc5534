using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>Title, artist and album survive a write/read cycle where the container has tags.</summary>
public class TagTests : IDisposable
{
    private const int Rate = 44100;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("tagged.flac")]
    [InlineData("tagged.ogg")]
    [InlineData("tagged.opus")]
    [InlineData("tagged.wav")]
    public void Tags_written_with_the_audio_are_read_back(string name)
    {
        int rate = name.EndsWith(".opus", StringComparison.Ordinal) ? 48000 : Rate;
        string path = _dir.File(name);
        var tags = new AudioTags("Ágætis byrjun – Intro", "Sigur Rós", "Ágætis byrjun");
        AudioFileWriter.Write(path, Signals.Sine(440, rate, 2, rate / 2), rate, 2, tags: tags);

        using IAudioReader reader = AudioDecoder.Open(path);
        Assert.Equal(tags, new AudioTags(reader.Info.Title, reader.Info.Artist, reader.Info.Album));
    }

    [Fact]
    public void Missing_tags_are_null_not_empty_strings()
    {
        string path = _dir.File("partial.flac");
        AudioFileWriter.Write(path, Signals.Sine(440, Rate, 1, 1000), Rate, 1, tags: new AudioTags("Only a title", null, ""));

        using IAudioReader reader = AudioDecoder.Open(path);
        Assert.Equal(("Only a title", (string?)null, (string?)null), (reader.Info.Title, reader.Info.Artist, reader.Info.Album));
    }

    [FfmpegFact("libmp3lame")]
    public void Id3_tags_of_an_mp3_are_read_by_libsndfile()
    {
        string path = ExternalTools.MakeSine(_dir.File("tagged.mp3"), 1, Rate, 2, "-c:a", "libmp3lame",
            "-metadata", "title=Song", "-metadata", "artist=Band", "-metadata", "album=Record");

        using IAudioReader reader = AudioDecoder.Open(path);
        Assert.Equal(("libsndfile", "Song", "Band", "Record"),
            (reader.Info.Decoder, reader.Info.Title, reader.Info.Artist, reader.Info.Album));
    }
}
