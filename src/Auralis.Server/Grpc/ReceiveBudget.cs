namespace Auralis.Server.Grpc;

/// <summary>
/// Bytes of large request messages being received and held at once (<see cref="GrpcServerOptions.MaxReceiveBytesInFlight"/>).
/// Reservations never wait: a call that does not fit is refused.
/// </summary>
internal sealed class ReceiveBudget(long limit)
{
    private long _inUse;

    public long Limit => limit;

    public long InUse => Interlocked.Read(ref _inUse);

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var current = Interlocked.Read(ref _inUse);
            if (current + bytes > limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _inUse, current + bytes, current) == current)
            {
                return true;
            }
        }
    }

    public void Release(long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _inUse, -bytes);
        }
    }
}
