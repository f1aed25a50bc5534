namespace Auralis.Cli;

/// <summary>
/// Ctrl-C for a command that can stop cleanly: the first press cancels <see cref="Token"/> and says
/// what the command is doing about it; a second press ends the process at once (the default
/// action, which a shell reports as 130). Commands that were interrupted exit
/// <see cref="ExitCodes.Interrupted"/>, never 1: a script can tell "stopped" from "failed".
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly ConsoleCancelEventHandler _handler;

    /// <param name="context">Where the notice goes.</param>
    /// <param name="stopping">What the first Ctrl-C does, e.g. "finishing the tracks in progress".</param>
    public Interruption(CliContext context, string stopping)
    {
        _handler = (_, e) =>
        {
            if (_source.IsCancellationRequested)
            {
                return; // second Ctrl-C: let the runtime end the process
            }

            e.Cancel = true;
            context.Error.WriteLine($"auralis: stopping: {stopping} (Ctrl-C again to abort)...");
            _source.Cancel();
        };
        Console.CancelKeyPress += _handler;
    }

    public CancellationToken Token => _source.Token;

    public bool Requested => _source.IsCancellationRequested;

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _source.Dispose();
    }
}
