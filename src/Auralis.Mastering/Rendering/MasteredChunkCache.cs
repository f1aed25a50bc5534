namespace Auralis.Mastering.Rendering;

/// <summary>What identifies a rendered chunk: same key, same samples.</summary>
/// <param name="FileSignature"><see cref="IPcmSource.Signature"/> of the audio.</param>
/// <param name="Preset">Preset name (the adaptive preset's values follow from the file's fingerprint, hence from the signature).</param>
/// <param name="Intensity">Exact intensity (0.5 and 0.50001 are different renders).</param>
/// <param name="AlgorithmVersion"><see cref="MasteringAlgorithm.Version"/>.</param>
public readonly record struct ChunkKey(string FileSignature, string Preset, double Intensity, long ChunkIndex, int AlgorithmVersion);

/// <summary>
/// A least-recently-used cache of rendered chunks bounded by the bytes of their samples.
/// Thread-safe. A chunk larger than the whole capacity is not stored. The cache holds a reference
/// to each chunk it stores (<see cref="RenderedChunk.Retain"/>) and releases it on eviction; a chunk
/// from <see cref="TryGet"/> comes with a reference for the caller.
/// </summary>
public sealed class MasteredChunkCache
{
    private readonly object _gate = new();
    private readonly Dictionary<ChunkKey, LinkedListNode<(ChunkKey Key, RenderedChunk Chunk)>> _entries = [];
    private readonly LinkedList<(ChunkKey Key, RenderedChunk Chunk)> _order = new(); // most recent first

    public MasteredChunkCache(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        CapacityBytes = capacityBytes;
    }

    public long CapacityBytes { get; }

    /// <summary>Bytes of samples held now (never above <see cref="CapacityBytes"/>).</summary>
    public long SizeBytes
    {
        get
        {
            lock (_gate)
            {
                return _size;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    private long _size;

    public bool TryGet(ChunkKey key, out RenderedChunk chunk)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                chunk = node.Value.Chunk;
                chunk.Retain(); // under the lock: an eviction cannot release it in between
                return true;
            }
        }

        chunk = null!;
        return false;
    }

    /// <summary>Stores (or replaces) a chunk, evicting the least recently used ones to stay within capacity.</summary>
    public void Add(ChunkKey key, RenderedChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        lock (_gate)
        {
            if (_entries.Remove(key, out var old))
            {
                _order.Remove(old);
                _size -= old.Value.Chunk.SizeBytes;
                old.Value.Chunk.Release();
            }

            if (chunk.SizeBytes > CapacityBytes)
            {
                return;
            }

            while (_size + chunk.SizeBytes > CapacityBytes)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _entries.Remove(last.Value.Key);
                _size -= last.Value.Chunk.SizeBytes;
                last.Value.Chunk.Release();
            }

            chunk.Retain();
            _entries[key] = _order.AddFirst((key, chunk));
            _size += chunk.SizeBytes;
        }
    }
}
