using System.Globalization;

namespace Auralis.Library.Database;

/// <summary>The stored similarity normalizer: per dimension the 5th and 95th percentile, and when and on how many tracks it was fitted.</summary>
public sealed record StoredNormalizer(float[] Low, float[] High, string FittedAt, int TrackCount);

/// <summary>Reads and replaces the <c>similarity_normalizer</c> rows.</summary>
public sealed class NormalizerRows(LibraryDatabase database)
{
    public StoredNormalizer? Load()
    {
        var names = Schema.Dimensions;
        var low = new float[names.Count];
        var high = new float[names.Count];
        var found = 0;
        string fittedAt = "";
        var count = 0;
        using var command = database.Command("SELECT dimension, low, high, fitted_at, track_count FROM similarity_normalizer");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var index = names.ToList().IndexOf(reader.GetString(0));
            if (index < 0)
            {
                continue; // a dimension this version does not know
            }

            (low[index], high[index]) = ((float)reader.GetDouble(1), (float)reader.GetDouble(2));
            fittedAt = reader.GetString(3);
            count = reader.GetInt32(4);
            found++;
        }

        // A partial set (another fingerprint version's dimensions) is as good as none.
        return found == names.Count ? new StoredNormalizer(low, high, fittedAt, count) : null;
    }

    /// <summary>Replaces the stored normalizer in one transaction.</summary>
    public void Save(ReadOnlySpan<float> low, ReadOnlySpan<float> high, int trackCount)
    {
        var (lowCopy, highCopy) = (low.ToArray(), high.ToArray());
        database.Write("store the similarity normalizer", transaction =>
        {
            using (var clear = database.Command("DELETE FROM similarity_normalizer", transaction))
            {
                clear.ExecuteNonQuery();
            }

            using var insert = database.Command(
                "INSERT INTO similarity_normalizer (dimension, low, high, fitted_at, track_count) VALUES ($d, $l, $h, $t, $n)", transaction);
            insert.Parameters.AddWithValue("$t", LibraryDatabase.Now());
            insert.Parameters.AddWithValue("$n", trackCount);
            var d = insert.Parameters.Add("$d", Microsoft.Data.Sqlite.SqliteType.Text);
            var l = insert.Parameters.Add("$l", Microsoft.Data.Sqlite.SqliteType.Real);
            var h = insert.Parameters.Add("$h", Microsoft.Data.Sqlite.SqliteType.Real);
            for (var i = 0; i < Schema.Dimensions.Count; i++)
            {
                (d.Value, l.Value, h.Value) = (Schema.Dimensions[i], (double)lowCopy[i], (double)highCopy[i]);
                Checked.One(database, insert.ExecuteNonQuery(), $"store the normalizer of {Schema.Dimensions[i]}");
            }

            return Convert.ToInt32(trackCount, CultureInfo.InvariantCulture);
        });
    }
}
