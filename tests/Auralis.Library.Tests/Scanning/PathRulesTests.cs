using System.Globalization;
using System.IO.Hashing;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Auralis.Library.Sidecars;

namespace Auralis.Library.Tests.Scanning;

/// <summary>docs/scanning.md: canonical paths, exclusions, moves and renames.</summary>
public sealed class PathRulesTests : IDisposable
{
    private readonly LibraryFixture _lib = new();
    private readonly TempDirectory _elsewhere = new();

    public void Dispose()
    {
        _lib.Dispose();
        _elsewhere.Dispose();
    }

    private LibraryScanner Scanner(params string[] exclude) =>
        new(_lib.Database) { ExcludePatterns = exclude, UserIgnoreFile = _elsewhere.File("no-user-ignore"), Sidecars = _lib.Sidecars };

    private long Scalar(string sql, long id)
    {
        using var command = _lib.Database.Command(sql);
        command.Parameters.AddWithValue("$id", id);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    [UnixFact]
    public void Scanning_the_library_again_through_a_linked_folder_adds_nothing()
    {
        _lib.AddTrack("a.wav");
        _lib.AddTrack("sub/b.wav");
        Scanner().Sync([_lib.Music]);
        var link = _elsewhere.File("music-link");
        Directory.CreateSymbolicLink(link, _lib.Music);

        var again = Scanner().Sync([link]);

        Assert.Equal((2, 0, 0, 0), (again.Found, again.Added, again.Changed, again.Removed));
        Assert.Equal(2, _lib.Tracks.Count());
        Assert.All(_lib.Tracks.List(10), t => Assert.StartsWith(_lib.Music + Path.DirectorySeparatorChar, t.FilePath, StringComparison.Ordinal));
    }

    [UnixFact]
    public void A_linked_file_inside_the_root_is_one_track_under_its_real_path()
    {
        var real = _lib.AddTrack("a.wav");
        File.CreateSymbolicLink(Path.Combine(_lib.Music, "alias.wav"), real);

        var changes = Scanner().Sync([_lib.Music]);

        Assert.Equal((1, 1), (changes.Found, changes.Added));
        Assert.Equal(real, Assert.Single(_lib.Tracks.List(10)).FilePath);
    }

    [UnixFact]
    public void A_link_out_of_the_root_is_stored_at_its_real_path_and_a_rescan_does_not_add_it_again()
    {
        var outside = _elsewhere.File("outside.wav");
        File.Copy(_lib.AddTrack("tmp.wav"), outside);
        File.Delete(Path.Combine(_lib.Music, "tmp.wav"));
        File.CreateSymbolicLink(Path.Combine(_lib.Music, "linked.wav"), outside);

        Scanner().Sync([_lib.Music]);
        var again = Scanner().Sync([_lib.Music]);

        Assert.Equal((1, 0, 0), (again.Found, again.Added, again.Removed));
        Assert.Equal(CanonicalPath.Resolve(outside), Assert.Single(_lib.Tracks.List(10)).FilePath);
    }

    [UnixFact]
    public void Rows_stored_under_a_linked_folder_by_an_earlier_version_move_onto_the_real_paths_keeping_their_fingerprint()
    {
        var link = _elsewhere.File("music-link");
        Directory.CreateSymbolicLink(link, _lib.Music);
        var a = _lib.AddTrack("a.wav");
        var b = _lib.AddTrack("b.wav");
        var signature = AudioFileSignature.Of(a);
        var aliasA = _lib.Tracks.Add(Path.Combine(link, "a.wav"), signature.SizeBytes, signature.MtimeNs);
        new FingerprintRepository(_lib.Database).StoreCompleted([(aliasA, TestDatabase.Sample(3))]);
        var realB = _lib.Tracks.Add(b, AudioFileSignature.Of(b).SizeBytes, AudioFileSignature.Of(b).MtimeNs);
        var aliasB = _lib.Tracks.Add(Path.Combine(link, "b.wav"), 1, 1);

        var changes = Scanner().Sync([link]);

        Assert.Equal(a, _lib.Tracks.Get(aliasA)!.FilePath);
        Assert.Equal(FingerprintStatus.Complete, _lib.Tracks.Get(aliasA)!.Status);
        Assert.Equal(TestDatabase.Sample(3), new FingerprintRepository(_lib.Database).Get(aliasA)!.Fingerprint);
        Assert.NotNull(_lib.Tracks.Get(realB));
        Assert.Null(_lib.Tracks.Get(aliasB)); // the second spelling of b was a duplicate row
        Assert.Equal((0, 1), (changes.Added, changes.Removed));
        Assert.Equal(2, _lib.Tracks.Count());
    }

    [Fact]
    public void A_moved_file_keeps_its_id_fingerprint_and_status_and_is_not_queued_for_extraction()
    {
        var old = _lib.AddTrack("a.wav");
        Scanner().Sync([_lib.Music]);
        var id = _lib.Tracks.GetByPath(old)!.Id;
        new FingerprintRepository(_lib.Database).StoreCompleted([(id, TestDatabase.Sample(1))]);
        var computedAt = _lib.Tracks.Get(id)!.FingerprintComputedAt;
        Assert.NotNull(computedAt);
        var moved = Path.Combine(_lib.Music, "album", "01 renamed.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Move(old, moved);

        var changes = Scanner().Sync([_lib.Music]);

        Assert.Equal((0, 0, 0), (changes.Added, changes.Changed, changes.Removed));
        var move = Assert.Single(changes.Moved);
        Assert.Equal((id, old, moved), (move.Id, move.OldPath, move.NewPath));
        var track = _lib.Tracks.Get(id)!;
        Assert.Equal((moved, FingerprintStatus.Complete, computedAt), (track.FilePath, track.Status, track.FingerprintComputedAt));
        Assert.Equal(TestDatabase.Sample(1), new FingerprintRepository(_lib.Database).Get(id)!.Fingerprint);
        Assert.Empty(new ExtractionQueue(_lib.Database).WorkList());
    }

    [Fact]
    public void A_file_copied_elsewhere_then_deleted_is_a_move_even_with_a_new_mtime()
    {
        var old = _lib.AddTrack("a.wav");
        Scanner().Sync([_lib.Music]);
        var id = _lib.Tracks.GetByPath(old)!.Id;
        var copy = Path.Combine(_lib.Music, "b.wav");
        File.Copy(old, copy);
        File.SetLastWriteTimeUtc(copy, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.Delete(old);

        var changes = Scanner().Sync([_lib.Music]);

        Assert.Equal(id, Assert.Single(changes.Moved).Id);
        Assert.Equal(AudioFileSignature.Of(copy), new AudioFileSignature(_lib.Tracks.Get(id)!.SizeBytes, _lib.Tracks.Get(id)!.MtimeNs));
    }

    [Fact]
    public void A_moved_copy_with_a_new_mtime_gets_a_sidecar_rewritten_from_the_database()
    {
        var old = _lib.AddTrack("a.wav");
        Scanner().Sync([_lib.Music]);
        var id = _lib.Tracks.GetByPath(old)!.Id;
        new FingerprintRepository(_lib.Database).StoreCompleted([(id, TestDatabase.Sample(4))]);
        var copy = Path.Combine(_lib.Music, "b.wav");
        File.Copy(old, copy);
        File.SetLastWriteTimeUtc(copy, new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.Delete(old);

        var changes = Scanner().Sync([_lib.Music]);

        Assert.Empty(changes.SidecarProblems);
        var contents = _lib.Sidecars.TryReadContents(copy, AudioFileSignature.Of(copy), out var reason);
        Assert.True(contents is not null, reason);
        Assert.Equal(TestDatabase.Sample(4), contents.Fingerprint);
    }

    [Fact]
    public void A_renamed_file_keeps_its_similarity_graph_edges()
    {
        var a = _lib.AddTrack("a.wav");
        var b = _lib.AddTrack("b.wav");
        Scanner().Sync([_lib.Music]);
        var (idA, idB) = (_lib.Tracks.GetByPath(a)!.Id, _lib.Tracks.GetByPath(b)!.Id);
        var graph = new SimilarityGraphRows(_lib.Database);
        graph.Replace([(idA, idB, 1, 0.25), (idB, idA, 1, 0.25)]);
        File.Move(a, Path.Combine(_lib.Music, "a renamed.wav"));

        Scanner().Sync([_lib.Music]);

        Assert.Equal([(idA, idB, 1, 0.25), (idB, idA, 1, 0.25)], graph.Load());
    }

    [Fact]
    public void A_moved_files_sidecars_move_with_it()
    {
        var old = _lib.AddTrack("a.wav");
        Scanner().Sync([_lib.Music]);
        File.WriteAllText(old + ".25d", "beside");
        Directory.CreateDirectory(_lib.Sidecars.CacheRoot);
        File.WriteAllText(_lib.Sidecars.CachePath(old), "cached");
        var moved = Path.Combine(_lib.Music, "b.wav");
        File.Move(old, moved);

        var changes = Scanner().Sync([_lib.Music]);

        Assert.Empty(changes.SidecarProblems);
        Assert.False(File.Exists(old + ".25d"));
        Assert.Equal("beside", File.ReadAllText(moved + ".25d"));
        Assert.Equal("cached", File.ReadAllText(_lib.Sidecars.CachePath(moved)));
    }

    [Fact]
    public void Rows_without_a_content_signature_get_one_on_their_next_scan_and_can_then_move()
    {
        var old = _lib.AddTrack("a.wav");
        var signature = AudioFileSignature.Of(old);
        var id = _lib.Tracks.Add(old, signature.SizeBytes, signature.MtimeNs); // as a version before migration 6 stored it
        Assert.Equal(0, Scalar("SELECT content_hash IS NOT NULL FROM tracks WHERE id = $id", id));

        var first = Scanner().Sync([_lib.Music]);
        Assert.Equal((0, 0), (first.Added, first.Changed));
        Assert.Equal(ContentSignature.TryCompute(old), Scalar("SELECT content_hash FROM tracks WHERE id = $id", id));

        File.Move(old, Path.Combine(_lib.Music, "b.wav"));
        Assert.Equal(id, Assert.Single(Scanner().Sync([_lib.Music]).Moved).Id);
    }

    [Fact]
    public void Vanished_tracks_with_the_same_content_are_not_guessed_between()
    {
        var a = _lib.AddTrack("a.wav");
        var b = Path.Combine(_lib.Music, "b.wav");
        File.Copy(a, b);
        Scanner().Sync([_lib.Music]);
        var c = Path.Combine(_lib.Music, "c.wav");
        File.Copy(a, c);
        File.Delete(a);
        File.Delete(b);

        var changes = Scanner().Sync([_lib.Music]);

        Assert.Empty(changes.Moved);
        Assert.Equal((1, 2), (changes.Added, changes.Removed));
    }

    [Fact]
    public void Dotfiles_dot_folders_and_AppleDouble_files_are_not_tracks()
    {
        _lib.AddTrack("a.wav");
        File.WriteAllText(Path.Combine(_lib.Music, "._x.ogg"), "AppleDouble resource fork");
        File.WriteAllText(Path.Combine(_lib.Music, ".hidden.ogg"), "hidden");
        _lib.AddTrack(".cache/y.wav");

        var changes = Scanner().Sync([_lib.Music]);

        Assert.Equal((1, 1), (changes.Found, changes.Added));
        Assert.Equal(3, changes.ExcludedOnDisk);
        Assert.Equal(Path.Combine(_lib.Music, "a.wav"), Assert.Single(_lib.Tracks.List(10)).FilePath);
    }

    [Fact]
    public void Exclude_patterns_the_auralisignore_file_and_the_user_ignore_file_leave_files_out()
    {
        _lib.AddTrack("keep.wav");
        _lib.AddTrack("live/one.wav");
        _lib.AddTrack("album/demo-1.wav");
        _lib.AddTrack("album/bonus1.wav");
        _lib.AddTrack("album/sub/skip-me.wav");
        File.WriteAllLines(Path.Combine(_lib.Music, ScanExclusions.IgnoreFileName), ["# bonus tracks", "", "album/bonus?.wav"]);
        var userIgnore = _elsewhere.File("ignore");
        File.WriteAllLines(userIgnore, ["skip-*"]);

        var changes = new LibraryScanner(_lib.Database) { ExcludePatterns = ["live/", "**/demo-*.wav"], UserIgnoreFile = userIgnore }.Sync([_lib.Music]);

        Assert.Equal(Path.Combine(_lib.Music, "keep.wav"), Assert.Single(_lib.Tracks.List(10)).FilePath);
        Assert.Equal(1, changes.Found);
    }

    [Fact]
    public void A_track_that_is_now_excluded_is_kept_and_reported_not_removed()
    {
        var live = _lib.AddTrack("live/one.wav");
        _lib.AddTrack("keep.wav");
        Scanner().Sync([_lib.Music]);
        var id = _lib.Tracks.GetByPath(live)!.Id;

        var changes = Scanner("live").Sync([_lib.Music]);

        Assert.Equal(0, changes.Removed);
        Assert.Equal([live], changes.Excluded);
        Assert.NotNull(_lib.Tracks.Get(id));
    }

    [Fact]
    public void An_invalid_pattern_is_an_error_naming_where_it_came_from_and_nothing_changes()
    {
        _lib.AddTrack("a.wav");
        var e = Assert.Throws<ScanExclusionException>(() => Scanner("[abc").Sync([_lib.Music]));
        Assert.Contains("--exclude", e.Message, StringComparison.Ordinal);
        File.WriteAllLines(Path.Combine(_lib.Music, ScanExclusions.IgnoreFileName), ["ok", "/"]);
        e = Assert.Throws<ScanExclusionException>(() => Scanner().Sync([_lib.Music]));
        Assert.Contains(".auralisignore:2", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, _lib.Tracks.Count());
    }

    [Theory]
    [InlineData("*.wav", "a.wav", true)]
    [InlineData("*.wav", "sub/a.wav", true)]
    [InlineData("sub/*.wav", "sub/a.wav", true)]
    [InlineData("sub/*.wav", "other/sub/a.wav", false)]
    [InlineData("**/sub/*.wav", "other/sub/a.wav", true)]
    [InlineData("a?.wav", "ab.wav", true)]
    [InlineData("a?.wav", "a.wav", false)]
    [InlineData("[ab].wav", "b.wav", true)]
    [InlineData("[!ab].wav", "b.wav", false)]
    [InlineData("Live", "live/x.wav", false)]
    [InlineData("\\*.wav", "*.wav", true)]
    [InlineData("\\*.wav", "a.wav", false)]
    public void Globs_match_as_documented(string pattern, string relative, bool excluded)
    {
        var rules = ScanExclusions.For(_lib.Music, [pattern], _elsewhere.File("none"));
        Assert.Equal(excluded, rules.IsExcluded(_lib.Music, Path.Combine(_lib.Music, relative)));
    }

    [Fact]
    public void The_content_signature_is_XxHash3_of_the_size_and_four_sampled_blocks_as_documented()
    {
        var bytes = new byte[1_000_003];
        new Random(7).NextBytes(bytes);
        var path = _elsewhere.File("big.bin");
        File.WriteAllBytes(path, bytes);
        var expected = new XxHash3();
        expected.Append(BitConverter.GetBytes((long)bytes.Length)); // little-endian on every supported platform
        for (var k = 0; k < 4; k++)
        {
            expected.Append(bytes.AsSpan((int)(k * (long)(bytes.Length - 65536) / 3), 65536));
        }

        Assert.Equal(unchecked((long)expected.GetCurrentHashAsUInt64()), ContentSignature.TryCompute(path));

        var small = _elsewhere.File("small.bin");
        File.WriteAllBytes(small, bytes[..1000]);
        var whole = new XxHash3();
        whole.Append(BitConverter.GetBytes(1000L));
        whole.Append(bytes.AsSpan(0, 1000));
        Assert.Equal(unchecked((long)whole.GetCurrentHashAsUInt64()), ContentSignature.TryCompute(small));
    }
}
