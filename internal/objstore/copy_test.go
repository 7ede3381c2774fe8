package objstore

import (
	"bytes"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/checksum"
)

func TestCopyObject(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, "src")
		mkBucket(t, s, "dst")
		srcHdr := Headers{ContentType: "image/png", ContentDisposition: "inline"}
		srcMeta := map[string]string{"a": "1"}
		srcTags := []Tag{{Key: "t", Value: "src"}}
		for _, n := range []int{100, 100 << 10} {
			data := randBytes(n, 21)
			src, err := s.PutObject(ctx, &PutInput{Bucket: "src", Key: "obj", Body: bytes.NewReader(data), Size: int64(n),
				Headers: srcHdr, UserMeta: srcMeta, Tags: srcTags, ChecksumAlgorithm: "SHA256", Owner: testOwner})
			must(t, err)
			clock.Advance(time.Minute)

			// COPY directives: metadata and tags come from the source.
			o, err := s.CopyObject(ctx, &CopyInput{SrcBucket: "src", SrcKey: "obj",
				Dst: PutInput{Bucket: "dst", Key: "copy", Headers: Headers{ContentType: "ignored"}, UserMeta: map[string]string{"ignored": "x"},
					Tags: []Tag{{Key: "ignored"}}, Owner: otherOwner}})
			must(t, err)
			got, out := getBytes(t, s, &GetInput{Bucket: "dst", Key: "copy"})
			if !bytes.Equal(got, data) || o.ETag != src.ETag || out.Object.ETag != src.ETag {
				t.Fatalf("%d: copy data/etag differ", n)
			}
			g := out.Object
			if g.Headers != srcHdr || !maps.Equal(g.UserMeta, srcMeta) || !slices.Equal(g.Tags, srcTags) || g.Owner != otherOwner ||
				!g.LastModified.Equal(clock.Now()) {
				t.Fatalf("%d: COPY directive record %+v", n, g)
			}
			if g.Checksum == nil || g.Checksum.Algorithm != "SHA256" || g.Checksum.Value != src.Checksum.Value {
				t.Fatalf("%d: checksum not carried: %+v", n, g.Checksum)
			}
			if n > testInline && blobIDs(g.Segments)[0] == blobIDs(src.Segments)[0] {
				t.Fatal("copy shares the source's blob")
			}

			// REPLACE directives.
			newHdr := Headers{ContentType: "text/plain"}
			newMeta := map[string]string{"b": "2"}
			newTags := []Tag{{Key: "t", Value: "new"}}
			_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: "src", SrcKey: "obj", ReplaceMetadata: true, ReplaceTags: true,
				Dst: PutInput{Bucket: "dst", Key: "copy2", Headers: newHdr, UserMeta: newMeta, Tags: newTags, ChecksumAlgorithm: "CRC32C"}})
			must(t, err)
			got, out = getBytes(t, s, &GetInput{Bucket: "dst", Key: "copy2"})
			g = out.Object
			if !bytes.Equal(got, data) || g.Headers != newHdr || !maps.Equal(g.UserMeta, newMeta) || !slices.Equal(g.Tags, newTags) {
				t.Fatalf("%d: REPLACE record %+v", n, g)
			}
			if g.Checksum == nil || g.Checksum.Algorithm != "CRC32C" || g.Checksum.Value != sumOf(checksum.CRC32C, data) {
				t.Fatalf("%d: new checksum %+v", n, g.Checksum)
			}
			// Metadata REPLACE with tags COPY, and the reverse.
			_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: "src", SrcKey: "obj", ReplaceMetadata: true,
				Dst: PutInput{Bucket: "dst", Key: "copy3", UserMeta: newMeta, Tags: newTags}})
			must(t, err)
			h, _ := s.HeadObject(ctx, &GetInput{Bucket: "dst", Key: "copy3"})
			if !maps.Equal(h.Object.UserMeta, newMeta) || !slices.Equal(h.Object.Tags, srcTags) {
				t.Fatalf("%d: meta REPLACE tags COPY: %+v", n, h.Object)
			}
			_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: "src", SrcKey: "obj", ReplaceTags: true,
				Dst: PutInput{Bucket: "dst", Key: "copy4", UserMeta: newMeta, Tags: newTags}})
			must(t, err)
			h, _ = s.HeadObject(ctx, &GetInput{Bucket: "dst", Key: "copy4"})
			if !maps.Equal(h.Object.UserMeta, srcMeta) || !slices.Equal(h.Object.Tags, newTags) {
				t.Fatalf("%d: meta COPY tags REPLACE: %+v", n, h.Object)
			}
			// Overwriting a copy target deletes its old blob.
			checkNoLeaks(t, s)
		}
		// Errors.
		_, err := s.CopyObject(ctx, &CopyInput{SrcBucket: "src", SrcKey: "missing", Dst: PutInput{Bucket: "dst", Key: "x"}})
		wantCode(t, err, "NoSuchKey")
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: "nope", SrcKey: "obj", Dst: PutInput{Bucket: "dst", Key: "x"}})
		wantCode(t, err, "NoSuchBucket")
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: "src", SrcKey: "obj", Dst: PutInput{Bucket: "nope", Key: "x"}})
		wantCode(t, err, "NoSuchBucket")
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: "src", SrcKey: "obj", Dst: PutInput{Bucket: "dst", Key: "x", StorageClass: "OUTPOSTS"}})
		wantCode(t, err, "InvalidStorageClass")
		// Destination conditions.
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: "src", SrcKey: "obj", Dst: PutInput{Bucket: "dst", Key: "copy", Cond: Conditions{IfNoneMatch: "*"}}})
		wantCode(t, err, "PreconditionFailed")
		checkNoLeaks(t, s)
	})
}

func TestCopyToSelf(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		for _, n := range []int{10, 100 << 10} {
			data := randBytes(n, 22)
			src, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: bytes.NewReader(data), Size: int64(n),
				Headers: Headers{ContentType: "a/b"}, UserMeta: map[string]string{"x": "1"}, Tags: []Tag{{Key: "t"}}})
			must(t, err)
			self := func(c CopyInput) (*Object, error) {
				c.SrcBucket, c.SrcKey, c.Dst.Bucket, c.Dst.Key = defaultBkt, "k", defaultBkt, "k"
				return s.CopyObject(ctx, &c)
			}
			// Nothing changes: illegal.
			_, err = self(CopyInput{})
			wantCode(t, err, "InvalidRequest")
			_, err = self(CopyInput{ReplaceTags: true, Dst: PutInput{Tags: []Tag{{Key: "t"}}}})
			wantCode(t, err, "InvalidRequest")
			// REPLACE: same data, new metadata, new mtime.
			clock.Advance(time.Hour)
			o, err := self(CopyInput{ReplaceMetadata: true, Dst: PutInput{Headers: Headers{ContentType: "c/d"}, UserMeta: map[string]string{"y": "2"}}})
			must(t, err)
			got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "k"})
			g := out.Object
			if !bytes.Equal(got, data) || g.ETag != src.ETag || g.Headers.ContentType != "c/d" || g.UserMeta["y"] != "2" ||
				g.UserMeta["x"] != "" || !g.LastModified.Equal(clock.Now()) || !slices.Equal(g.Tags, src.Tags) {
				t.Fatalf("%d: after REPLACE: %+v", n, g)
			}
			if !slices.Equal(blobIDs(o.Segments), blobIDs(src.Segments)) {
				t.Fatalf("%d: copy in place rewrote the data", n)
			}
			// Tags REPLACE alone is a change.
			_, err = self(CopyInput{ReplaceTags: true, Dst: PutInput{Tags: []Tag{{Key: "u", Value: "v"}}}})
			must(t, err)
			h, _ := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k"})
			if !slices.Equal(h.Object.Tags, []Tag{{Key: "u", Value: "v"}}) || h.Object.Headers.ContentType != "c/d" {
				t.Fatalf("%d: after tags REPLACE: %+v", n, h.Object)
			}
			// A new checksum algorithm is a change, and computes the checksum.
			_, err = self(CopyInput{Dst: PutInput{ChecksumAlgorithm: "CRC32"}})
			must(t, err)
			got, out = getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "k"})
			if !bytes.Equal(got, data) || out.Object.Checksum == nil || out.Object.Checksum.Value != sumOf(checksum.CRC32, data) {
				t.Fatalf("%d: after checksum change: %+v", n, out.Object.Checksum)
			}
			// Same algorithm again: no change.
			_, err = self(CopyInput{Dst: PutInput{ChecksumAlgorithm: "CRC32"}})
			wantCode(t, err, "InvalidRequest")
			checkNoLeaks(t, s)
		}
	})
}

func TestCopySourceConditions(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		src := put(t, s, defaultBkt, "src", []byte("source"))
		mod := src.LastModified
		before, after := mod.Add(-time.Hour), mod.Add(time.Hour)
		other := md5hex([]byte("other"))
		tests := []struct {
			name string
			c    Conditions
			ok   bool
			cond string
		}{
			{"if-match", Conditions{IfMatch: src.ETag}, true, ""},
			{"if-match wrong", Conditions{IfMatch: other}, false, "x-amz-copy-source-If-Match"},
			{"if-none-match wrong", Conditions{IfNoneMatch: other}, true, ""},
			{"if-none-match same", Conditions{IfNoneMatch: src.ETag}, false, "x-amz-copy-source-If-None-Match"},
			{"ims before", Conditions{IfModifiedSince: &before}, true, ""},
			{"ims after", Conditions{IfModifiedSince: &after}, false, "x-amz-copy-source-If-Modified-Since"},
			{"ius after", Conditions{IfUnmodifiedSince: &after}, true, ""},
			{"ius before", Conditions{IfUnmodifiedSince: &before}, false, "x-amz-copy-source-If-Unmodified-Since"},
			{"if-match true, ius false", Conditions{IfMatch: src.ETag, IfUnmodifiedSince: &before}, true, ""},
			{"inm false, ims true", Conditions{IfNoneMatch: src.ETag, IfModifiedSince: &before}, false, "x-amz-copy-source-If-None-Match"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "src", SrcCond: tt.c, Dst: PutInput{Bucket: defaultBkt, Key: "dst"}})
				if tt.ok {
					must(t, err)
					return
				}
				wantCode(t, err, "PreconditionFailed")
				if got := ConditionOf(err); got != tt.cond {
					t.Fatalf("condition %q, want %q", got, tt.cond)
				}
			})
		}
	})
}
