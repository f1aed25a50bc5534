using Auralis.Mastering.Rendering;
using Auralis.Mastering.Tests.Support;
using M = Auralis.Mastering.Tests.Support.Mastering;

namespace Auralis.Mastering.Tests;

/// <summary>The memory-bounded LRU cache of rendered chunks and its keys.</summary>
public sealed class ChunkCacheTests
{
    private static RenderedChunk Chunk(long index, int frames = 1000) => new(index, index * frames, frames, 2, new float[frames * 2]);

    private static ChunkKey Key(long index, string preset = "adaptive", double intensity = 1.0, int version = MasteringAlgorithm.Version) =>
        new("file:/music/a.flac|123|456", preset, intensity, index, version);

    [Fact]
    public void Cache_never_holds_more_bytes_than_its_capacity_and_evicts_the_least_recently_used()
    {
        var chunkBytes = Chunk(0).SizeBytes; // 8000
        var cache = new MasteredChunkCache((3 * chunkBytes) + (chunkBytes / 2));
        for (var i = 0; i < 10; i++)
        {
            cache.Add(Key(i), Chunk(i));
            Assert.True(cache.SizeBytes <= cache.CapacityBytes);
            if (i >= 2)
            {
                Assert.True(cache.TryGet(Key(0), out _), "chunk 0 is used all the time, so it stays");
            }
        }

        Assert.Equal(3, cache.Count);
        Assert.True(cache.TryGet(Key(9), out _));
        Assert.True(cache.TryGet(Key(8), out _));
        Assert.False(cache.TryGet(Key(7), out _));
        Assert.False(cache.TryGet(Key(1), out _));
    }

    [Fact]
    public void A_chunk_larger_than_the_whole_cache_is_not_stored()
    {
        var cache = new MasteredChunkCache(100);
        cache.Add(Key(0), Chunk(0));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.SizeBytes);
    }

    [Fact]
    public void Keys_differ_by_preset_intensity_index_signature_and_algorithm_version()
    {
        var keys = new[]
        {
            Key(0), Key(1), Key(0, "warm"), Key(0, intensity: 0.5), Key(0, version: MasteringAlgorithm.Version + 1),
            Key(0) with { FileSignature = "file:/music/a.flac|123|457" },
        };
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(Key(3), Key(3));
    }

    [Fact]
    public void Tracks_at_different_intensities_share_a_cache_without_serving_each_other()
    {
        var audio = ZoneSignals.QuietDynamic(20);
        var plan = M.Plan(audio, "warm");
        var source = new InMemoryPcmSource(audio, ZoneSignals.Rate, 2);
        var cache = new MasteredChunkCache(64L << 20);
        using var full = new MasteredTrack(source, plan, 1.0, cache);
        using var half = new MasteredTrack(source, plan, 0.5, cache);
        var a = full.GetChunk(0)!;
        var b = half.GetChunk(0)!;
        Assert.NotSame(a, b);
        Assert.NotEqual(a.Samples, b.Samples);
        Assert.Equal(2, cache.Count);
        Assert.NotEqual(full.KeyFor(0), half.KeyFor(0));
    }

    [Fact]
    public void Cache_stays_within_capacity_under_concurrent_use()
    {
        var chunkBytes = Chunk(0).SizeBytes;
        var cache = new MasteredChunkCache(10 * chunkBytes);
        Parallel.For(0, 2000, i =>
        {
            cache.Add(Key(i % 37), Chunk(i % 37));
            cache.TryGet(Key((i * 7) % 37), out _);
            Assert.True(cache.SizeBytes <= cache.CapacityBytes);
        });
        Assert.Equal(10, cache.Count);
        Assert.Equal(10 * chunkBytes, cache.SizeBytes);
    }

    /// <summary>Array lengths no other test uses, so the shared pool's answers are this test's own.</summary>
    private static RenderedChunk PooledChunk(int frames) => new(0, 0, frames, 2, ChunkBuffers.Rent(frames * 2));

    [Fact]
    public void A_chunk_released_by_its_last_holder_is_recycled_for_the_next_render_of_that_length()
    {
        var chunk = PooledChunk(12_347);
        chunk.Release();
        Assert.Same(chunk.Samples, ChunkBuffers.Rent(12_347 * 2));
    }

    [Fact]
    public void A_cached_chunk_is_not_recycled_while_a_reader_or_the_cache_still_holds_it()
    {
        var chunk = PooledChunk(12_349);
        var cache = new MasteredChunkCache(chunk.SizeBytes);
        cache.Add(Key(0), chunk);
        chunk.Release(); // the renderer's caller is done; the cache holds it
        Assert.True(cache.TryGet(Key(0), out var read)); // a reader holds it too
        cache.Add(Key(1), PooledChunk(12_349)); // evicts chunk 0 while the reader still sends it
        Assert.NotSame(chunk.Samples, ChunkBuffers.Rent(12_349 * 2));
        read.Release(); // the last holder
        Assert.Same(chunk.Samples, ChunkBuffers.Rent(12_349 * 2));
    }

    [Fact]
    public void Releasing_a_chunk_more_often_than_it_was_held_is_an_error_not_a_double_recycle()
    {
        var chunk = PooledChunk(12_351);
        chunk.Release();
        Assert.Throws<InvalidOperationException>(chunk.Release);
    }
}
