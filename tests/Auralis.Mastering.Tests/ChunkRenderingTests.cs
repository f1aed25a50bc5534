using Auralis.Mastering.Rendering;
using Auralis.Mastering.Tests.Support;
using Xunit.Abstractions;
using M = Auralis.Mastering.Tests.Support.Mastering;

namespace Auralis.Mastering.Tests;

/// <summary>15 s chunks, in order and after a seek, against one-pass renders.</summary>
public sealed class ChunkRenderingTests(ITestOutputHelper output)
{
    private const int Rate = ZoneSignals.Rate;

    /// <summary>One plan (from 20 s of compressed loud material: the expander and limiter both work) for every length.</summary>
    private static readonly Lazy<(MasteringPlan Plan, float[] Audio)> Track = new(() =>
    {
        var audio = ZoneSignals.CompressedLoud(47.3);
        return (M.Plan(audio, "bright"), audio);
    });

    /// <summary>Quiet material through the compressor (the slowest state: 250 ms release).</summary>
    private static readonly Lazy<(MasteringPlan Plan, float[] Audio)> QuietTrack = new(() =>
    {
        var audio = ZoneSignals.QuietDynamic(35);
        return (M.Plan(audio, "adaptive"), audio);
    });

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    public static TheoryData<int> Lengths() => new()
    {
        1, 127, 128, 4095, 4097, 15 * Rate, (15 * Rate) + 1, (30 * Rate) - 1, 2_085_929, // all of the 47.3 s: a partial last chunk
    };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Concatenated_chunks_equal_the_one_pass_render(int frames)
    {
        var (plan, audio) = Track.Value;
        var input = audio.AsSpan(0, 2 * frames).ToArray();
        // One pass in blocks of 1000 frames, chunks in blocks of 4096: block size must not matter either.
        var onePass = M.RenderOnePass(plan, input, 0.8, blockFrames: 1000);
        var chunked = M.RenderChunked(plan, input, 0.8);
        Assert.Equal(input.Length, chunked.Length);
        Assert.True(MaxDifference(onePass, chunked) <= 1e-6, $"max difference {MaxDifference(onePass, chunked):E2}");
    }

    [Fact]
    public void Chunks_are_15_seconds_numbered_in_order_with_a_short_last_one()
    {
        var (plan, audio) = Track.Value;
        using var renderer = MasteringRenderer.Open(new InMemoryPcmSource(audio, Rate, 2), plan, 1.0);
        var chunks = new List<RenderedChunk>();
        while (renderer.RenderNext() is { } chunk)
        {
            chunks.Add(chunk);
        }

        Assert.Equal([0L, 1, 2, 3], chunks.Select(c => c.Index));
        Assert.All(chunks.Take(3), c => Assert.Equal(15 * Rate, c.Frames));
        Assert.Equal((audio.Length / 2) - (45 * Rate), chunks[3].Frames);
        Assert.All(chunks, c => Assert.Equal(c.Frames * 2, c.Samples.Length));
        Assert.Equal([0L, 15L * Rate, 30L * Rate, 45L * Rate], chunks.Select(c => c.StartFrame));
    }

    /// <summary>
    /// A chunk rendered after a seek (fresh state, 5 s of pre-roll) is close to the same chunk of
    /// the one-pass render; the difference is documented in docs/mastering.md.
    /// </summary>
    [Theory]
    [InlineData("compressed", 1)]
    [InlineData("compressed", 2)]
    [InlineData("compressed", 3)]
    [InlineData("quiet", 1)]
    [InlineData("quiet", 2)]
    public void A_seek_with_five_seconds_of_pre_roll_renders_nearly_the_one_pass_chunk(string material, int chunkIndex)
    {
        var (plan, audio) = material == "quiet" ? QuietTrack.Value : Track.Value;
        var onePass = M.RenderOnePass(plan, audio, 1.0);
        using var renderer = MasteringRenderer.Open(new InMemoryPcmSource(audio, Rate, 2), plan, 1.0, chunkIndex);
        Assert.Equal(5 * Rate, renderer.PreRollFrames);
        var chunk = renderer.RenderNext()!;
        Assert.Equal(chunkIndex, chunk.Index);
        var expected = onePass.AsSpan((int)(2 * chunk.StartFrame), chunk.Samples.Length).ToArray();
        var difference = MaxDifference(expected, chunk.Samples);
        output.WriteLine($"{material} ({plan.Dynamics}) chunk {chunkIndex}: max |seek - one pass| = {difference:E2}");
        Assert.True(difference <= 1e-4, $"max difference {difference:E2}");
        // The next chunk continues from the seek's own state.
        var next = renderer.RenderNext();
        if (next is not null)
        {
            Assert.Equal(chunkIndex + 1, next.Index);
        }
    }

    [Fact]
    public void A_seek_without_pre_roll_would_differ_which_is_why_there_is_one()
    {
        var (plan, audio) = Track.Value;
        var onePass = M.RenderOnePass(plan, audio, 1.0);
        var options = new RenderOptions { PreRollSeconds = 0 };
        using var renderer = MasteringRenderer.Open(new InMemoryPcmSource(audio, Rate, 2), plan, 1.0, 1, options);
        var chunk = renderer.RenderNext()!;
        var expected = onePass.AsSpan((int)(2 * chunk.StartFrame), chunk.Samples.Length).ToArray();
        Assert.True(MaxDifference(expected, chunk.Samples) > 1e-3);
    }

    [Fact]
    public void Mastered_track_continues_in_order_seeks_when_asked_and_serves_repeats_from_the_cache()
    {
        var (plan, audio) = Track.Value;
        var source = new InMemoryPcmSource(audio, Rate, 2);
        var cache = new MasteredChunkCache(64L << 20);
        using var track = new MasteredTrack(source, plan, 1.0, cache);
        Assert.Equal(4, track.ChunkCount);
        var onePass = M.RenderOnePass(plan, audio, 1.0);

        var inOrder = Enumerable.Range(0, 4).Select(i => track.GetChunk(i)!).ToList();
        Assert.Equal(0, track.Seeks);
        Assert.True(MaxDifference(onePass, [.. inOrder.SelectMany(c => c.Samples)]) <= 1e-6);
        Assert.Null(track.GetChunk(4));
        Assert.Same(inOrder[1], track.GetChunk(1)); // from the cache, not re-rendered
        Assert.Equal(0, track.Seeks);

        using var other = new MasteredTrack(source, plan, 1.0); // no cache: a jump is a seek
        Assert.Equal(2, other.GetChunk(2)!.Index);
        Assert.Equal(1, other.Seeks);
        Assert.Equal(3, other.GetChunk(3)!.Index);
        Assert.Equal(1, other.Seeks);
    }

    [Fact]
    public void File_source_renders_what_the_in_memory_source_renders()
    {
        var (plan, audio) = Track.Value;
        using var temp = new TempDirectory();
        var path = temp.File("track.wav");
        var clip = audio.AsSpan(0, 2 * 20 * Rate).ToArray();
        Auralis.Audio.AudioFileWriter.Write(path, clip, Rate, 2);
        var file = new AudioFilePcmSource(path);
        Assert.Equal(20 * Rate, file.Frames);
        using var fromFile = new MasteredTrack(file, plan, 1.0);
        using var fromMemory = new MasteredTrack(new InMemoryPcmSource(clip, Rate, 2), plan, 1.0);
        Assert.Equal(fromMemory.GetChunk(0)!.Samples, fromFile.GetChunk(0)!.Samples);
        Assert.Equal(fromMemory.GetChunk(1)!.Samples, fromFile.GetChunk(1)!.Samples);
        using var seekFile = new MasteredTrack(file, plan, 1.0);
        Assert.Equal(fromMemory.GetChunk(1)!.Samples.Length, seekFile.GetChunk(1)!.Samples.Length);
        Assert.StartsWith("file:", file.Signature, StringComparison.Ordinal);
    }
}
