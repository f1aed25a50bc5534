using Auralis.Audio;
using Auralis.Mastering.Rendering;
using Auralis.Mastering.Tests.Support;
using Xunit.Abstractions;
using M = Auralis.Mastering.Tests.Support.Mastering;

namespace Auralis.Mastering.Tests;

/// <summary>
/// Renders that start mid-track seek the decoder to the start minus the pre-roll (sf_seek, or
/// ffmpeg's -ss) instead of decoding from the beginning, and still equal the render from the start
/// (docs/mastering.md, "Chunks, seeking, caching").
/// </summary>
public sealed class SeekRenderingTests(ITestOutputHelper output)
{
    /// <summary>
    /// Lossy formats: after a seek the decoder restarts its own state (MDCT overlap, Opus's
    /// energy prediction), so the first milliseconds it decodes differ slightly from a decode
    /// through; those lie inside the 5 s pre-roll, whose output is discarded, and the chain's
    /// envelopes converge on the way. Measured here: 0 (bit-identical) for Vorbis through
    /// libsndfile and for Opus through ffmpeg (both decode from before the landing point and trim
    /// to it). The bound, 1e-5 (-100 dBFS), leaves room for other codec versions' seeking while
    /// catching any seek that lands off by even one sample (which differs by far more).
    /// </summary>
    private const double LossyBound = 1e-5;

    /// <summary>Start points: a chunk boundary, an arbitrary frame, and one near the end.</summary>
    private static readonly double[] Starts = [15.0, 23.4567, 40.0];

    private static (string Path, AudioFilePcmSource Source, MasteringPlan Plan, float[] FromStart) Fixture(TempDirectory temp, string extension, int rate)
    {
        var path = temp.File("track." + extension);
        AudioFileWriter.Write(path, ZoneSignals.CompressedLoud(47.3), rate, 2);
        var source = new AudioFilePcmSource(path);
        var decoded = DecodeAll(source);
        var plan = M.Plan(decoded, "bright", rate: source.SampleRate);
        // From the start: chunk 0 onwards, no seek (proven equal to the one-pass render in ChunkRenderingTests).
        using var renderer = MasteringRenderer.Open(source, plan, 1.0);
        var all = new List<float>();
        while (renderer.RenderNext() is { } chunk)
        {
            all.AddRange(chunk.Samples);
        }

        return (path, source, plan, [.. all]);
    }

    private static float[] DecodeAll(AudioFilePcmSource source)
    {
        using var reader = source.OpenAt(0);
        var all = new List<float>();
        var block = new float[8192 * source.Channels];
        int frames;
        while ((frames = reader.Read(block)) > 0)
        {
            all.AddRange(block.AsSpan(0, frames * source.Channels));
        }

        return [.. all];
    }

    /// <summary>Renders from <paramref name="startFrame"/> to the end in a short first piece and then chunks, as a stream does.</summary>
    private static (float[] Samples, MasteringRenderer Renderer) RenderFrom(AudioFilePcmSource source, MasteringPlan plan, long startFrame)
    {
        var renderer = MasteringRenderer.OpenAtFrame(source, plan, 1.0, startFrame);
        var all = new List<float>();
        var first = true;
        while (renderer.RenderNext(first ? 2 * source.SampleRate : int.MaxValue) is { } piece)
        {
            Assert.Equal(startFrame + (all.Count / source.Channels), piece.StartFrame);
            all.AddRange(piece.Samples);
            first = false;
        }

        return ([.. all], renderer);
    }

    private double CompareSeeks(string extension, int rate, string expectedDecoder)
    {
        using var temp = new TempDirectory();
        var (path, source, plan, fromStart) = Fixture(temp, extension, rate);
        using (var reader = AudioDecoder.Open(path))
        {
            Assert.Equal(expectedDecoder, reader.Info.Decoder);
            Assert.True(reader.SeeksExactly, $"{reader.Info.Decoder} should seek {reader.Info.Format} exactly");
        }

        var worst = 0.0;
        foreach (var seconds in Starts)
        {
            var startFrame = (long)Math.Round(seconds * source.SampleRate);
            var (seeked, renderer) = RenderFrom(source, plan, startFrame);
            using (renderer)
            {
                Assert.Equal(5L * source.SampleRate, renderer.PreRollFrames);
            }

            Assert.Equal(fromStart.Length - (2 * startFrame), seeked.Length);
            var max = 0.0;
            for (var i = 0; i < seeked.Length; i++)
            {
                max = Math.Max(max, Math.Abs(seeked[i] - fromStart[(2 * startFrame) + i]));
            }

            output.WriteLine($"{extension} ({expectedDecoder}) from {seconds} s: max |seeked - from start| = {max:E2}");
            worst = Math.Max(worst, max);
        }

        return worst;
    }

    [Theory]
    [InlineData("wav")]
    [InlineData("flac")]
    public void A_render_starting_mid_track_seeks_the_lossless_decoder_and_equals_the_render_from_the_start(string extension)
    {
        var worst = CompareSeeks(extension, ZoneSignals.Rate, AudioDecoder.LibSndFile);
        Assert.True(worst <= 1e-6, $"max difference {worst:E2}");
    }

    [Theory]
    [InlineData("ogg", AudioDecoder.LibSndFile)]
    [InlineData("opus", AudioDecoder.Ffmpeg)]
    public void A_render_starting_mid_track_seeks_the_lossy_decoder_and_stays_within_the_documented_bound(string extension, string decoder)
    {
        var worst = CompareSeeks(extension, extension == "opus" ? 48_000 : ZoneSignals.Rate, decoder);
        Assert.True(worst <= LossyBound, $"max difference {worst:E2}");
    }

    [Fact]
    public void A_piece_never_crosses_a_chunk_boundary_so_the_stream_is_chunk_aligned_after_its_first_message()
    {
        var audio = ZoneSignals.CompressedLoud(47.3);
        var plan = M.Plan(audio, "bright");
        var source = new InMemoryPcmSource(audio, ZoneSignals.Rate, 2);
        var startFrame = (14 * ZoneSignals.Rate) + 123; // 1 s before the end of chunk 0
        using var renderer = MasteringRenderer.OpenAtFrame(source, plan, 1.0, startFrame);
        var head = renderer.RenderNext(2 * ZoneSignals.Rate)!;
        Assert.Equal((0L, (long)startFrame, (15 * ZoneSignals.Rate) - startFrame), (head.Index, head.StartFrame, head.Frames));
        var next = renderer.RenderNext()!;
        Assert.Equal((1L, 15L * ZoneSignals.Rate, 15 * ZoneSignals.Rate), (next.Index, next.StartFrame, next.Frames));
    }

    /// <summary>
    /// Seamless in the stream's shape: 2 s pieces up to the 15 s grid, then whole chunks (through
    /// <see cref="MasteredTrack.GetPiece"/>, as the server asks), concatenated, equal the one-pass
    /// render; whole chunks land in the cache, pieces do not.
    /// </summary>
    [Fact]
    public void Short_pieces_to_the_grid_then_whole_chunks_concatenate_to_the_one_pass_render()
    {
        var audio = ZoneSignals.CompressedLoud(47.3);
        var plan = M.Plan(audio, "bright");
        var source = new InMemoryPcmSource(audio, ZoneSignals.Rate, 2);
        var onePass = M.RenderOnePass(plan, audio, 0.8, blockFrames: 1000);
        var cache = new MasteredChunkCache(64L << 20);
        using var track = new MasteredTrack(source, plan, 0.8, cache);
        var all = new List<float>();
        long position = 0;
        var pieces = 0;
        while (track.GetPiece(position, position != 0 && position % track.ChunkFrames == 0 ? track.ChunkFrames : 2 * ZoneSignals.Rate) is { } piece)
        {
            Assert.Equal(position, piece.StartFrame);
            all.AddRange(piece.Samples);
            position += piece.Frames;
            pieces++;
        }

        Assert.Equal(8 + 3, pieces); // 7 x 2 s + 1 s, then chunks 1, 2 and the short 3
        Assert.Equal(0, track.Seeks);
        Assert.Equal(3, cache.Count);
        var max = 0.0;
        Assert.Equal(onePass.Length, all.Count);
        for (var i = 0; i < onePass.Length; i++)
        {
            max = Math.Max(max, Math.Abs(onePass[i] - all[i]));
        }

        Assert.True(max <= 1e-6, $"max difference {max:E2}");
    }
}
