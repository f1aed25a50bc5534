using Auralis.Audio;
using Auralis.Library.Database;
using Auralis.Library.Sidecars;
using Auralis.Mastering;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;

namespace Auralis.Library.Tags;

/// <summary>Where a track's loudness came from (what `auralis tag` counts).</summary>
public enum LoudnessOrigin
{
    /// <summary>The library database's stored plan data.</summary>
    Database,

    /// <summary>The track's sidecar (its plan section).</summary>
    Sidecar,

    /// <summary>Decoded and measured now.</summary>
    Measured,
}

/// <summary>A track's loudness and where it came from.</summary>
public sealed record FoundLoudness(TrackLoudness Loudness, LoudnessOrigin Origin);

/// <summary>
/// The loudness statistics of a file for tagging (docs/tags.md, "Where the numbers come from"):
/// the library's stored measurement when it is current for the file as it is now, else the
/// sidecar's, else a decode of the file. "Current" is the scan's own rule: the stored size and
/// modification time equal the file's (else the scan would fingerprint it again), the data is of
/// <see cref="StoredPlanData.CurrentVersion"/> and carries loudness.
/// </summary>
public sealed class LoudnessLookup(LibraryDatabase? database, SidecarStore? sidecars)
{
    private readonly TrackRepository? _tracks = database is null ? null : new TrackRepository(database);

    private readonly PlanDataRows? _plans = database is null ? null : new PlanDataRows(database);

    /// <summary>The stored loudness of <paramref name="path"/> (a canonical path), or null when the library has none current for it.</summary>
    public FoundLoudness? Stored(string path)
    {
        AudioFileSignature signature;
        try
        {
            signature = AudioFileSignature.Of(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (_tracks?.GetByPath(path) is { Status: FingerprintStatus.Complete } track
            && track.SizeBytes == signature.SizeBytes && track.MtimeNs == signature.MtimeNs
            && _plans!.Get(track.Id, out _) is { IsCurrent: true, Loudness: { } stored })
        {
            return new FoundLoudness(stored, LoudnessOrigin.Database);
        }

        // The sidecar store checks the sidecar's recorded size and mtime against the file's.
        if (sidecars?.TryReadContents(path, signature, out _)?.Plan is { IsCurrent: true, Loudness: { } fromSidecar })
        {
            return new FoundLoudness(fromSidecar, LoudnessOrigin.Sidecar);
        }

        return null;
    }

    /// <summary>The stored loudness, else a decode and measurement of the whole file.</summary>
    /// <exception cref="AudioDecodeException">The file does not decode (the message names it and the cause).</exception>
    public FoundLoudness Find(string path, CancellationToken cancellationToken = default) =>
        Stored(path) ?? new FoundLoudness(TrackLoudness.Measure(new AudioFilePcmSource(path), cancellationToken), LoudnessOrigin.Measured);
}
