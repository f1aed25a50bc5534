using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>Block-wise reading: any buffer size yields the same samples, and the end is clean.</summary>
public class BlockReadingTests : IDisposable
{
    private const int Rate = 44100;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, int> FilesAndBlockSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "x.wav", "x.flac", "x.ogg", "x.opus" })
        {
            // Around SIMD widths and codec frame sizes, plus sizes far below and above them.
            foreach (int frames in new[] { 1, 3, 7, 63, 64, 65, 1000, 4097, 100_000 })
            {
                data.Add(name, frames);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FilesAndBlockSizes))]
    public void Reading_in_odd_block_sizes_gives_the_same_samples_as_one_big_read(string name, int blockFrames)
    {
        int rate = name.EndsWith(".opus", StringComparison.Ordinal) ? 48000 : Rate;
        string path = _dir.File(name);
        AudioFileWriter.Write(path, Signals.Sine(330, rate, 2, 20_000), rate, 2);

        float[] whole = Signals.ReadAll(path, blockFrames: 1 << 20);
        using IAudioReader reader = AudioDecoder.Open(path);
        float[] blocks = Signals.ReadAll(reader, blockFrames);

        Assert.Equal(whole, blocks);
        Assert.Equal(whole.Length / 2, reader.FramesRead);
    }

    [Theory]
    [InlineData("alloc.wav")]
    [InlineData("alloc.flac")]
    public void Reading_a_block_allocates_nothing_after_warm_up(string name)
    {
        string path = _dir.File(name);
        AudioFileWriter.Write(path, Signals.Sine(330, Rate, 2, Rate * 5), Rate, 2);
        using IAudioReader reader = AudioDecoder.Open(path);
        var block = new float[2 * 1024];
        reader.Read(block);

        long frames = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            frames += reader.Read(block);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100 * 1024, frames);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Read_fills_only_whole_frames_and_leaves_the_rest_of_the_span_untouched()
    {
        string path = _dir.File("stereo.wav");
        AudioFileWriter.Write(path, Signals.Sine(330, Rate, 2, 100), Rate, 2);
        using IAudioReader reader = AudioDecoder.Open(path);

        var buffer = new float[7]; // 3 frames and one spare sample
        buffer[6] = 42f;
        Assert.Equal(3, reader.Read(buffer));
        Assert.Equal(42f, buffer[6]);
    }

    [Fact]
    public void Read_after_the_end_keeps_returning_zero()
    {
        string path = _dir.File("short.wav");
        AudioFileWriter.Write(path, Signals.Sine(330, Rate, 1, 10), Rate, 1);
        using IAudioReader reader = AudioDecoder.Open(path);

        var buffer = new float[64];
        Assert.Equal(10, reader.Read(buffer));
        Assert.Equal(0, reader.Read(buffer));
        Assert.Equal(0, reader.Read(buffer));
        Assert.Equal(10, reader.FramesRead);
    }

    [Fact]
    public void A_buffer_smaller_than_one_frame_is_an_argument_error_not_a_false_end_of_stream()
    {
        string path = _dir.File("stereo.wav");
        AudioFileWriter.Write(path, Signals.Sine(330, Rate, 2, 100), Rate, 2);
        using IAudioReader reader = AudioDecoder.Open(path);

        Assert.Throws<ArgumentException>(() => reader.Read(new float[1]));
    }

    [Fact]
    public void A_file_with_a_header_and_no_frames_opens_and_reads_zero_frames()
    {
        string path = _dir.File("silent.wav");
        AudioFileWriter.Write(path, ReadOnlySpan<float>.Empty, Rate, 2);
        using IAudioReader reader = AudioDecoder.Open(path);

        Assert.Null(reader.Info.FramesHint);
        Assert.Equal(0, reader.Read(new float[64]));
    }
}
