using System.Security.Cryptography;
using System.Text;
using Auralis.Fingerprinting;
using Auralis.Mastering;

namespace Auralis.Library.Sidecars;

/// <summary>Where a sidecar was written.</summary>
public enum SidecarLocation
{
    /// <summary><c>&lt;audio file name&gt;.25d</c> in the audio file's folder.</summary>
    BesideAudio,

    /// <summary><c>&lt;SHA-256 of the audio's full path&gt;.25d</c> in <see cref="SidecarStore.CacheRoot"/>.</summary>
    Cache,
}

/// <summary>What a valid sidecar holds: the fingerprint and, when it has a usable plan section, the stored plan data.</summary>
/// <param name="PlanReason">Why <paramref name="Plan"/> is null ("no plan section", a CRC mismatch...), or "valid".</param>
/// <param name="Path">The sidecar file that was read.</param>
public sealed record SidecarContents(Fingerprint Fingerprint, StoredPlanData? Plan, string PlanReason, string Path);

/// <summary>
/// Reads and writes <c>.25d</c> sidecars (docs/sidecar.md): beside the audio when its folder is
/// writable, else in a per-user cache folder. A sidecar is only ever trusted when it is valid for
/// exactly the audio's current signature and <see cref="Fingerprint.FingerprintVersion"/>.
/// </summary>
public sealed class SidecarStore
{
    /// <summary>Appended to the audio file's name (and to the cache's hash names).</summary>
    public const string Extension = ".25d";

    private readonly Func<string, FileStream> _createTempFile;

    /// <param name="cacheRoot">
    /// Folder for sidecars that cannot sit beside their audio; default
    /// <c>$XDG_CACHE_HOME/auralis/sidecars</c> (<c>~/.cache/auralis/sidecars</c> when unset).
    /// </param>
    public SidecarStore(string? cacheRoot = null)
        : this(cacheRoot, CreateTempFile)
    {
    }

    /// <summary>
    /// For tests only: <paramref name="createTempFile"/> creates and opens for writing the temp
    /// file it is given (the default is <see cref="CreateTempFile"/>). Tests make it throw as the
    /// OS would (EACCES, EROFS) for the audio's folder, because they run as root, for whom chmod
    /// makes nothing unwritable, and no read-only filesystem can be relied on.
    /// </summary>
    internal SidecarStore(string? cacheRoot, Func<string, FileStream> createTempFile)
    {
        CacheRoot = Path.GetFullPath(cacheRoot ?? DefaultCacheRoot(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME"),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)));
        _createTempFile = createTempFile;
    }

    /// <summary>Absolute folder for sidecars that cannot sit beside their audio.</summary>
    public string CacheRoot { get; }

    /// <summary><c>"&lt;audio file name&gt;.25d"</c> beside the audio (<c>song.flac</c> -> <c>song.flac.25d</c>).</summary>
    public static string BesidePath(string audioPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(audioPath);
        if (Path.GetFileName(audioPath).Length == 0)
        {
            throw new ArgumentException($"'{audioPath}' names a folder, not an audio file.", nameof(audioPath));
        }

        return audioPath + Extension;
    }

    /// <summary>
    /// <c>CacheRoot/&lt;lowercase hex SHA-256 of the UTF-8 full path of the audio&gt;.25d</c>; the full
    /// path is <see cref="Path.GetFullPath(string)"/> (absolute, "." and ".." removed, symbolic links
    /// not resolved).
    /// </summary>
    public string CachePath(string audioPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(audioPath);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(audioPath)));
        return Path.Combine(CacheRoot, Convert.ToHexStringLower(hash) + Extension);
    }

    /// <summary>
    /// Reads the sidecar for the audio file (beside first, then cache) and returns the fingerprint
    /// only if it is valid for exactly this signature and <see cref="Fingerprint.FingerprintVersion"/>
    /// and every value lies in its dimension's range; anything else (missing, corrupt, stale,
    /// out of range, unreadable) returns null with the reason in
    /// <paramref name="reason"/> (for logs). Never throws for bad sidecar content or I/O errors on
    /// the sidecar.
    /// </summary>
    public Fingerprint? TryRead(string audioPath, AudioFileSignature signature, out string reason) =>
        TryReadContents(audioPath, signature, out reason)?.Fingerprint;

    /// <summary>
    /// <see cref="TryRead"/> with the plan section: the same rules decide whether the sidecar is
    /// valid; a valid fingerprint with a missing or damaged plan section is returned with
    /// <see cref="SidecarContents.Plan"/> null and the cause in <see cref="SidecarContents.PlanReason"/>.
    /// </summary>
    public SidecarContents? TryReadContents(string audioPath, AudioFileSignature signature, out string reason)
    {
        var beside = BesidePath(audioPath);
        if (TryReadFile(beside, signature, out var contents, out var besideReason))
        {
            reason = $"read {beside}";
            return contents;
        }

        // A beside sidecar that is stale (say the folder became read-only after it was written
        // and the audio then changed) must not hide a valid one written to the cache since.
        var cache = CachePath(audioPath);
        if (TryReadFile(cache, signature, out contents, out var cacheReason))
        {
            reason = $"read {cache}";
            return contents;
        }

        reason = $"{beside}: {besideReason}; {cache}: {cacheReason}";
        return null;
    }

    /// <summary>
    /// Writes atomically (temp file in the same folder, write, flush to disk, rename over the
    /// target). Beside the audio when that folder is writable, else in the cache (when creating
    /// or writing the temp file beside the audio fails with UnauthorizedAccessException or an
    /// IOException such as EROFS/EACCES). Returns where it went. Throws IOException naming the
    /// paths only when neither location can be written.
    /// </summary>
    /// <param name="plan">The planner's stored measurements, written as the plan section; null for none.</param>
    public SidecarLocation Write(string audioPath, AudioFileSignature signature, Fingerprint fingerprint, StoredPlanData? plan = null)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        if (fingerprint.OutOfRange is { } problem)
        {
            // Every producer checks its result; a sidecar readers would reject is never written.
            throw new ArgumentException($"Not writing the sidecar of '{audioPath}': {problem}.", nameof(fingerprint));
        }

        var bytes = plan is null
            ? SidecarFormat.Encode(fingerprint, Fingerprint.FingerprintVersion, signature)
            : SidecarFormat.Encode(fingerprint, Fingerprint.FingerprintVersion, signature, plan);

        var beside = BesidePath(audioPath);
        Exception besideError;
        try
        {
            WriteAtomically(beside, bytes);
            return SidecarLocation.BesideAudio;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            besideError = e;
        }

        var cache = CachePath(audioPath);
        try
        {
            Directory.CreateDirectory(CacheRoot);
            WriteAtomically(cache, bytes);
            return SidecarLocation.Cache;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException(
                $"Cannot write the sidecar of '{audioPath}': not beside it ('{beside}': {besideError.Message}) " +
                $"nor in the cache ('{cache}': {e.Message}). Make the audio's folder or '{CacheRoot}' writable " +
                "(or set XDG_CACHE_HOME to a writable folder).",
                new AggregateException(besideError, e));
        }
    }

    /// <summary>The default temp file opener: a new file (never an existing one), unbuffered.</summary>
    internal static FileStream CreateTempFile(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);

    /// <summary>XDG Base Directory rules: a relative or empty XDG_CACHE_HOME is ignored.</summary>
    internal static string DefaultCacheRoot(string? xdgCacheHome, string? home)
    {
        var cacheHome = !string.IsNullOrEmpty(xdgCacheHome) && Path.IsPathFullyQualified(xdgCacheHome)
            ? xdgCacheHome
            : Path.Combine(string.IsNullOrEmpty(home) ? Path.GetTempPath() : home, ".cache");
        return Path.Combine(cacheHome, "auralis", "sidecars");
    }

    /// <summary>The hidden temp file name used next to <paramref name="target"/>.</summary>
    internal static string TempPathFor(string target) =>
        Path.Combine(
            Path.GetDirectoryName(Path.GetFullPath(target)) ?? throw new ArgumentException($"'{target}' has no folder.", nameof(target)),
            $".{Path.GetFileName(target)}.{RandomNumberGenerator.GetHexString(8, lowercase: true)}.tmp");

    private static bool TryReadFile(string path, AudioFileSignature signature, out SidecarContents? contents, out string reason)
    {
        contents = null;
        try
        {
            // Checked before opening: a FIFO (length 0) would block open(), a huge file would be
            // read for nothing, and a folder or broken link is simply no sidecar.
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                reason = "no sidecar";
                return false;
            }

            if (info.Length != SidecarFormat.Length && (info.Length < SidecarFormat.Length + SidecarFormat.PlanOverhead || info.Length > SidecarFormat.MaxFileLength))
            {
                reason = $"length is {info.Length} bytes, a sidecar has exactly {SidecarFormat.Length}, or {SidecarFormat.Length} plus a plan section";
                return false;
            }

            // One byte more than the stat said, so a file that grew since the stat is still rejected.
            var buffer = new byte[info.Length + 1];
            int read;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0))
            {
                read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            }

            if (!SidecarFormat.TryDecodeFile(buffer.AsSpan(0, read), Fingerprint.FingerprintVersion, signature, out var fingerprint, out var plan, out reason, out var planReason))
            {
                return false;
            }

            // An intact file (valid CRC) can still hold numbers no audio has (written by
            // something else, or damaged before its CRC was computed): treated like a bad CRC.
            if (fingerprint.OutOfRange is { } problem)
            {
                reason = $"{problem}: not a fingerprint of any audio";
                return false;
            }

            contents = new SidecarContents(fingerprint, plan, planReason, path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = $"unreadable: {e.Message}";
            return false;
        }
    }

    private void WriteAtomically(string target, byte[] bytes)
    {
        var temp = TempPathFor(target);
        var renamed = false;
        try
        {
            using (var stream = _createTempFile(temp))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            // rename(2): readers see the old sidecar or the new one, never a partial file.
            File.Move(temp, target, overwrite: true);
            renamed = true;
        }
        finally
        {
            if (!renamed)
            {
                DeleteLeftover(temp);
            }
        }
    }

    private static void DeleteLeftover(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write's own exception is the one that matters and is on its way up; a temp
            // file that cannot be deleted is in a folder we could not write anyway.
        }
    }
}
