using System.Globalization;

namespace Auralis.Library.Scanning;

/// <summary>
/// One scan of a database at a time, across processes (two `auralis scan`s, a CLI scan and a
/// server scan): two scans that sync and extract into one database at once would insert the same
/// files and store fingerprints of tracks the other just removed. The lock is an advisory lock on
/// <c>&lt;database&gt;.scan-lock</c> (flock on Unix, a sharing lock on Windows), which the system
/// releases when its process ends, however it ends: a killed scan never leaves a stale lock. Who
/// holds it is written to <c>&lt;database&gt;.scan-owner</c>, for the message of the next one.
/// </summary>
public sealed class ScanLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private readonly FileStream? _lock;

    private ScanLock(FileStream? held, string? warning)
    {
        _lock = held;
        Warning = warning;
    }

    /// <summary>Set when the lock could not be taken at all (a read-only folder) and the scan runs without it.</summary>
    public string? Warning { get; }

    public static string LockPath(string databasePath) => ResolvedDatabase(databasePath) + ".scan-lock";

    public static string OwnerPath(string databasePath) => ResolvedDatabase(databasePath) + ".scan-owner";

    /// <summary>
    /// Takes the lock of <paramref name="databasePath"/>, waiting while another scan holds it;
    /// <paramref name="waiting"/> gets one message naming the holder when there is a wait.
    /// <paramref name="owner"/> describes this scan to the next one ("auralis scan").
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled while waiting.</exception>
    public static ScanLock Acquire(string databasePath, string owner, Action<string> waiting, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        var lockPath = LockPath(databasePath);
        var told = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                WriteOwner(databasePath, owner);
                return new ScanLock(held, null);
            }
            catch (IOException e) when (IsHeldElsewhere(e))
            {
                if (!told)
                {
                    waiting($"another scan of this library is running ({ReadOwner(databasePath)}), waiting for it to finish...");
                    told = true;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No lock can be made here (a read-only folder): scanning without one is what every
                // earlier version did, so go on, and say so.
                return new ScanLock(null, $"cannot take the scan lock {lockPath} ({AudioFiles.CauseOf(e)}); scanning without it, so do not run another scan of this library at the same time");
            }

            cancellationToken.WaitHandle.WaitOne(Poll);
        }
    }

    public void Dispose() => _lock?.Dispose();

    private static bool IsHeldElsewhere(IOException e) =>
        e.GetType() == typeof(IOException) && (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11 or 35);

    private static void WriteOwner(string databasePath, string owner)
    {
        try
        {
            // Written beside and renamed over: a scan that reads it while it is being written sees
            // the whole old text or the whole new one, never an empty file.
            var path = OwnerPath(databasePath);
            var temporary = string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}.tmp");
            File.WriteAllText(temporary, string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId}, {owner}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n"));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only the next scan's message loses the holder's name; the lock itself is held.
        }
    }

    private static string ReadOwner(string databasePath)
    {
        // The holder writes its name just after it takes the lock: give it a moment when the lock
        // was taken by a first scan that has not written the file yet.
        for (var attempt = 0; attempt < 25; attempt++)
        {
            try
            {
                var text = File.ReadAllText(OwnerPath(databasePath)).Trim();
                if (text.Length > 0)
                {
                    return text;
                }
            }
            catch (FileNotFoundException)
            {
                // not written yet
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return "holder unknown";
            }

            Thread.Sleep(20);
        }

        return "holder unknown";
    }

    /// <summary>The database's own path when it is a symbolic link, so every way of naming it shares one lock.</summary>
    private static string ResolvedDatabase(string databasePath)
    {
        var full = Path.GetFullPath(databasePath);
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }
}
