using System.Globalization;
using System.Text.Json;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Provider;
using Auralis.Server.Hosting;
using Auralis.Server.Security;
using Auralis.Similarity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Auralis.Server.Api;

/// <summary>
/// The HTTP/JSON API (docs/server.md): health, tracks (paging, search, sort), a track's
/// fingerprint, similar tracks, and scans (start, follow). Names are snake_case as in the CLI's
/// JSON. Errors are <c>{"error": {"status", "message"}}</c> with the matching HTTP status.
/// </summary>
internal static class JsonApi
{
    public const int MaxPageSize = 500;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = false,
    };

    public static void Map(IEndpointRouteBuilder app, ServerLibrary library)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/health", () => Ok(Health(library)));
        api.MapGet("/tracks", (HttpRequest request) => ListTracks(library, request));
        api.MapGet("/tracks/{id:long}", (long id) =>
            library.Database.Use(db => new TrackRepository(db).Get(id)) is { } track
                ? Ok(TrackJson(track, null, null))
                : Error(StatusCodes.Status404NotFound, $"no track {id}"));
        api.MapGet("/tracks/{id:long}/fingerprint", (long id, CancellationToken token) => TrackFingerprint(library, id, token));
        api.MapGet("/tracks/{id:long}/similar", (long id, HttpRequest request) => Similar(library, id, request));
        api.MapGet("/playlist", (HttpRequest request) => MakePlaylist(library, request));
        api.MapGet("/artists", () => Ok(new
        {
            artists = library.Database.Use(db => new LibraryBrowser(db).Artists())
                .Select(a => new { artist = a.Artist, albums = a.Albums, tracks = a.Tracks }),
        }));
        api.MapGet("/albums", (HttpRequest request) => ListAlbums(library, request));
        api.MapGet("/albums/tracks", (HttpRequest request) => AlbumTracks(library, request));
        api.MapPost("/scans", (HttpRequest request) => StartScan(library, request));
        api.MapGet("/scans/latest", () => library.Scans.Latest is { } job ? Ok(ScanJson(job)) : Error(StatusCodes.Status404NotFound, "no scan has been started"));
        api.MapGet("/scans/{id:int}", (int id) => library.Scans.Get(id) is { } job ? Ok(ScanJson(job)) : Error(StatusCodes.Status404NotFound, $"no scan {id}"));
        api.MapFallback(() => Error(StatusCodes.Status404NotFound, "no such API endpoint (see docs/server.md)"));
    }

    public static IResult Ok(object value, int status = StatusCodes.Status200OK) => Results.Json(value, Json, statusCode: status);

    public static IResult Error(int status, string message) =>
        Results.Json(new { error = new { status, message } }, Json, statusCode: status);

    public static object Health(ServerLibrary library)
    {
        var tracks = library.Database.Use(db => new TrackRepository(db).Count());
        return new
        {
            status = "ok",
            version = ServerInfo.Version,
            fingerprint_version = Fingerprint.FingerprintVersion,
            engine = library.Settings.Engine.Name,
            tracks,
            streaming = true,
        };
    }

    private static IResult ListTracks(ServerLibrary library, HttpRequest request)
    {
        var query = request.Query;
        if (!TryInt(query["offset"], 0, 0, int.MaxValue, out var offset) || !TryInt(query["limit"], 50, 1, MaxPageSize, out var limit))
        {
            return Error(StatusCodes.Status400BadRequest, $"offset must be >= 0 and limit between 1 and {MaxPageSize}");
        }

        var sortText = query["sort"].ToString();
        if (!TryParseSort(sortText, out var sort))
        {
            return Error(StatusCodes.Status400BadRequest,
                $"unknown sort '{sortText}'; use one of {string.Join(", ", Enum.GetNames<TrackSort>().Select(n => n.ToLowerInvariant()))}");
        }

        var order = query["order"].ToString();
        if (order is not ("" or "asc" or "desc"))
        {
            return Error(StatusCodes.Status400BadRequest, "order must be asc or desc");
        }

        var search = query["q"].ToString();
        if (search.Any(char.IsControl))
        {
            // SQLite's LIKE reads its pattern as a C string: a NUL would cut it to "%" and match
            // every track. No title or path is searched for by a control character anyway.
            return Error(StatusCodes.Status400BadRequest, "q must not contain a control character (U+0000-U+001F, U+007F-U+009F)");
        }

        var page = library.Database.Use(db => new TrackRepository(db).Search(search, sort, order == "desc", limit, offset));
        return Ok(new
        {
            total = page.Total,
            offset,
            limit,
            tracks = page.Tracks.Select(t => TrackJson(t.Track, t.Lufs, t.CrestDb)),
        });
    }

    /// <summary>
    /// Albums of every artist, or of one: <c>artist</c> absent lists all, <c>artist=</c> (empty)
    /// the albums of tracks without an artist, <c>artist=NAME</c> that artist's.
    /// </summary>
    private static IResult ListAlbums(ServerLibrary library, HttpRequest request)
    {
        var artist = request.Query["artist"];
        if (artist.Count > 1)
        {
            return Error(StatusCodes.Status400BadRequest, "give artist at most once");
        }

        var albums = library.Database.Use(db => new LibraryBrowser(db).Albums(artist.Count == 1, artist.Count == 1 ? artist[0] : null));
        return Ok(new
        {
            albums = albums.Select(a => new { artist = a.Artist, album = a.Album, tracks = a.Tracks, failed = a.Failed, duration_s = Math.Round(a.DurationSeconds, 3) }),
        });
    }

    /// <summary>One album's tracks in playing order; <c>artist</c> and <c>album</c> absent or empty mean untagged.</summary>
    private static IResult AlbumTracks(ServerLibrary library, HttpRequest request)
    {
        var artist = request.Query["artist"];
        var album = request.Query["album"];
        if (artist.Count > 1 || album.Count > 1)
        {
            return Error(StatusCodes.Status400BadRequest, "give artist and album at most once each");
        }

        static string? Tag(Microsoft.Extensions.Primitives.StringValues value) => string.IsNullOrWhiteSpace(value.ToString()) ? null : value.ToString().Trim();
        var tracks = library.Database.Use(db => new LibraryBrowser(db).AlbumTracks(Tag(artist), Tag(album)));
        return Ok(new
        {
            artist = Tag(artist),
            album = Tag(album),
            tracks = tracks.Select(t => TrackJson(t.Track, t.Lufs, t.CrestDb)),
        });
    }

    private static async Task<IResult> TrackFingerprint(ServerLibrary library, long id, CancellationToken token)
    {
        var track = library.Database.Use(db => new TrackRepository(db).Get(id));
        if (track is null)
        {
            return Error(StatusCodes.Status404NotFound, $"no track {id}");
        }

        if (library.Roots.Check(track.FilePath, out var real) != PathVerdict.Allowed)
        {
            // The file is not ours to read; a stored fingerprint needs no file access.
            var stored = library.Database.Use(db => new FingerprintRepository(db).Get(id));
            return stored is not null && stored.Version == Fingerprint.FingerprintVersion
                ? Ok(FingerprintJson(track.Id, track.FilePath, stored.Fingerprint, "database", []))
                : Error(StatusCodes.Status403Forbidden, $"track {id} has no stored fingerprint and its file is outside the library roots");
        }

        try
        {
            var provided = await library.ProvideAsync(real, token).ConfigureAwait(false);
            return Ok(FingerprintJson(track.Id, track.FilePath, provided.Fingerprint, provided.Source.Name(), provided.Trail.Concat(provided.Warnings)));
        }
        catch (FingerprintUnavailableException e)
        {
            return Error(StatusCodes.Status422UnprocessableEntity, e.Message);
        }
    }

    private static IResult Similar(ServerLibrary library, long id, HttpRequest request)
    {
        if (!TryInt(request.Query["k"], 10, 1, 1000, out var k))
        {
            return Error(StatusCodes.Status400BadRequest, "k must be between 1 and 1000");
        }

        SimilarityIndex? index;
        try
        {
            index = library.Similarity().Index;
        }
        catch (InvalidOperationException)
        {
            index = null; // no fingerprints in the library yet
        }

        if (index is null || !index.Contains(id))
        {
            return library.Database.Use(db => new TrackRepository(db).Get(id)) is null
                ? Error(StatusCodes.Status404NotFound, $"no track {id}")
                : Error(StatusCodes.Status409Conflict, $"track {id} has no fingerprint yet");
        }

        var neighbours = index.Nearest(id, k);
        var paths = library.Database.Use(db =>
        {
            var tracks = new TrackRepository(db);
            return neighbours.Select(n => tracks.Get(n.TrackId)?.FilePath).ToList();
        });
        return Ok(neighbours.Select((n, i) => new { track_id = n.TrackId, path = paths[i], distance = Math.Round(n.Distance, 6) }));
    }

    /// <summary>
    /// <c>GET /api/playlist?seed=ID[&amp;seed=ID...]&amp;n=30[&amp;album=true]</c>: the playlist
    /// `auralis playlist [--album]` makes (docs/similarity.md, "Playlists"):
    /// <c>{"tracks": [{"track", "step_distance"}]}</c>.
    /// </summary>
    private static IResult MakePlaylist(ServerLibrary library, HttpRequest request)
    {
        if (!TryInt(request.Query["n"], 30, 1, 1000, out var length))
        {
            return Error(StatusCodes.Status400BadRequest, "n must be between 1 and 1000");
        }

        var album = request.Query["album"].ToString();
        if (album is not ("" or "true" or "false"))
        {
            return Error(StatusCodes.Status400BadRequest, $"album must be true or false, got '{album}'");
        }

        var seeds = new List<long>();
        foreach (var value in request.Query["seed"])
        {
            if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
            {
                return Error(StatusCodes.Status400BadRequest, $"seed must be a track id, got '{value}'");
            }

            seeds.Add(id);
        }

        if (seeds.Count is 0 or > 100)
        {
            return Error(StatusCodes.Status400BadRequest, "give 1 to 100 seed track ids (seed=ID, repeatable)");
        }

        LibrarySimilarity.Loaded loaded;
        try
        {
            loaded = library.Similarity();
        }
        catch (InvalidOperationException)
        {
            return Error(StatusCodes.Status409Conflict, "the library has no fingerprints yet");
        }

        foreach (var missing in seeds.Where(id => !loaded.Index.Contains(id)).Take(1))
        {
            return library.Database.Use(db => new TrackRepository(db).Get(missing)) is null
                ? Error(StatusCodes.Status404NotFound, $"no track {missing}")
                : Error(StatusCodes.Status409Conflict, $"track {missing} has no fingerprint yet");
        }

        var entries = library.Database.Use(db => album == "true" ? LibraryPlaylist.MakeAlbums(db, loaded, seeds, length) : LibraryPlaylist.Make(db, loaded, seeds, length));
        return Ok(new
        {
            tracks = entries.Select(e => new { track = TrackJson(e.Track, null, null), step_distance = Math.Round(e.StepDistance, 6) }),
        });
    }

    private static async Task<IResult> StartScan(ServerLibrary library, HttpRequest request)
    {
        var body = await JsonBody.ReadAsync<ScanRequest>(request, "{\"roots\": [\"/music\"]}", request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (body.Error is { } error)
        {
            return error;
        }

        var roots = body.Value?.Roots?.ToList() ?? [];
        if (roots.Any(string.IsNullOrWhiteSpace))
        {
            return Error(StatusCodes.Status400BadRequest, "roots must be a list of folder paths, none of them empty or null");
        }

        if (roots.Count == 0)
        {
            roots = [.. library.Roots.Roots];
        }

        if (roots.Count == 0)
        {
            return Error(StatusCodes.Status400BadRequest, "no library roots: start the server with --root DIR");
        }

        var resolved = new List<string>();
        foreach (var root in roots)
        {
            switch (library.Roots.Check(root, out var real))
            {
                case PathVerdict.Allowed when Directory.Exists(real):
                    resolved.Add(real);
                    break;
                case PathVerdict.Allowed or PathVerdict.Missing:
                    return Error(StatusCodes.Status404NotFound, $"'{root}' is not a folder");
                default:
                    return Error(StatusCodes.Status403Forbidden, $"'{root}' is outside the library roots");
            }
        }

        var job = library.Scans.TryStart(resolved);
        return job is null
            ? Error(StatusCodes.Status409Conflict, "a scan is already running; follow it at /api/scans/latest")
            : Ok(ScanJson(job), StatusCodes.Status202Accepted);
    }

    public static object TrackJson(TrackRecord t, double? lufs, double? crest) => new
    {
        id = t.Id,
        path = t.FilePath,
        name = t.ShownName,
        title = t.Title,
        artist = t.Artist,
        album = t.Album,
        album_artist = t.AlbumArtist,
        track_number = t.TrackNumber,
        disc_number = t.DiscNumber,
        year = t.Year,
        genre = t.Genre,
        duration_s = t.DurationSeconds,
        duration_source = t.DurationSource,
        sample_rate = t.SampleRate,
        channels = t.Channels,
        format = t.Format,
        codec = t.Codec,
        bitrate_kbps = t.BitrateKbps,
        tags_error = t.MetadataError,
        status = t.Status.ToString().ToLowerInvariant(),
        // The cause alone (the row shows the path): see FailureText.
        error = t.FingerprintErrorMessage is { } message ? FailureText.Readable(message, t.FilePath) : null,
        lufs,
        crest_db = crest,
    };

    public static object FingerprintJson(long trackId, string path, Fingerprint fingerprint, string source, IEnumerable<string> notes) => new
    {
        track_id = trackId,
        path,
        source,
        notes = notes.ToList(),
        fingerprint_version = Fingerprint.FingerprintVersion,
        fingerprint = fingerprint.Named().ToDictionary(p => p.Key, p => Math.Round((double)p.Value, 6)),
    };

    private static object ScanJson(ScanJob job)
    {
        var progress = job.Progress;
        var result = job.Result;
        return new
        {
            id = job.Id,
            state = job.State,
            roots = job.Roots,
            found = job.Changes?.Found,
            added = job.Changes?.Added,
            changed = job.Changes?.Changed,
            removed = job.Changes?.Removed,
            total = result?.Total ?? progress?.Total,
            done = result is not null ? result.Completed + result.Failed : progress?.Done,
            complete = result?.Completed,
            failed = result?.Failed ?? progress?.Failed,
            from_sidecars = result?.FromSidecars ?? progress?.FromSidecars,
            elapsed_s = Math.Round(job.Elapsed.TotalSeconds, 3),
            error = job.Error,
            waiting = job.Waiting,
            unreadable_folders = job.Changes?.UnreadableFolders.Select(f => new { path = f.Path, message = f.Cause, tracks_kept = f.TracksKept }),
        };
    }

    private static bool TryParseSort(string text, out TrackSort sort)
    {
        sort = TrackSort.Id;
        return text.Length == 0 || (Enum.TryParse(text, ignoreCase: true, out sort) && !int.TryParse(text, out _));
    }

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues value, int fallback, int min, int max, out int result)
    {
        if (value.Count == 0 || string.IsNullOrEmpty(value[0]))
        {
            result = fallback;
            return true;
        }

        return int.TryParse(value[0], NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max;
    }

    private sealed record ScanRequest(IReadOnlyList<string>? Roots);
}

/// <summary>What the server reports about itself.</summary>
internal static class ServerInfo
{
    public static string Version { get; } =
        typeof(ServerInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
