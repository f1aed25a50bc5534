namespace Auralis.Server.Hosting;

/// <summary>
/// Bounded concurrency (docs/server.md): at most N requests run, at most M wait; the rest are
/// refused at once rather than piling up until the machine falls over.
/// </summary>
internal sealed class RequestGate(int concurrent, int queued) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(concurrent, concurrent);
    private int _waiting;

    /// <summary>Waits for a slot; false when the line is already full (refuse the request).</summary>
    public async ValueTask<bool> EnterAsync(CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            return true;
        }

        if (Interlocked.Increment(ref _waiting) > queued)
        {
            Interlocked.Decrement(ref _waiting);
            return false;
        }

        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    public void Exit() => _slots.Release();

    /// <summary>The slot just entered, released (once) when disposed.</summary>
    public IDisposable Slot() => new Entered(this);

    private sealed class Entered(RequestGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Exit();
            }
        }
    }

    public void Dispose() => _slots.Dispose();
}
