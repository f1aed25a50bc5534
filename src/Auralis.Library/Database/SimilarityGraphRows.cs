using Microsoft.Data.Sqlite;

namespace Auralis.Library.Database;

/// <summary>Rows of <c>similarity_graph</c>: (track, neighbour, rank 1 = nearest, distance).</summary>
public sealed class SimilarityGraphRows(LibraryDatabase database)
{
    public IReadOnlyList<(long TrackId, long NeighborId, int Rank, double Distance)> Load()
    {
        using var command = database.Command("SELECT track_id, neighbor_id, rank, distance FROM similarity_graph ORDER BY track_id, rank");
        using var reader = command.ExecuteReader();
        var edges = new List<(long, long, int, double)>();
        while (reader.Read())
        {
            edges.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetDouble(3)));
        }

        return edges;
    }

    /// <summary>Replaces every edge in one transaction.</summary>
    public void Replace(IReadOnlyList<(long TrackId, long NeighborId, int Rank, double Distance)> edges) =>
        database.Write($"store the similarity graph ({edges.Count} edges)", transaction =>
        {
            using (var clear = database.Command("DELETE FROM similarity_graph", transaction))
            {
                clear.ExecuteNonQuery();
            }

            return Insert(transaction, edges);
        });

    /// <summary>Replaces the lists of the given tracks only, in one transaction.</summary>
    public void ReplaceLists(IReadOnlyCollection<long> trackIds, IReadOnlyList<(long TrackId, long NeighborId, int Rank, double Distance)> edges) =>
        database.Write($"update {trackIds.Count} similarity lists", transaction =>
        {
            using (var clear = database.Command("DELETE FROM similarity_graph WHERE track_id = $t", transaction))
            {
                var track = clear.Parameters.Add("$t", SqliteType.Integer);
                foreach (var id in trackIds)
                {
                    track.Value = id;
                    clear.ExecuteNonQuery();
                }
            }

            return Insert(transaction, edges);
        });

    private int Insert(SqliteTransaction transaction, IReadOnlyList<(long TrackId, long NeighborId, int Rank, double Distance)> edges)
    {
        using var insert = database.Command("INSERT INTO similarity_graph (track_id, neighbor_id, rank, distance) VALUES ($t, $n, $r, $d)", transaction);
        var t = insert.Parameters.Add("$t", SqliteType.Integer);
        var n = insert.Parameters.Add("$n", SqliteType.Integer);
        var r = insert.Parameters.Add("$r", SqliteType.Integer);
        var d = insert.Parameters.Add("$d", SqliteType.Real);
        foreach (var (track, neighbor, rank, distance) in edges)
        {
            (t.Value, n.Value, r.Value, d.Value) = (track, neighbor, rank, distance);
            Checked.One(database, insert.ExecuteNonQuery(), $"store graph edge {track} -> {neighbor}");
        }

        return edges.Count;
    }
}
