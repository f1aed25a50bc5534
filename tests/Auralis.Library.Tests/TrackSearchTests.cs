using Auralis.Audio;
using Auralis.Library.Database;

namespace Auralis.Library.Tests;

/// <summary>The search behind the server's track list: matching, escaping, sorting, paging.</summary>
public sealed class TrackSearchTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Search_matches_path_case_insensitively_and_counts_all_matches_beyond_the_page()
    {
        for (var i = 0; i < 30; i++)
        {
            _db.Tracks.Add($"/music/{(i % 2 == 0 ? "Jazz" : "rock")}/{i:00}.flac", 1, 1);
        }

        var page = _db.Tracks.Search("jazz", TrackSort.Path, descending: false, limit: 5, offset: 5);
        Assert.Equal(15, page.Total);
        Assert.Equal(["/music/Jazz/10.flac", "/music/Jazz/12.flac", "/music/Jazz/14.flac", "/music/Jazz/16.flac", "/music/Jazz/18.flac"],
            page.Tracks.Select(t => t.Track.FilePath));
        Assert.Equal(30, _db.Tracks.Search(null, TrackSort.Id, false, 100, 0).Total);
    }

    [Fact]
    public void Like_wildcards_in_the_query_match_only_themselves()
    {
        _db.Tracks.Add("/music/100%_pure.flac", 1, 1);
        _db.Tracks.Add("/music/100x-pure.flac", 1, 1);
        Assert.Equal(["/music/100%_pure.flac"], _db.Tracks.Search("100%_", TrackSort.Id, false, 10, 0).Tracks.Select(t => t.Track.FilePath));
        Assert.Equal(0, _db.Tracks.Search("\\", TrackSort.Id, false, 10, 0).Total);
    }

    [Fact]
    public void Sorting_by_loudness_puts_fingerprinted_tracks_in_order_and_reports_lufs_and_crest()
    {
        var quiet = _db.Tracks.Add("/music/quiet.flac", 1, 1);
        var loud = _db.Tracks.Add("/music/loud.flac", 1, 1);
        _db.Tracks.Add("/music/none.flac", 1, 1);
        var q = TestDatabase.Sample(1).Values.ToArray();
        q[7] = -30f;
        q[8] = 18f;
        var l = TestDatabase.Sample(2).Values.ToArray();
        l[7] = -7f;
        l[8] = 8f;
        _db.Fingerprints.Add(quiet, new Auralis.Fingerprinting.Fingerprint(q));
        _db.Fingerprints.Add(loud, new Auralis.Fingerprinting.Fingerprint(l));

        var page = _db.Tracks.Search(null, TrackSort.Lufs, descending: true, 10, 0);
        Assert.Equal(["/music/loud.flac", "/music/quiet.flac", "/music/none.flac"], page.Tracks.Select(t => t.Track.FilePath));
        Assert.Equal((-7.0, 8.0), (page.Tracks[0].Lufs, page.Tracks[0].CrestDb));
        Assert.Null(page.Tracks[2].Lufs);
    }

    private long Tagged(string path, string? title = null, string? artist = null, string? album = null, double? seconds = null)
    {
        var id = _db.Tracks.Add(path, 1, 1);
        var tags = new TrackTags(title, artist, album, null, null, null, null, null, null, null, null, null, null, seconds);
        _db.Database.Write("tag", transaction =>
        {
            TrackEventWriter.WriteMetadata(_db.Database, transaction, id, new TagReadResult.Read(path, tags), null, null, LibraryDatabase.Now());
            return 0;
        });
        return id;
    }

    private List<string> Names(TrackSort sort, bool descending, string? text = null) =>
        _db.Tracks.Search(text, sort, descending, 100, 0).Tracks.Select(t => t.Track.ShownName).ToList();

    [Fact]
    public void Search_ignores_case_and_accents_in_unicode_tags()
    {
        Tagged("/music/01.ogg", title: "Pokemon Theme");
        Tagged("/music/02.ogg", title: "Pokémon Battle");
        Tagged("/music/03.ogg", artist: "POKÉMON ORCHESTRA");
        Tagged("/music/04.ogg", title: "Pocket Monsters");
        foreach (var query in new[] { "POKÉMON", "pokémon", "pokemon", "PoKeMoN" })
        {
            Assert.Equal(["Pokemon Theme", "Pokémon Battle", "03"], Names(TrackSort.Id, false, query));
        }

        Tagged("/music/05.ogg", artist: "Sigur Rós");
        Assert.Equal(1, _db.Tracks.Search("sigur ROS", TrackSort.Id, false, 10, 0).Total);
        Tagged("/music/06.ogg", title: "Poke\u0301mon decomposed"); // the accent as a combining mark (NFD)
        Assert.Equal(1, _db.Tracks.Search("POKÉMON DECOMPOSED", TrackSort.Id, false, 10, 0).Total);
    }

    [Fact]
    public void Search_treats_underscores_hyphens_and_runs_of_spaces_alike()
    {
        _db.Tracks.Add("/music/journeys_end.ogg", 1, 1);
        _db.Tracks.Add("/music/journeys-end (live).ogg", 1, 1);
        Tagged("/music/x.ogg", title: "Journeys   End");
        _db.Tracks.Add("/music/journeysend.ogg", 1, 1);
        foreach (var query in new[] { "journeys end", "JOURNEYS_END", "journeys-end", "  journeys    end " })
        {
            Assert.Equal(["journeys_end", "journeys-end (live)", "Journeys   End"], Names(TrackSort.Id, false, query));
        }
    }

    [Fact]
    public void Sorting_by_title_orders_untagged_tracks_by_the_file_name_shown_among_the_titles()
    {
        Tagged("/music/z/b-side.ogg");
        Tagged("/music/a/Zebra.ogg", title: "Alpha");
        Tagged("/music/m/01.ogg", title: "Charlie");
        Tagged("/music/c/Delta.flac");
        Assert.Equal(["Alpha", "b-side", "Charlie", "Delta"], Names(TrackSort.Title, false));
        Assert.Equal(["Delta", "Charlie", "b-side", "Alpha"], Names(TrackSort.Title, true));
    }

    [Fact]
    public void Tracks_without_the_sorted_value_come_last_in_both_directions()
    {
        Tagged("/music/1.ogg", title: "One", artist: "Beta", seconds: 30);
        Tagged("/music/2.ogg", title: "Two");
        Tagged("/music/3.ogg", title: "Three", artist: "alpha", seconds: 10);
        Tagged("/music/4.ogg", title: "Four", seconds: 20);
        Assert.Equal(["Three", "One", "Four", "Two"], Names(TrackSort.Artist, false));
        Assert.Equal(["One", "Three", "Two", "Four"], Names(TrackSort.Artist, true));
        Assert.Equal(["Three", "Four", "One", "Two"], Names(TrackSort.Duration, false));
        Assert.Equal(["One", "Four", "Three", "Two"], Names(TrackSort.Duration, true));
        Assert.Equal(["Four", "One", "Three", "Two"], Names(TrackSort.Album, false)); // none has one: by name
    }

    [Fact]
    public void Sorting_by_artist_ignores_case_and_accents()
    {
        Tagged("/music/1.ogg", title: "Z", artist: "Zed");
        Tagged("/music/2.ogg", title: "E", artist: "Émile");
        Tagged("/music/3.ogg", title: "A", artist: "abba");
        Tagged("/music/4.ogg", title: "F", artist: "FOO");
        Assert.Equal(["A", "E", "F", "Z"], Names(TrackSort.Artist, false));
    }

    [Theory]
    [InlineData("POKÉMON", "pokemon")]
    [InlineData("Ｐｏｋéｍｏｎ", "pokemon")] // full-width letters: NFKD makes them ASCII
    [InlineData("journeys_end", "journeys end")]
    [InlineData("  a - b__c \t d\n", "a b c d")]
    [InlineData("Ærø Straße", "ærø straße")] // letters that do not decompose stay (lower-cased)
    [InlineData("", "")]
    public void The_fold_is_nfkd_without_marks_lower_case_and_one_space_per_separator_run(string text, string folded) =>
        Assert.Equal(folded, TextFold.Fold(text));
}
