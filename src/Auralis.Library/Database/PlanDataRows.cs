using Auralis.Library.Plans;
using Auralis.Mastering;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Database;

/// <summary>
/// The <c>track_plan_data</c> rows (docs/database.md): the mastering planner's stored measurements
/// of a track, as the payload of docs/sidecar.md. A row always belongs to the track's current
/// fingerprint: the extraction writer replaces it, or deletes it, whenever it stores a fingerprint.
/// </summary>
public sealed class PlanDataRows(LibraryDatabase database)
{
    private const string UpsertSql =
        "INSERT INTO track_plan_data (track_id, data_version, fingerprint_hash, data, updated_at) VALUES ($track, $version, $hash, $data, $now) " +
        "ON CONFLICT(track_id) DO UPDATE SET data_version = excluded.data_version, fingerprint_hash = excluded.fingerprint_hash, data = excluded.data, updated_at = excluded.updated_at";

    /// <summary>
    /// The stored data of a track, or null when there is none or the row does not decode (a
    /// damaged or foreign row is as good as none: the stream plans fast, a rescan measures again);
    /// <paramref name="reason"/> says which.
    /// </summary>
    public StoredPlanData? Get(long trackId, out string reason)
    {
        using var command = database.Command("SELECT data FROM track_plan_data WHERE track_id = $track");
        command.Parameters.AddWithValue("$track", trackId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            reason = $"track {trackId} has no stored plan data";
            return null;
        }

        if (reader.IsDBNull(0) || reader.GetFieldType(0) != typeof(byte[]))
        {
            reason = $"track {trackId}'s stored plan data is not a blob";
            return null;
        }

        if (!PlanDataCodec.TryDecode((byte[])reader.GetValue(0), out var data, out var why))
        {
            reason = $"track {trackId}'s stored plan data is invalid: {why}";
            return null;
        }

        reason = "valid";
        return data;
    }

    public void Upsert(long trackId, StoredPlanData data) =>
        database.Write($"store plan data of track {trackId}", t => Upsert(database, t, trackId, data, LibraryDatabase.Now()));

    /// <summary>Stores (replaces) the row inside the caller's transaction; shared with the extraction writer.</summary>
    internal static int Upsert(LibraryDatabase database, SqliteTransaction transaction, long trackId, StoredPlanData data, string now)
    {
        using var upsert = database.Command(UpsertSql, transaction);
        upsert.Parameters.AddWithValue("$track", trackId);
        upsert.Parameters.AddWithValue("$version", data.DataVersion);
        upsert.Parameters.AddWithValue("$hash", (long)data.FingerprintHash);
        upsert.Parameters.AddWithValue("$data", PlanDataCodec.Encode(data));
        upsert.Parameters.AddWithValue("$now", now);
        return Checked.One(database, upsert.ExecuteNonQuery(), $"store plan data of track {trackId}");
    }

    /// <summary>Removes the row inside the caller's transaction (the fingerprint it was measured against is being replaced).</summary>
    internal static void Delete(LibraryDatabase database, SqliteTransaction transaction, long trackId)
    {
        using var delete = database.Command("DELETE FROM track_plan_data WHERE track_id = $track", transaction);
        delete.Parameters.AddWithValue("$track", trackId);
        delete.ExecuteNonQuery();
    }
}
