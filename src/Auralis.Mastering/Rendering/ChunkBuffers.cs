namespace Auralis.Mastering.Rendering;

/// <summary>
/// Recycled sample arrays for rendered chunks. A 15 s chunk is a 5.3 MB array on the large-object
/// heap, which is only collected by full collections; ten streams rendering at 100x realtime
/// allocate hundreds of MB of them per second of wall time, and the garbage between collections
/// was most of the server's memory with 10 streams (432 MB peak, 110 MB before). Chunks whose last
/// reference is released (<see cref="RenderedChunk.Release"/>) come back here and the next render
/// of the same length reuses them. Holds at most <see cref="CapacityBytes"/> of free arrays; a
/// chunk nobody releases is simply collected. Thread-safe.
/// </summary>
public static class ChunkBuffers
{
    /// <summary>Free arrays kept: four 15 s 44.1 kHz stereo chunks (ten streams reuse them faster than they come back).</summary>
    public const long CapacityBytes = 24L * 1024 * 1024;

    private static readonly Lock Gate = new();
    private static readonly LinkedList<float[]> Free = new(); // most recently returned first
    private static long _freeBytes;

    /// <summary>Bytes of free arrays held now (tests and diagnostics).</summary>
    public static long FreeBytes
    {
        get
        {
            lock (Gate)
            {
                return _freeBytes;
            }
        }
    }

    /// <summary>An array of exactly <paramref name="length"/> samples; its contents are undefined (the renderer overwrites all of it).</summary>
    public static float[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        lock (Gate)
        {
            for (var node = Free.First; node is not null; node = node.Next)
            {
                if (node.Value.Length == length)
                {
                    Free.Remove(node);
                    _freeBytes -= (long)length * sizeof(float);
                    return node.Value;
                }
            }
        }

        return new float[length];
    }

    /// <summary>Takes an array back; the oldest free ones go when over capacity. The caller must not use it afterwards.</summary>
    internal static void Return(float[] samples)
    {
        var bytes = (long)samples.Length * sizeof(float);
        if (bytes == 0 || bytes > CapacityBytes)
        {
            return;
        }

        lock (Gate)
        {
            Free.AddFirst(samples);
            _freeBytes += bytes;
            while (_freeBytes > CapacityBytes)
            {
                _freeBytes -= (long)Free.Last!.Value.Length * sizeof(float);
                Free.RemoveLast();
            }
        }
    }
}
