package objstore

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
)

// versions lists every version of bucket (all pages of size page).
func versions(t *testing.T, s *Store, bucket, prefix string, page int) []*Object {
	t.Helper()
	var all []*Object
	in := &ListVersionsInput{Bucket: bucket, Prefix: prefix, MaxKeys: page}
	for i := 0; ; i++ {
		out, err := s.ListObjectVersions(ctxT(t), in)
		must(t, err)
		all = append(all, out.Versions...)
		if !out.IsTruncated {
			return all
		}
		if i > 10000 {
			t.Fatal("listing does not end")
		}
		in.KeyMarker, in.VersionIDMarker = out.NextKeyMarker, out.NextVersionIDMarker
	}
}

func describe(vs []*Object) []string {
	var out []string
	for _, v := range vs {
		d := v.Key + "@" + v.Version()
		if v.DeleteMarker {
			d += "(dm)"
		}
		if v.IsLatest {
			d += "*"
		}
		out = append(out, d)
	}
	return out
}

func setVersioning(t *testing.T, s *Store, bucket, status string) {
	t.Helper()
	must(t, s.PutBucketVersioning(ctxT(t), bucket, status, ""))
}

func TestVersioningOrderAndRead(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		setVersioning(t, s, defaultBkt, VersioningEnabled)
		// The clock does not move: version stamps must still be ordered.
		var ids []string
		for i := 0; i < 5; i++ {
			data := randBytes(100+i*3000, uint64(i)) // inline and blob versions
			o := put(t, s, defaultBkt, "k", data)
			if !ValidVersionID(o.VersionID) || o.VersionID == NullVersion || !o.Versioned {
				t.Fatalf("version id %q", o.VersionID)
			}
			ids = append(ids, o.VersionID)
		}
		vs := versions(t, s, defaultBkt, "", 1000)
		want := []string{}
		for i := len(ids) - 1; i >= 0; i-- {
			d := "k@" + ids[i]
			if i == len(ids)-1 {
				d += "*"
			}
			want = append(want, d)
		}
		if got := describe(vs); !slices.Equal(got, want) {
			t.Fatalf("versions\n got %v\nwant %v", got, want)
		}
		for i, id := range ids {
			b, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "k", VersionID: id})
			if !bytes.Equal(b, randBytes(100+i*3000, uint64(i))) || out.Object.VersionID != id {
				t.Fatalf("version %d reads wrong data", i)
			}
			if i < len(ids)-1 && out.Object.NoncurrentSince == nil {
				t.Fatalf("noncurrent version %d has no NoncurrentSince", i)
			}
		}
		// Unknown and malformed ids.
		_, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k", VersionID: NullVersion})
		wantCode(t, err, "NoSuchVersion")
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k", VersionID: "nope"})
		wantCode(t, err, "InvalidArgument")
		other := ids[0][:16] + "AAAAAAAAAAAAAAAA"
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k", VersionID: other})
		wantCode(t, err, "NoSuchVersion")
		// ListObjects shows only the current version.
		lo, err := s.ListObjects(ctx, &ListInput{Bucket: defaultBkt, MaxKeys: 10})
		must(t, err)
		if len(lo.Objects) != 1 || lo.Objects[0].VersionID != ids[4] {
			t.Fatalf("ListObjects = %+v", lo.Objects)
		}
		checkNoLeaks(t, s)
		// Permanent deletes of every version leave nothing behind.
		for _, id := range ids {
			out, err := s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k", VersionID: id})
			must(t, err)
			if out.VersionID != id || out.DeleteMarker {
				t.Fatalf("delete %s = %+v", id, out)
			}
			checkNoLeaks(t, s)
		}
		if n := len(metaKeys(t, s, "s3/")) - len(metaKeys(t, s, bucketPrefix)); n != 0 {
			t.Fatalf("%d records left: %v", n, metaKeys(t, s, "s3/"))
		}
		must(t, s.DeleteBucket(ctx, defaultBkt))
		_ = clock
	})
}

func TestDeleteMarkers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		setVersioning(t, s, defaultBkt, VersioningEnabled)
		v1 := put(t, s, defaultBkt, "k", randBytes(9000, 1))
		out, err := s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k"})
		must(t, err)
		if !out.DeleteMarker || !ValidVersionID(out.VersionID) {
			t.Fatalf("delete = %+v", out)
		}
		dm := out.VersionID
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k"})
		wantCode(t, err, "NoSuchKey")
		if m := DeleteMarkerOf(err); m == nil || m.VersionID != dm {
			t.Fatalf("NoSuchKey does not carry the marker: %v", err)
		}
		_, err = s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k", VersionID: dm})
		wantCode(t, err, "MethodNotAllowed")
		if m := DeleteMarkerOf(err); m == nil || m.LastModified.IsZero() {
			t.Fatalf("MethodNotAllowed does not carry the marker: %v", err)
		}
		if got := describe(versions(t, s, defaultBkt, "", 1000)); !slices.Equal(got, []string{"k@" + dm + "(dm)*", "k@" + v1.VersionID}) {
			t.Fatalf("versions %v", got)
		}
		lo, _ := s.ListObjects(ctx, &ListInput{Bucket: defaultBkt, MaxKeys: 10})
		if len(lo.Objects) != 0 {
			t.Fatal("a deleted key is listed")
		}
		wantCode(t, s.DeleteBucket(ctx, defaultBkt), "BucketNotEmpty")
		// A second delete stacks another marker; deleting a marker by id
		// removes only it.
		out2, err := s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k"})
		must(t, err)
		d, err := s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k", VersionID: out2.VersionID})
		must(t, err)
		if !d.DeleteMarker || d.VersionID != out2.VersionID {
			t.Fatalf("delete marker by id = %+v", d)
		}
		// Removing the last marker makes v1 current again.
		_, err = s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k", VersionID: dm})
		must(t, err)
		if got := readAll(t, s, defaultBkt, "k"); !bytes.Equal(got, randBytes(9000, 1)) {
			t.Fatal("v1 not current after its markers went")
		}
		o, err := s.Stat(ctx, defaultBkt, "k")
		must(t, err)
		if o.NoncurrentSince != nil || o.VersionID != v1.VersionID {
			t.Fatalf("restored current = %+v", o)
		}
		// Deleting a version that does not exist succeeds.
		d, err = s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k", VersionID: dm})
		must(t, err)
		if d.VersionID != dm {
			t.Fatalf("missing version delete = %+v", d)
		}
		checkNoLeaks(t, s)
	})
}

func TestNullVersionRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		// Unversioned: the null version is overwritten in place.
		put(t, s, defaultBkt, "k", randBytes(9000, 1))
		o := put(t, s, defaultBkt, "k", randBytes(9000, 2))
		if o.VersionID != "" || o.Versioned {
			t.Fatalf("unversioned PUT has version %q", o.VersionID)
		}
		if n := len(blobIDsInStore(t, s)); n != 1 {
			t.Fatalf("%d blobs after overwrite, want 1", n)
		}
		// Enabled: the null version is kept as noncurrent.
		setVersioning(t, s, defaultBkt, VersioningEnabled)
		v1 := put(t, s, defaultBkt, "k", randBytes(9000, 3))
		got, _ := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "k", VersionID: NullVersion})
		if !bytes.Equal(got, randBytes(9000, 2)) {
			t.Fatal("null version lost when versioning was enabled")
		}
		// Suspended: PUT makes a new null version, replacing the old one,
		// and keeps v1.
		setVersioning(t, s, defaultBkt, VersioningSuspended)
		n := put(t, s, defaultBkt, "k", randBytes(9000, 4))
		if n.VersionID != "" || !n.Versioned {
			t.Fatalf("suspended PUT version %q", n.VersionID)
		}
		if got := describe(versions(t, s, defaultBkt, "", 1000)); !slices.Equal(got, []string{"k@null*", "k@" + v1.VersionID}) {
			t.Fatalf("versions %v", got)
		}
		checkNoLeaks(t, s)
		if c := len(blobIDsInStore(t, s)); c != 2 {
			t.Fatalf("%d blobs, want 2 (v1 and the new null)", c)
		}
		// Suspended DELETE: a null delete marker replaces the null version.
		d, err := s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k"})
		must(t, err)
		if d.VersionID != NullVersion || !d.DeleteMarker {
			t.Fatalf("suspended delete = %+v", d)
		}
		if got := describe(versions(t, s, defaultBkt, "", 1000)); !slices.Equal(got, []string{"k@null(dm)*", "k@" + v1.VersionID}) {
			t.Fatalf("versions %v", got)
		}
		checkNoLeaks(t, s)
		// Suspended PUT over a null marker replaces the marker.
		put(t, s, defaultBkt, "k", randBytes(10, 5))
		if got := describe(versions(t, s, defaultBkt, "", 1000)); !slices.Equal(got, []string{"k@null*", "k@" + v1.VersionID}) {
			t.Fatalf("versions %v", got)
		}
		// Enabled again: a new version; then suspended PUT replaces the
		// (now noncurrent) null version and keeps the others.
		setVersioning(t, s, defaultBkt, VersioningEnabled)
		v2 := put(t, s, defaultBkt, "k", randBytes(9000, 6))
		setVersioning(t, s, defaultBkt, VersioningSuspended)
		put(t, s, defaultBkt, "k", randBytes(9000, 7))
		if got := describe(versions(t, s, defaultBkt, "", 1000)); !slices.Equal(got, []string{"k@null*", "k@" + v2.VersionID, "k@" + v1.VersionID}) {
			t.Fatalf("versions %v", got)
		}
		checkNoLeaks(t, s)
		// DELETE ?versionId=null removes the null version; v2 is current.
		_, err = s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "k", VersionID: NullVersion})
		must(t, err)
		if got := readAll(t, s, defaultBkt, "k"); !bytes.Equal(got, randBytes(9000, 6)) {
			t.Fatal("v2 not current after null version deleted")
		}
		checkNoLeaks(t, s)
		if len(metaKeys(t, s, nullPrefix)) != 0 {
			t.Fatal("null index left behind")
		}
	})
}

func TestListObjectVersionsPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		put(t, s, defaultBkt, "a/legacy", []byte("x")) // a pre-versioning null version
		setVersioning(t, s, defaultBkt, VersioningEnabled)
		keys := []string{"a/1", "a/2", "b", "b\x00c", "c/d/e", "a/legacy"}
		for i := 0; i < 3; i++ {
			for _, k := range keys {
				put(t, s, defaultBkt, k, []byte(fmt.Sprint(i)))
			}
		}
		_, err := s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "b"})
		must(t, err)
		full := describe(versions(t, s, defaultBkt, "", 1000))
		if len(full) != 3*len(keys)+2 {
			t.Fatalf("%d versions: %v", len(full), full)
		}
		for _, page := range []int{1, 2, 3, 7} {
			if got := describe(versions(t, s, defaultBkt, "", page)); !slices.Equal(got, full) {
				t.Fatalf("page %d:\n got %v\nwant %v", page, got, full)
			}
		}
		// Key order then newest first, one latest per key.
		latest := map[string]int{}
		for _, v := range versions(t, s, defaultBkt, "", 1000) {
			if v.IsLatest {
				latest[v.Key]++
			}
		}
		for _, k := range keys {
			if latest[k] != 1 {
				t.Fatalf("key %q has %d latest versions", k, latest[k])
			}
		}
		// Delimiter: common prefixes once, counted in max-keys.
		out, err := s.ListObjectVersions(ctx, &ListVersionsInput{Bucket: defaultBkt, Delimiter: "/", MaxKeys: 1000})
		must(t, err)
		if !slices.Equal(out.CommonPrefixes, []string{"a/", "c/"}) || len(out.Versions) != 7 {
			t.Fatalf("delimited: prefixes %v, %d versions", out.CommonPrefixes, len(out.Versions))
		}
		var cps []string
		in := &ListVersionsInput{Bucket: defaultBkt, Delimiter: "/", MaxKeys: 1}
		for {
			out, err := s.ListObjectVersions(ctx, in)
			must(t, err)
			cps = append(cps, out.CommonPrefixes...)
			if !out.IsTruncated {
				break
			}
			in.KeyMarker, in.VersionIDMarker = out.NextKeyMarker, out.NextVersionIDMarker
		}
		if !slices.Equal(cps, []string{"a/", "c/"}) {
			t.Fatalf("paged prefixes %v", cps)
		}
		if got := describe(versions(t, s, defaultBkt, "a/", 2)); len(got) != 10 {
			t.Fatalf("prefix a/: %v", got)
		}
		// Markers: a version-id marker needs a key marker, and must be valid.
		_, err = s.ListObjectVersions(ctx, &ListVersionsInput{Bucket: defaultBkt, VersionIDMarker: "null"})
		wantCode(t, err, "InvalidArgument")
		_, err = s.ListObjectVersions(ctx, &ListVersionsInput{Bucket: defaultBkt, KeyMarker: "a", VersionIDMarker: "zz"})
		wantCode(t, err, "InvalidArgument")
		// Resuming after the null version of a/legacy.
		out, err = s.ListObjectVersions(ctx, &ListVersionsInput{Bucket: defaultBkt, KeyMarker: "a/legacy", VersionIDMarker: "null", MaxKeys: 1000})
		must(t, err)
		if len(out.Versions) == 0 || out.Versions[0].Key != "b" {
			t.Fatalf("resume after null: %v", describe(out.Versions))
		}
	})
}

func TestVersionedCopyTagsAndRefs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		setVersioning(t, s, defaultBkt, VersioningEnabled)
		v1 := put(t, s, defaultBkt, "src", randBytes(9000, 1))
		put(t, s, defaultBkt, "src", randBytes(9000, 2))
		c, err := s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "src", SrcVersionID: v1.VersionID,
			Dst: PutInput{Bucket: defaultBkt, Key: "dst", Owner: testOwner}})
		must(t, err)
		if c.CopySourceVersion != v1.VersionID || !ValidVersionID(c.VersionID) {
			t.Fatalf("copy = %+v", c)
		}
		if got := readAll(t, s, defaultBkt, "dst"); !bytes.Equal(got, randBytes(9000, 1)) {
			t.Fatal("copy of v1 reads wrong data")
		}
		// A copy onto itself in a versioned bucket keeps the old version
		// and gets its own bytes: no blob is shared.
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "dst", ReplaceMetadata: true,
			Dst: PutInput{Bucket: defaultBkt, Key: "dst", Headers: Headers{ContentType: "text/x"}, Owner: testOwner}})
		must(t, err)
		checkNoLeaks(t, s)
		if n := len(blobIDsInStore(t, s)); n != 4 {
			t.Fatalf("%d blobs, want 4", n)
		}
		// Tagging a noncurrent version leaves the current one alone.
		tagged, err := s.SetObjectTags(ctx, defaultBkt, "src", v1.VersionID, []Tag{{Key: "a", Value: "b"}})
		must(t, err)
		if tagged.VersionID != v1.VersionID {
			t.Fatal("tagged the wrong version")
		}
		cur, _ := s.Stat(ctx, defaultBkt, "src")
		old, _ := s.StatVersion(ctx, defaultBkt, "src", v1.VersionID)
		if len(cur.Tags) != 0 || len(old.Tags) != 1 {
			t.Fatalf("tags: current %v, v1 %v", cur.Tags, old.Tags)
		}
		// A delete marker cannot be a copy source or be tagged.
		d, _ := s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: "src"})
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "src", SrcVersionID: d.VersionID, Dst: PutInput{Bucket: defaultBkt, Key: "x"}})
		wantCode(t, err, "InvalidRequest")
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "src", Dst: PutInput{Bucket: defaultBkt, Key: "x"}})
		wantCode(t, err, "NoSuchKey")
		_, err = s.SetObjectTags(ctx, defaultBkt, "src", d.VersionID, nil)
		wantCode(t, err, "MethodNotAllowed")
		// Multipart completion creates a version too, and keeps refs exact.
		u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "src", Owner: testOwner})
		must(t, err)
		p := uploadPart(t, s, defaultBkt, "src", u.ID, 1, randBytes(100, 9))
		o, err := s.CompleteUpload(ctx, defaultBkt, "src", u.ID, []CompletedPart{{Number: 1, ETag: p.ETag}}, Conditions{}, "")
		must(t, err)
		if !ValidVersionID(o.VersionID) || o.VersionID == NullVersion {
			t.Fatalf("completed upload version %q", o.VersionID)
		}
		checkNoLeaks(t, s)
		// Permanently deleting everything empties the bucket.
		for _, v := range versions(t, s, defaultBkt, "", 1000) {
			_, err := s.Delete(ctx, &DeleteInput{Bucket: defaultBkt, Key: v.Key, VersionID: v.Version()})
			must(t, err)
		}
		checkNoLeaks(t, s)
		if n := len(blobIDsInStore(t, s)); n != 0 {
			t.Fatalf("%d blobs left", n)
		}
		must(t, s.DeleteBucket(ctx, defaultBkt))
	})
}

func TestVersionsSurviveRestartAndRewrap(t *testing.T) {
	for _, be := range backends {
		if !be.realDisk {
			continue
		}
		t.Run(be.name, func(t *testing.T) {
			m, b := be.open(t)
			t.Cleanup(func() { b.Close(); m.Close() })
			s := newStoreOn(t, m, b, nil)
			mkBucket(t, s, defaultBkt)
			setVersioning(t, s, defaultBkt, VersioningEnabled)
			v1 := put(t, s, defaultBkt, "k", []byte("one"))
			put(t, s, defaultBkt, "k", []byte("two"))
			s2 := newStoreOn(t, m, b, nil)
			got, _ := getBytes(t, s2, &GetInput{Bucket: defaultBkt, Key: "k", VersionID: v1.VersionID})
			if string(got) != "one" {
				t.Fatalf("after reopen v1 = %q", got)
			}
			// Stamps stay ordered after a restart even with a clock behind.
			c := newClock()
			c.Advance(-24 * time.Hour * 365)
			s3 := newStoreOn(t, m, b, c)
			put(t, s3, defaultBkt, "k", []byte("three"))
			if got := readAll(t, s3, defaultBkt, "k"); string(got) != "three" {
				t.Fatalf("newest = %q", got)
			}
			vs := versions(t, s3, defaultBkt, "", 1000)
			if len(vs) != 3 || !vs[0].IsLatest || vs[2].VersionID != v1.VersionID {
				t.Fatalf("versions %v", describe(vs))
			}
		})
	}
}
