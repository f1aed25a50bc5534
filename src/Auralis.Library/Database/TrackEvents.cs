using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Mastering;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Database;

/// <summary>What happened to a track during extraction; the single writer applies these in order.</summary>
public abstract record TrackEvent(long TrackId)
{
    public sealed record Started(long TrackId) : TrackEvent(TrackId);

    /// <summary>
    /// Fingerprinted; <paramref name="Audio"/> is null when it came from a sidecar (nothing decoded).
    /// <paramref name="Plan"/> is the mastering planner's data measured against this fingerprint;
    /// null stores none (and drops data measured against an earlier fingerprint).
    /// <paramref name="Tags"/> is what <see cref="TagReader"/> read from the file this time (null:
    /// not read, the stored tags stay and <c>metadata_read_at</c> is not set).
    /// </summary>
    public sealed record Completed(long TrackId, Fingerprint Fingerprint, AudioInfo? Audio, double? DurationSeconds, StoredPlanData? Plan = null, TagReadResult? Tags = null) : TrackEvent(TrackId);

    /// <summary>
    /// Only the tags and header of a track whose fingerprint is current were read (a library from
    /// before migration 5): its status and fingerprint are not touched.
    /// </summary>
    public sealed record MetadataRead(long TrackId, TagReadResult Tags) : TrackEvent(TrackId);

    public sealed record Failed(long TrackId, string Message) : TrackEvent(TrackId);

    /// <summary>Not fingerprinted on purpose (too short): status 'skipped' with the reason, not a failure.</summary>
    public sealed record Skipped(long TrackId, string Reason) : TrackEvent(TrackId);

    /// <summary>Interrupted (Ctrl-C): back to pending, to be done next time.</summary>
    public sealed record Returned(long TrackId) : TrackEvent(TrackId);
}

/// <summary>Applies batches of track events, each batch in one transaction.</summary>
public sealed class TrackEventWriter(LibraryDatabase database)
{
    public void Apply(IReadOnlyList<TrackEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        database.Write($"record {events.Count} extraction results", transaction =>
        {
            var now = LibraryDatabase.Now();
            foreach (var e in events)
            {
                switch (e)
                {
                    case TrackEvent.Started s:
                        Status(transaction, s.TrackId, "processing", null, now);
                        break;
                    case TrackEvent.Returned r:
                        Status(transaction, r.TrackId, "pending", null, now);
                        break;
                    case TrackEvent.Failed f:
                        Status(transaction, f.TrackId, "error", f.Message, now);
                        break;
                    case TrackEvent.Skipped k:
                        Status(transaction, k.TrackId, "skipped", k.Reason, now);
                        break;
                    case TrackEvent.Completed c:
                        Complete(transaction, c, now);
                        break;
                    case TrackEvent.MetadataRead m:
                        WriteMetadata(database, transaction, m.TrackId, m.Tags, null, null, now);
                        break;
                    default:
                        throw new InvalidOperationException($"unknown track event {e}");
                }
            }

            return events.Count;
        });
    }

    private void Status(SqliteTransaction transaction, long id, string status, string? message, string now) =>
        TrackRepository.SetStatus(database, transaction, id, status, message, now, $"set track {id} {status}");

    private void Complete(SqliteTransaction transaction, TrackEvent.Completed c, string now)
    {
        using (var upsert = database.Command(FingerprintRepository.UpsertSql, transaction))
        {
            FingerprintRepository.Bind(database, upsert, c.TrackId, c.Fingerprint, Fingerprint.FingerprintVersion, now);
            Checked.One(database, upsert.ExecuteNonQuery(), $"store fingerprint of track {c.TrackId}");
        }

        if (c.Plan is { } plan)
        {
            PlanDataRows.Upsert(database, transaction, c.TrackId, plan, now);
        }
        else
        {
            PlanDataRows.Delete(database, transaction, c.TrackId);
        }

        using (var track = database.Command(
            "UPDATE tracks SET fingerprint_status = 'complete', fingerprint_computed_at = $now, fingerprint_error_message = NULL, updated_at = $now WHERE id = $id",
            transaction))
        {
            track.Parameters.AddWithValue("$now", now);
            track.Parameters.AddWithValue("$id", c.TrackId);
            Checked.One(database, track.ExecuteNonQuery(), $"mark track {c.TrackId} complete");
        }

        WriteMetadata(database, transaction, c.TrackId, c.Tags, c.Audio, c.DurationSeconds, now);
    }

    /// <summary>
    /// Stores what is known about a track's file (docs/database.md, "Metadata"): what was decoded
    /// (<paramref name="decoded"/>, <paramref name="framesDuration"/>) replaces what is stored, what
    /// only a header says fills what is missing, a duration counted from frames is never replaced
    /// by a header's, and a tag the file does not have never erases one already stored (COALESCE).
    /// Then the search and sort keys are written again from the row.
    /// </summary>
    internal static void WriteMetadata(LibraryDatabase database, SqliteTransaction transaction, long id, TagReadResult? read, AudioInfo? decoded, double? framesDuration, string now)
    {
        var tags = (read as TagReadResult.Read)?.Tags;
        using (var update = database.Command(
            "UPDATE tracks SET " +
            "duration_s = CASE WHEN $frames IS NOT NULL THEN $frames WHEN duration_source = 'frames' THEN duration_s ELSE COALESCE($header, duration_s) END, " +
            "duration_source = CASE WHEN $frames IS NOT NULL OR duration_source = 'frames' THEN 'frames' WHEN $header IS NOT NULL THEN 'header' ELSE duration_source END, " +
            "sample_rate = COALESCE($rate, sample_rate, $headerRate), channels = COALESCE($channels, channels, $headerChannels), " +
            "format = COALESCE($format, format, $headerFormat), " +
            "title = COALESCE($title, title), artist = COALESCE($artist, artist), album = COALESCE($album, album), " +
            "album_artist = COALESCE($albumArtist, album_artist), track_number = COALESCE($track, track_number), " +
            "disc_number = COALESCE($disc, disc_number), year = COALESCE($year, year), genre = COALESCE($genre, genre), " +
            "codec = COALESCE($codec, codec), bitrate_kbps = COALESCE($bitrate, bitrate_kbps), " +
            "metadata_read_at = CASE WHEN $read THEN $now ELSE metadata_read_at END, " +
            "metadata_error = CASE WHEN $read THEN $error ELSE metadata_error END WHERE id = $id",
            transaction))
        {
            void Set(string name, object? value) => update.Parameters.AddWithValue(name, value ?? DBNull.Value);
            Set("$frames", decoded is null ? null : framesDuration);
            Set("$header", tags?.DurationSeconds);
            Set("$rate", decoded?.SampleRate);
            Set("$headerRate", tags?.SampleRate);
            Set("$channels", decoded?.Channels);
            Set("$headerChannels", tags?.Channels);
            Set("$format", decoded?.Format);
            Set("$headerFormat", tags?.Format);
            // The decoder's tags (libsndfile's string chunks) where TagLibSharp found none.
            Set("$title", tags?.Title ?? decoded?.Title);
            Set("$artist", tags?.Artist ?? decoded?.Artist);
            Set("$album", tags?.Album ?? decoded?.Album);
            Set("$albumArtist", tags?.AlbumArtist);
            Set("$track", tags?.TrackNumber);
            Set("$disc", tags?.DiscNumber);
            Set("$year", tags?.Year);
            Set("$genre", tags?.Genre);
            Set("$codec", tags?.Codec);
            Set("$bitrate", tags?.BitrateKbps);
            Set("$read", read is null ? 0 : 1);
            Set("$error", (read as TagReadResult.Unreadable)?.Message);
            Set("$now", now);
            Set("$id", id);
            Checked.One(database, update.ExecuteNonQuery(), $"store the metadata of track {id}");
        }

        TrackRepository.RefreshKeys(database, transaction, id);
    }
}
