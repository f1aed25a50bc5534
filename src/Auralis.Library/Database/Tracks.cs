using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Database;

public enum FingerprintStatus
{
    Pending,
    Processing,
    Complete,
    Error,

    /// <summary>
    /// Not fingerprinted, on purpose (migration 6): the audio is shorter than the analysis needs.
    /// The reason is in the error message column; it is not a failure and is not retried until
    /// the file changes.
    /// </summary>
    Skipped,
}

/// <summary>A row of <c>tracks</c>.</summary>
public sealed record TrackRecord(
    long Id,
    string FilePath,
    long SizeBytes,
    long MtimeNs,
    double? DurationSeconds,
    int? SampleRate,
    int? Channels,
    string? Format,
    string? Title,
    string? Artist,
    string? Album,
    string AddedAt,
    string UpdatedAt,
    FingerprintStatus Status,
    string? FingerprintComputedAt,
    string? FingerprintErrorMessage,
    int FingerprintAttempts)
{
    // Migration 5's columns (docs/database.md): init-only, so the positional constructor that
    // callers and tests use stays as it was.
    public string? AlbumArtist { get; init; }

    public int? TrackNumber { get; init; }

    public int? DiscNumber { get; init; }

    public int? Year { get; init; }

    public string? Genre { get; init; }

    public string? Codec { get; init; }

    public int? BitrateKbps { get; init; }

    /// <summary>"frames" (counted while decoding) or "header" (the format's header, not decoded); null without a duration.</summary>
    public string? DurationSource { get; init; }

    /// <summary>When the tags were last read (null: not yet; the next scan reads them).</summary>
    public string? MetadataReadAt { get; init; }

    /// <summary>Why the tags could not be read the last time, naming the file; null when they were.</summary>
    public string? MetadataError { get; init; }

    /// <summary>The name the track is shown by: its title, else its file name without the extension.</summary>
    public string ShownName => TextFold.ShownName(FilePath, Title);
}

/// <summary>Track rows: what the scanner adds, changes and removes, and the status of each fingerprint.</summary>
public sealed class TrackRepository(LibraryDatabase database)
{
    private const string Columns =
        "id, filepath, size_bytes, mtime_ns, duration_s, sample_rate, channels, format, title, artist, album, added_at, updated_at, " +
        "fingerprint_status, fingerprint_computed_at, fingerprint_error_message, fingerprint_attempts, " +
        "album_artist, track_number, disc_number, year, genre, codec, bitrate_kbps, duration_source, metadata_read_at, metadata_error";

    /// <summary>How many columns <see cref="Columns"/> names (Search reads its own after them).</summary>
    private const int ColumnCount = 27;

    /// <summary>Adds a new file (status pending) and returns its id.</summary>
    public long Add(string filePath, long sizeBytes, long mtimeNs) => database.Write($"add track {filePath}", transaction =>
    {
        var now = LibraryDatabase.Now();
        using var command = database.Command(
            "INSERT INTO tracks (filepath, size_bytes, mtime_ns, added_at, updated_at, search_key, sort_name) VALUES ($p, $s, $m, $now, $now, $k, $n) RETURNING id",
            transaction);
        command.Parameters.AddWithValue("$p", filePath);
        command.Parameters.AddWithValue("$k", TextFold.SearchKey(filePath, null, null, null, null));
        command.Parameters.AddWithValue("$n", TextFold.SortName(filePath, null));
        command.Parameters.AddWithValue("$s", sizeBytes);
        command.Parameters.AddWithValue("$m", mtimeNs);
        command.Parameters.AddWithValue("$now", now);
        return Convert.ToInt64(command.ExecuteScalar() ?? throw new LibraryDatabaseException(database.Path, $"add track {filePath}", "no id returned"), CultureInfo.InvariantCulture);
    });

    public TrackRecord? Get(long id) => QuerySingle("WHERE id = $v", id);

    public TrackRecord? GetByPath(string filePath) => QuerySingle("WHERE filepath = $v", filePath);

    /// <summary>A page of tracks in id order.</summary>
    public IReadOnlyList<TrackRecord> List(int limit, int offset = 0)
    {
        using var command = database.Command($"SELECT {Columns} FROM tracks ORDER BY id LIMIT $limit OFFSET $offset");
        command.Parameters.AddWithValue("$limit", limit);
        command.Parameters.AddWithValue("$offset", offset);
        return Read(command);
    }

    public long Count() => Convert.ToInt64(database.Scalar("SELECT COUNT(*) FROM tracks"), CultureInfo.InvariantCulture);

    /// <summary>Tracks per fingerprint status (every status present, zero when none).</summary>
    public IReadOnlyDictionary<FingerprintStatus, long> CountByStatus()
    {
        var counts = Enum.GetValues<FingerprintStatus>().ToDictionary(s => s, _ => 0L);
        using var command = database.Command("SELECT fingerprint_status, COUNT(*) FROM tracks GROUP BY fingerprint_status");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            counts[ParseStatus(reader.GetString(0))] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>Tracks per status among those under <paramref name="roots"/> (all tracks when null).</summary>
    public IReadOnlyDictionary<FingerprintStatus, long> CountByStatus(IReadOnlyList<string>? roots)
    {
        if (roots is null)
        {
            return CountByStatus();
        }

        var counts = Enum.GetValues<FingerprintStatus>().ToDictionary(s => s, _ => 0L);
        foreach (var (path, status, _) in StatusRows())
        {
            if (IsUnder(path, roots))
            {
                counts[status]++;
            }
        }

        return counts;
    }

    /// <summary>Every track in error (under <paramref name="roots"/> when given), with its message, in path order.</summary>
    public IReadOnlyList<(string Path, string Message)> Failures(IReadOnlyList<string>? roots = null) =>
        StatusRows()
            .Where(r => r.Status == FingerprintStatus.Error && (roots is null || IsUnder(r.Path, roots)))
            .Select(r => (r.Path, r.Message ?? "(no message)"))
            .OrderBy(r => r.Path, StringComparer.Ordinal)
            .ToList();

    private static bool IsUnder(string path, IReadOnlyList<string> roots) =>
        roots.Any(root => path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    private List<(string Path, FingerprintStatus Status, string? Message)> StatusRows()
    {
        using var command = database.Command("SELECT filepath, fingerprint_status, fingerprint_error_message FROM tracks");
        using var reader = command.ExecuteReader();
        var rows = new List<(string, FingerprintStatus, string?)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), ParseStatus(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return rows;
    }

    /// <summary>Tracks in a status, in id order.</summary>
    public IReadOnlyList<TrackRecord> WithStatus(FingerprintStatus status, int limit = int.MaxValue)
    {
        using var command = database.Command($"SELECT {Columns} FROM tracks WHERE fingerprint_status = $s ORDER BY id LIMIT $limit");
        command.Parameters.AddWithValue("$s", StatusText(status));
        command.Parameters.AddWithValue("$limit", limit);
        return Read(command);
    }

    /// <summary>
    /// The file changed (size or mtime): record the new signature, drop its fingerprint and mark it
    /// pending, in one transaction.
    /// </summary>
    public void MarkChanged(long id, long sizeBytes, long mtimeNs) =>
        ApplyScan([], [(id, new Sidecars.AudioFileSignature(sizeBytes, mtimeNs))], []);

    /// <summary>Sets a track's status; an error keeps its message and counts an attempt.</summary>
    public void SetStatus(long id, FingerprintStatus status, string? errorMessage = null) => database.Write($"set status of track {id}", transaction =>
        SetStatus(database, transaction, id, StatusText(status), errorMessage, LibraryDatabase.Now(), $"set status of track {id}"));

    /// <summary>
    /// The status update inside a caller's transaction (also the extraction writer's): an error
    /// keeps its message, counts an attempt and records the decoder generation that made it.
    /// </summary>
    internal static int SetStatus(LibraryDatabase database, SqliteTransaction transaction, long id, string status, string? errorMessage, string now, string what)
    {
        using var command = database.Command(
            "UPDATE tracks SET fingerprint_status = $s, fingerprint_error_message = $e, updated_at = $now, " +
            "fingerprint_attempts = fingerprint_attempts + (CASE WHEN $s = 'error' THEN 1 ELSE 0 END), " +
            "fingerprint_error_generation = (CASE WHEN $s = 'error' THEN $generation ELSE fingerprint_error_generation END) WHERE id = $id",
            transaction);
        command.Parameters.AddWithValue("$s", status);
        command.Parameters.AddWithValue("$generation", Auralis.Audio.AudioDecoder.Generation);
        command.Parameters.AddWithValue("$e", (object?)errorMessage ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$id", id);
        return Checked.One(database, command.ExecuteNonQuery(), what);
    }

    /// <summary>Returns tracks a crash left in 'processing' to 'pending'; the count returned.</summary>
    public int ResetProcessing() => database.Write("reset processing tracks", transaction =>
    {
        using var command = database.Command(
            "UPDATE tracks SET fingerprint_status = 'pending', updated_at = $now WHERE fingerprint_status = 'processing'", transaction);
        command.Parameters.AddWithValue("$now", LibraryDatabase.Now());
        return command.ExecuteNonQuery();
    });

    /// <summary>Removes a track (its fingerprint and graph edges go with it, by cascade).</summary>
    public bool Delete(long id) => database.Write($"delete track {id}", transaction =>
    {
        using var command = database.Command("DELETE FROM tracks WHERE id = $id", transaction);
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() == 1;
    });

    /// <summary>
    /// What a scan compares against: every track under <paramref name="roots"/>, and the rows whose
    /// file path is empty or relative (no file can match them; an earlier version's scan left them
    /// for paths over PATH_MAX).
    /// </summary>
    public KnownTracks Known(IReadOnlyList<string> roots) => Known(roots, null, null);

    /// <summary>
    /// <see cref="Known(IReadOnlyList{string})"/>, plus the tracks at <paramref name="alsoAt"/>
    /// (files found under the roots whose real path lies elsewhere: a link out of a root).
    /// </summary>
    public KnownTracks Known(IReadOnlyList<string> roots, IReadOnlySet<string>? alsoAt) => Known(roots, alsoAt, null);

    private KnownTracks Known(IReadOnlyList<string> roots, IReadOnlySet<string>? alsoAt, SqliteTransaction? transaction)
    {
        var under = new Dictionary<string, KnownTrack>(StringComparer.Ordinal);
        var invalid = new List<long>();
        using var command = database.Command("SELECT id, filepath, size_bytes, mtime_ns, fingerprint_status, fingerprint_error_message, content_hash FROM tracks", transaction);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var path = reader.GetString(1);
            if (path.Length == 0 || !Path.IsPathRooted(path))
            {
                invalid.Add(reader.GetInt64(0));
            }
            else if (IsUnder(path, roots) || alsoAt?.Contains(path) == true)
            {
                under[path] = new KnownTrack(
                    reader.GetInt64(0),
                    new Sidecars.AudioFileSignature(reader.GetInt64(2), reader.GetInt64(3)),
                    ParseStatus(reader.GetString(4)),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetInt64(6));
            }
        }

        return new KnownTracks(under, invalid);
    }

    /// <summary>
    /// Applies a scan in one write transaction. <paramref name="plan"/> is made from the tracks as
    /// they are inside that transaction, so a change another writer committed since the caller
    /// last looked is planned against, not collided with.
    /// </summary>
    public ScanPlan ApplyScan(IReadOnlyList<string> roots, Func<KnownTracks, ScanPlan> plan, string operation) =>
        ApplyScan(roots, null, plan, operation);

    /// <summary><see cref="ApplyScan(IReadOnlyList{string}, Func{KnownTracks, ScanPlan}, string)"/> with the tracks at <paramref name="alsoAt"/> known too.</summary>
    public ScanPlan ApplyScan(IReadOnlyList<string> roots, IReadOnlySet<string>? alsoAt, Func<KnownTracks, ScanPlan> plan, string operation) => database.Write(operation, transaction =>
    {
        ArgumentNullException.ThrowIfNull(plan);
        var applied = plan(Known(roots, alsoAt, transaction));

        // Removals first and moves before additions: a path is never held by two rows at once.
        Apply(transaction, [], [], [.. applied.Removed, .. applied.Invalid]);
        Move(transaction, applied.Moved);
        Apply(transaction, applied.Added, applied.Changed, []);
        MarkUnreadable(transaction, applied.AddedErrors, applied.Errored);
        StoreContentHashes(transaction, applied.ContentHashes);
        return applied;
    });

    /// <summary>
    /// A moved or renamed file keeps its row (id, fingerprint, plan data, graph edges, status):
    /// only its path and file signature change.
    /// </summary>
    private void Move(SqliteTransaction transaction, IReadOnlyList<ScanMove> moves)
    {
        using var update = database.Command("UPDATE tracks SET filepath = $p, size_bytes = $s, mtime_ns = $m, updated_at = $now WHERE id = $id", transaction);
        update.Parameters.AddWithValue("$now", LibraryDatabase.Now());
        var p = update.Parameters.Add("$p", SqliteType.Text);
        var s = update.Parameters.Add("$s", SqliteType.Integer);
        var m = update.Parameters.Add("$m", SqliteType.Integer);
        var id = update.Parameters.Add("$id", SqliteType.Integer);
        foreach (var move in moves)
        {
            (p.Value, s.Value, m.Value, id.Value) = (RequirePath(move.NewPath), move.Signature.SizeBytes, move.Signature.MtimeNs, move.Id);
            Checked.One(database, update.ExecuteNonQuery(), $"move track {move.Id} from {move.OldPath} to {move.NewPath}");
        }
    }

    private void StoreContentHashes(SqliteTransaction transaction, IReadOnlyList<(string Path, long Hash)> hashes)
    {
        using var update = database.Command("UPDATE tracks SET content_hash = $h WHERE filepath = $p", transaction);
        var p = update.Parameters.Add("$p", SqliteType.Text);
        var h = update.Parameters.Add("$h", SqliteType.Integer);
        foreach (var (path, hash) in hashes)
        {
            (p.Value, h.Value) = (path, hash);
            Checked.One(database, update.ExecuteNonQuery(), $"store the content signature of {path}");
        }
    }

    /// <summary>Every track whose file is <paramref name="path"/> or lies under it, in path order.</summary>
    public IReadOnlyList<TrackRecord> AtOrUnder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var command = database.Command($"SELECT {Columns} FROM tracks WHERE filepath = $p OR substr(filepath, 1, length($prefix)) = $prefix ORDER BY filepath");
        command.Parameters.AddWithValue("$p", path);
        command.Parameters.AddWithValue("$prefix", path + Path.DirectorySeparatorChar);
        return Read(command);
    }

    /// <summary>
    /// Removes tracks in one transaction: their fingerprints, plan data and graph edges (both
    /// directions) go with them by ON DELETE CASCADE. Returns how many rows were removed.
    /// </summary>
    public int Forget(IReadOnlyList<long> ids) => database.Write($"forget {ids.Count} tracks", transaction =>
    {
        using var delete = database.Command("DELETE FROM tracks WHERE id = $id", transaction);
        var id = delete.Parameters.Add("$id", SqliteType.Integer);
        var removed = 0;
        foreach (var track in ids)
        {
            id.Value = track;
            removed += delete.ExecuteNonQuery();
        }

        return removed;
    });

    /// <summary>
    /// Applies a scan's differences in one transaction: adds new files (pending), marks changed
    /// files pending without their fingerprint, and removes vanished ones.
    /// </summary>
    public void ApplyScan(
        IReadOnlyList<(string Path, Sidecars.AudioFileSignature Signature)> added,
        IReadOnlyList<(long Id, Sidecars.AudioFileSignature Signature)> changed,
        IReadOnlyList<long> removed) => database.Write($"record a scan ({added.Count} new, {changed.Count} changed, {removed.Count} removed)", transaction =>
        Apply(transaction, added, changed, removed));

    private int Apply(
        SqliteTransaction transaction,
        IReadOnlyList<(string Path, Sidecars.AudioFileSignature Signature)> added,
        IReadOnlyList<(long Id, Sidecars.AudioFileSignature Signature)> changed,
        IReadOnlyList<long> removed)
    {
        var now = LibraryDatabase.Now();
        using var insert = database.Command(
            "INSERT INTO tracks (filepath, size_bytes, mtime_ns, added_at, updated_at, search_key, sort_name) VALUES ($p, $s, $m, $now, $now, $k, $n)", transaction);
        insert.Parameters.AddWithValue("$now", now);
        var p = insert.Parameters.Add("$p", SqliteType.Text);
        var s = insert.Parameters.Add("$s", SqliteType.Integer);
        var m = insert.Parameters.Add("$m", SqliteType.Integer);
        var k = insert.Parameters.Add("$k", SqliteType.Text);
        var n = insert.Parameters.Add("$n", SqliteType.Text);
        foreach (var (path, signature) in added)
        {
            (p.Value, s.Value, m.Value) = (RequirePath(path), signature.SizeBytes, signature.MtimeNs);
            (k.Value, n.Value) = (TextFold.SearchKey(path, null, null, null, null), TextFold.SortName(path, null));
            Checked.One(database, insert.ExecuteNonQuery(), $"add track {path}");
        }

        using var drop = database.Command("DELETE FROM track_fingerprints WHERE track_id = $id", transaction);
        var dropId = drop.Parameters.Add("$id", SqliteType.Integer);
        using var update = database.Command(
            "UPDATE tracks SET size_bytes = $s, mtime_ns = $m, updated_at = $now, fingerprint_status = 'pending', " +
            "fingerprint_computed_at = NULL, fingerprint_error_message = NULL, fingerprint_attempts = 0, content_hash = NULL, " +
            // Another file now: its duration is measured again, its tags read again (kept until
            // then, and not replaced by NULL: the completion COALESCEs).
            "duration_s = NULL, duration_source = NULL, metadata_read_at = NULL, metadata_error = NULL WHERE id = $id", transaction);
        update.Parameters.AddWithValue("$now", now);
        var us = update.Parameters.Add("$s", SqliteType.Integer);
        var um = update.Parameters.Add("$m", SqliteType.Integer);
        var uid = update.Parameters.Add("$id", SqliteType.Integer);
        foreach (var (id, signature) in changed)
        {
            dropId.Value = id;
            drop.ExecuteNonQuery();
            (us.Value, um.Value, uid.Value) = (signature.SizeBytes, signature.MtimeNs, id);
            Checked.One(database, update.ExecuteNonQuery(), $"mark track {id} changed");
        }

        using var delete = database.Command("DELETE FROM tracks WHERE id = $id", transaction);
        var did = delete.Parameters.Add("$id", SqliteType.Integer);
        foreach (var id in removed)
        {
            did.Value = id;
            Checked.One(database, delete.ExecuteNonQuery(), $"remove track {id}");
        }

        return added.Count + changed.Count + removed.Count;
    }

    /// <summary>
    /// Files the scan must not or cannot read become error tracks with their cause: new ones are
    /// added so, known ones lose their fingerprint and tags (whatever was read from them before is
    /// not to be served).
    /// </summary>
    private void MarkUnreadable(
        SqliteTransaction transaction,
        IReadOnlyList<(string Path, string Message)> added,
        IReadOnlyList<(long Id, string Message)> errored)
    {
        // These errors are the scan's own verdict, made again by every sync; the current decoder
        // generation keeps the extraction queue from retrying them as if a decoder had failed.
        var now = LibraryDatabase.Now();
        using var insert = database.Command(
            "INSERT INTO tracks (filepath, size_bytes, mtime_ns, added_at, updated_at, fingerprint_status, fingerprint_error_message, fingerprint_attempts, fingerprint_error_generation, search_key, sort_name) " +
            "VALUES ($p, 0, 0, $now, $now, 'error', $e, 1, $generation, $k, $n)", transaction);
        insert.Parameters.AddWithValue("$now", now);
        insert.Parameters.AddWithValue("$generation", Auralis.Audio.AudioDecoder.Generation);
        var p = insert.Parameters.Add("$p", SqliteType.Text);
        var e = insert.Parameters.Add("$e", SqliteType.Text);
        var k = insert.Parameters.Add("$k", SqliteType.Text);
        var n = insert.Parameters.Add("$n", SqliteType.Text);
        foreach (var (path, message) in added)
        {
            (p.Value, e.Value) = (RequirePath(path), message);
            (k.Value, n.Value) = (TextFold.SearchKey(path, null, null, null, null), TextFold.SortName(path, null));
            Checked.One(database, insert.ExecuteNonQuery(), $"add track {path}");
        }

        using var drop = database.Command("DELETE FROM track_fingerprints WHERE track_id = $id", transaction);
        var dropId = drop.Parameters.Add("$id", SqliteType.Integer);
        using var update = database.Command(
            "UPDATE tracks SET size_bytes = 0, mtime_ns = 0, updated_at = $now, fingerprint_status = 'error', fingerprint_error_message = $e, " +
            "fingerprint_attempts = fingerprint_attempts + 1, fingerprint_error_generation = $generation, fingerprint_computed_at = NULL, duration_s = NULL, " +
            "sample_rate = NULL, channels = NULL, format = NULL, title = NULL, artist = NULL, album = NULL, album_artist = NULL, track_number = NULL, " +
            "disc_number = NULL, year = NULL, genre = NULL, codec = NULL, bitrate_kbps = NULL, duration_source = NULL, metadata_error = NULL, " +
            "metadata_read_at = NULL WHERE id = $id", transaction);
        update.Parameters.AddWithValue("$now", now);
        update.Parameters.AddWithValue("$generation", Auralis.Audio.AudioDecoder.Generation);
        var ue = update.Parameters.Add("$e", SqliteType.Text);
        var uid = update.Parameters.Add("$id", SqliteType.Integer);
        foreach (var (id, message) in errored)
        {
            dropId.Value = id;
            drop.ExecuteNonQuery();
            (ue.Value, uid.Value) = (message, id);
            Checked.One(database, update.ExecuteNonQuery(), $"mark track {id} unreadable");
            RefreshKeys(database, transaction, id);
        }
    }

    /// <summary>A track's path is never empty (an earlier version stored empty paths for over-long ones): refuse it loudly.</summary>
    private string RequirePath(string path) =>
        path.Length > 0 && Path.IsPathRooted(path) ? path : throw new LibraryDatabaseException(database.Path, "add track", $"'{path}' is not a full file path");

    internal static string StatusText(FingerprintStatus status) => status.ToString().ToLowerInvariant();

    internal static FingerprintStatus ParseStatus(string text) => text switch
    {
        "pending" => FingerprintStatus.Pending,
        "processing" => FingerprintStatus.Processing,
        "complete" => FingerprintStatus.Complete,
        "error" => FingerprintStatus.Error,
        "skipped" => FingerprintStatus.Skipped,
        _ => throw new InvalidDataException($"unknown fingerprint_status '{text}'"),
    };

    /// <summary>
    /// A page of tracks whose title, artist, album, album artist or path contains
    /// <paramref name="text"/> (null or empty matches all), sorted by <paramref name="sort"/>, with
    /// the total number of matches and each track's loudness and crest factor when it has a
    /// fingerprint (the library map plots those). Matching compares <see cref="TextFold"/> folds:
    /// case, accents and the difference between '_', '-' and spaces do not count. Tracks without
    /// the sorted value come last in both directions; ties are ordered by the name shown.
    /// </summary>
    public TrackPage Search(string? text, TrackSort sort, bool descending, int limit, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var query = TextFold.Fold(text);
        // Rows no scan has given keys yet (written before migration 5) match on their path and tags,
        // folded by SQLite's ASCII lower(), until the next scan writes their keys.
        var where = query.Length == 0
            ? ""
            : "WHERE instr(COALESCE(t.search_key, lower(COALESCE(t.title, '') || ' ' || COALESCE(t.artist, '') || ' ' || COALESCE(t.album, '') || ' ' || t.filepath)), $q) > 0";
        const string shown = "COALESCE(t.sort_name, lower(COALESCE(t.title, t.filepath)))";
        var key = sort switch
        {
            TrackSort.Path => "t.filepath",
            TrackSort.Title => shown,
            TrackSort.Artist => $"t.artist COLLATE {TextFold.Collation}",
            TrackSort.Album => $"t.album COLLATE {TextFold.Collation}",
            TrackSort.Duration => "t.duration_s",
            TrackSort.Status => "t.fingerprint_status",
            TrackSort.Lufs => "f.lufs",
            TrackSort.Crest => "f.crest_db",
            _ => "t.id",
        };
        var direction = descending ? "DESC" : "ASC";
        // NULLs first in ascending SQLite order, last in descending: the IS NULL term puts them last in both.
        var order = $"({key.Replace($" COLLATE {TextFold.Collation}", "", StringComparison.Ordinal)}) IS NULL, {key} {direction}, {shown} {direction}, t.id {direction}";

        using var count = database.Command($"SELECT COUNT(*) FROM tracks t {where}");
        using var page = database.Command(
            $"SELECT {string.Join(", ", Columns.Split(", ").Select(c => "t." + c))}, f.lufs, f.crest_db FROM tracks t " +
            $"LEFT JOIN track_fingerprints f ON f.track_id = t.id AND {FingerprintRepository.InRangeF} {where} ORDER BY {order} LIMIT $limit OFFSET $offset");
        if (query.Length > 0)
        {
            count.Parameters.AddWithValue("$q", query);
            page.Parameters.AddWithValue("$q", query);
        }

        page.Parameters.AddWithValue("$limit", limit);
        page.Parameters.AddWithValue("$offset", offset);
        var total = Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        var rows = new List<TrackSummary>();
        using (var r = page.ExecuteReader())
        {
            while (r.Read())
            {
                rows.Add(new TrackSummary(ReadRecord(r), r.IsDBNull(ColumnCount) ? null : r.GetDouble(ColumnCount), r.IsDBNull(ColumnCount + 1) ? null : r.GetDouble(ColumnCount + 1)));
            }
        }

        return new TrackPage(total, rows);
    }

    /// <summary>
    /// Writes a track's search and sort keys from its row as it is now, inside the caller's
    /// transaction: after anything that changed its title, artist, album or album artist.
    /// </summary>
    internal static void RefreshKeys(LibraryDatabase database, SqliteTransaction transaction, long id)
    {
        string path;
        string? title, artist, album, albumArtist;
        using (var read = database.Command("SELECT filepath, title, artist, album, album_artist FROM tracks WHERE id = $id", transaction))
        {
            read.Parameters.AddWithValue("$id", id);
            using var r = read.ExecuteReader();
            if (!r.Read())
            {
                throw new LibraryDatabaseException(database.Path, $"update the search keys of track {id}", "no such track");
            }

            path = r.GetString(0);
            (title, artist, album, albumArtist) = (Text(r, 1), Text(r, 2), Text(r, 3), Text(r, 4));
        }

        using var update = database.Command("UPDATE tracks SET search_key = $k, sort_name = $n WHERE id = $id", transaction);
        update.Parameters.AddWithValue("$k", TextFold.SearchKey(path, title, artist, album, albumArtist));
        update.Parameters.AddWithValue("$n", TextFold.SortName(path, title));
        update.Parameters.AddWithValue("$id", id);
        Checked.One(database, update.ExecuteNonQuery(), $"update the search keys of track {id}");
    }

    private static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static int? Int(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private TrackRecord? QuerySingle(string where, object value)
    {
        using var command = database.Command($"SELECT {Columns} FROM tracks {where}");
        command.Parameters.AddWithValue("$v", value);
        return Read(command).SingleOrDefault();
    }

    private static List<TrackRecord> Read(SqliteCommand command)
    {
        var list = new List<TrackRecord>();
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            list.Add(ReadRecord(r));
        }

        return list;
    }

    private static TrackRecord ReadRecord(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetInt64(2),
        r.GetInt64(3),
        r.IsDBNull(4) ? null : r.GetDouble(4),
        r.IsDBNull(5) ? null : r.GetInt32(5),
        r.IsDBNull(6) ? null : r.GetInt32(6),
        r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? null : r.GetString(8),
        r.IsDBNull(9) ? null : r.GetString(9),
        r.IsDBNull(10) ? null : r.GetString(10),
        r.GetString(11),
        r.GetString(12),
        ParseStatus(r.GetString(13)),
        r.IsDBNull(14) ? null : r.GetString(14),
        r.IsDBNull(15) ? null : r.GetString(15),
        r.GetInt32(16))
    {
        AlbumArtist = Text(r, 17),
        TrackNumber = Int(r, 18),
        DiscNumber = Int(r, 19),
        Year = Int(r, 20),
        Genre = Text(r, 21),
        Codec = Text(r, 22),
        BitrateKbps = Int(r, 23),
        DurationSource = Text(r, 24),
        MetadataReadAt = Text(r, 25),
        MetadataError = Text(r, 26),
    };
}

/// <summary>A track as a scan compares it with the file on disk.</summary>
/// <param name="ContentHash">The content signature (docs/scanning.md), null until a scan computed it.</param>
public sealed record KnownTrack(long Id, Sidecars.AudioFileSignature Signature, FingerprintStatus Status, string? ErrorMessage, long? ContentHash = null);

/// <summary>A track whose file was found at another path with the same content signature.</summary>
public sealed record ScanMove(long Id, string OldPath, string NewPath, Sidecars.AudioFileSignature Signature);

/// <summary>The tracks under a scan's folders, and the rows no file can match (empty or relative paths).</summary>
public sealed record KnownTracks(IReadOnlyDictionary<string, KnownTrack> Under, IReadOnlyList<long> Invalid);

/// <summary>What a scan changes; every list may be empty.</summary>
public sealed record ScanPlan(
    IReadOnlyList<(string Path, Sidecars.AudioFileSignature Signature)> Added,
    IReadOnlyList<(long Id, Sidecars.AudioFileSignature Signature)> Changed,
    IReadOnlyList<long> Removed,
    IReadOnlyList<(string Path, string Message)> AddedErrors,
    IReadOnlyList<(long Id, string Message)> Errored,
    IReadOnlyList<long> Invalid)
{
    /// <summary>Tracks whose file moved (or was reached by another path before): the row is kept, its path changes.</summary>
    public IReadOnlyList<ScanMove> Moved { get; init; } = [];

    /// <summary>Content signatures to store (new, changed, moved files and rows that had none yet), by path.</summary>
    public IReadOnlyList<(string Path, long Hash)> ContentHashes { get; init; } = [];

    /// <summary>Tracks under the roots that the exclusions now leave out: kept, and reported.</summary>
    public IReadOnlyList<string> Excluded { get; init; } = [];

    public bool IsEmpty => Added.Count + Changed.Count + Removed.Count + AddedErrors.Count + Errored.Count + Invalid.Count + Moved.Count + ContentHashes.Count == 0;
}

/// <summary>Sort keys of <see cref="TrackRepository.Search"/>.</summary>
public enum TrackSort
{
    Id,
    Path,
    Title,
    Artist,
    Album,
    Duration,
    Status,
    Lufs,
    Crest,
}

/// <summary>A track with the two fingerprint values the library views show.</summary>
public sealed record TrackSummary(TrackRecord Track, double? Lufs, double? CrestDb);

/// <summary>One page of a search and the number of all matches.</summary>
public sealed record TrackPage(long Total, IReadOnlyList<TrackSummary> Tracks);

/// <summary>Every write is checked: a statement that should change one row and did not is an error.</summary>
internal static class Checked
{
    public static int One(LibraryDatabase database, int rows, string operation) =>
        rows == 1 ? rows : throw new LibraryDatabaseException(database.Path, operation, $"expected to change 1 row, changed {rows}");
}
