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
    /// </summary>
    public sealed record Completed(long TrackId, Fingerprint Fingerprint, AudioInfo? Audio, double? DurationSeconds, StoredPlanData? Plan = null) : TrackEvent(TrackId);

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

        using var track = database.Command(
            "UPDATE tracks SET fingerprint_status = 'complete', fingerprint_computed_at = $now, fingerprint_error_message = NULL, updated_at = $now, " +
            "duration_s = COALESCE($duration, duration_s), sample_rate = COALESCE($rate, sample_rate), channels = COALESCE($channels, channels), " +
            "format = COALESCE($format, format), title = COALESCE($title, title), artist = COALESCE($artist, artist), album = COALESCE($album, album) " +
            "WHERE id = $id",
            transaction);
        track.Parameters.AddWithValue("$now", now);
        track.Parameters.AddWithValue("$duration", (object?)c.DurationSeconds ?? DBNull.Value);
        track.Parameters.AddWithValue("$rate", (object?)c.Audio?.SampleRate ?? DBNull.Value);
        track.Parameters.AddWithValue("$channels", (object?)c.Audio?.Channels ?? DBNull.Value);
        track.Parameters.AddWithValue("$format", (object?)c.Audio?.Format ?? DBNull.Value);
        track.Parameters.AddWithValue("$title", (object?)c.Audio?.Title ?? DBNull.Value);
        track.Parameters.AddWithValue("$artist", (object?)c.Audio?.Artist ?? DBNull.Value);
        track.Parameters.AddWithValue("$album", (object?)c.Audio?.Album ?? DBNull.Value);
        track.Parameters.AddWithValue("$id", c.TrackId);
        Checked.One(database, track.ExecuteNonQuery(), $"mark track {c.TrackId} complete");
    }
}
