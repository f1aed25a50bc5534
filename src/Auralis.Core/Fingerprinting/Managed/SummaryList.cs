namespace Auralis.Fingerprinting.Managed;

/// <summary>
/// An append-only list of per-frame or per-segment summaries (the only state that grows with
/// the track length). Pre-sized for a typical track, so a track of up to that length allocates
/// nothing after construction; longer ones grow by doubling.
/// </summary>
internal sealed class SummaryList<T>
    where T : struct
{
    private T[] _items;

    public SummaryList(int initialCapacity)
    {
        _items = new T[Math.Max(initialCapacity, 16)];
    }

    public int Count { get; private set; }

    public ReadOnlySpan<T> Items => _items.AsSpan(0, Count);

    public void Add(T item)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = item;
    }
}
