package objstore

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/tarnhq/tarn/internal/checksum"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

func TestPutGetHeadDelete(t *testing.T) {
	sizes := []int{0, 1, 100, testInline, testInline + 1, 300 << 10, 1<<20 + 7}
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		for i, n := range sizes {
			key := fmt.Sprintf("obj-%d", n)
			data := randBytes(n, uint64(i))
			hdr := Headers{ContentType: "text/plain", CacheControl: "no-cache"}
			umeta := map[string]string{"color": "blue"}
			o, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: key, Body: bytes.NewReader(data), Size: int64(n),
				Headers: hdr, UserMeta: umeta, Tags: []Tag{{Key: "t", Value: "1"}}, Owner: testOwner})
			must(t, err)
			if o.ETag != md5hex(data) {
				t.Fatalf("%d: etag %s, want md5 %s", n, o.ETag, md5hex(data))
			}
			if o.Size != int64(n) || !o.LastModified.Equal(clock.Now()) || o.Class() != "STANDARD" {
				t.Fatalf("%d: object = %+v", n, o)
			}
			if wantInline := n <= testInline; o.Inline() != wantInline {
				t.Fatalf("%d bytes: Inline() = %v, want %v", n, o.Inline(), wantInline)
			}
			got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: key})
			if !bytes.Equal(got, data) {
				t.Fatalf("%d: GET returned %d different bytes", n, len(got))
			}
			if out.Ranged || out.Start != 0 || out.Length != int64(n) {
				t.Fatalf("%d: out = %+v", n, out)
			}
			g := out.Object
			if g.ETag != o.ETag || g.Headers != hdr || g.UserMeta["color"] != "blue" || !slices.Equal(g.Tags, o.Tags) ||
				g.Owner != testOwner || !g.LastModified.Equal(o.LastModified) {
				t.Fatalf("%d: GET record = %+v", n, g)
			}
			h, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: key})
			must(t, err)
			if h.Body != nil || h.Object.Size != int64(n) || h.Object.ETag != o.ETag {
				t.Fatalf("%d: HEAD = %+v", n, h)
			}
			clock.Advance(time.Second)
		}
		checkNoLeaks(t, s)
		if got := len(blobIDsInStore(t, s)); got != 3 {
			t.Fatalf("%d blobs, want 3 (objects over the inline limit)", got)
		}
		for _, n := range sizes {
			key := fmt.Sprintf("obj-%d", n)
			must(t, s.DeleteObject(ctx, defaultBkt, key))
			_, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: key})
			wantCode(t, err, "NoSuchKey")
			_, err = s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: key})
			wantCode(t, err, "NoSuchKey")
		}
		if ids := blobIDsInStore(t, s); len(ids) != 0 {
			t.Fatalf("blobs left after deleting everything: %v", ids)
		}
		checkNoLeaks(t, s)
		// Deleting a missing key succeeds; a missing bucket does not.
		must(t, s.DeleteObject(ctx, defaultBkt, "never"))
		wantCode(t, s.DeleteObject(ctx, "nobucket", "k"), "NoSuchBucket")
		_, err := s.GetObject(ctx, &GetInput{Bucket: "nobucket", Key: "k"})
		wantCode(t, err, "NoSuchBucket")
	})
}

func TestPutUnknownSize(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		for _, n := range []int{0, 10, 200 << 10} {
			data := randBytes(n, 7)
			// A one-byte reader exercises short reads.
			o, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: iotest.OneByteReader(bytes.NewReader(data)), Size: -1})
			must(t, err)
			if o.Size != int64(n) || o.ETag != md5hex(data) {
				t.Fatalf("size %d etag %s", o.Size, o.ETag)
			}
			if got := readAll(t, s, defaultBkt, "k"); !bytes.Equal(got, data) {
				t.Fatal("data differs")
			}
		}
		checkNoLeaks(t, s)
	})
}

func TestPutBadDigest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		for _, n := range []int{10, 100 << 10} {
			orig := randBytes(n, 1)
			put(t, s, defaultBkt, "k", orig)
			before := blobIDsInStore(t, s)
			data := randBytes(n, 2)
			wrong := md5Of(orig)
			_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: bytes.NewReader(data), Size: int64(n), ContentMD5: wrong})
			wantCode(t, err, "BadDigest")
			if got := readAll(t, s, defaultBkt, "k"); !bytes.Equal(got, orig) {
				t.Fatalf("%d: object changed by a failed put", n)
			}
			if after := blobIDsInStore(t, s); !slices.Equal(before, after) {
				t.Fatalf("%d: blobs changed: %v -> %v", n, before, after)
			}
			// The right MD5 is accepted.
			_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: bytes.NewReader(data), Size: int64(n), ContentMD5: md5Of(data)})
			must(t, err)
			if got := readAll(t, s, defaultBkt, "k"); !bytes.Equal(got, data) {
				t.Fatal("object not replaced")
			}
		}
		checkNoLeaks(t, s)
	})
}

func sumOf(alg checksum.Algorithm, data []byte) string {
	h := alg.New()
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func TestPutChecksum(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		for _, n := range []int{0, 50, 70 << 10} {
			data := randBytes(n, 3)
			for _, alg := range checksum.Algorithms {
				name := fmt.Sprintf("%s/%d", alg, n)
				want := sumOf(alg, data)
				// Computed only.
				o, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "c", Body: bytes.NewReader(data), Size: int64(n),
					ChecksumAlgorithm: strings.ToLower(string(alg))})
				must(t, err)
				if o.Checksum == nil || o.Checksum.Algorithm != string(alg) || o.Checksum.Value != want || o.Checksum.Type != "FULL_OBJECT" {
					t.Fatalf("%s: checksum = %+v, want %s", name, o.Checksum, want)
				}
				h, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "c"})
				must(t, err)
				if h.Object.Checksum == nil || *h.Object.Checksum != *o.Checksum {
					t.Fatalf("%s: stored checksum = %+v", name, h.Object.Checksum)
				}
				// Verified: right value.
				_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "c", Body: bytes.NewReader(data), Size: int64(n),
					ChecksumAlgorithm: string(alg), ChecksumValue: want})
				must(t, err)
				// Wrong value (the sum of other bytes): BadDigest, nothing stored.
				bad := sumOf(alg, append([]byte("x"), data...))
				_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "bad", Body: bytes.NewReader(data), Size: int64(n),
					ChecksumAlgorithm: string(alg), ChecksumValue: bad})
				wantCode(t, err, "BadDigest")
				// Trailer, read after the body.
				_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "bad", Body: bytes.NewReader(data), Size: int64(n),
					ChecksumAlgorithm: string(alg), ChecksumTrailer: func() string { return bad }})
				wantCode(t, err, "BadDigest")
				_, err = s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "bad"})
				wantCode(t, err, "NoSuchKey")
			}
		}
		_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "c", Body: bytes.NewReader(nil), ChecksumAlgorithm: "MD5"})
		wantCode(t, err, "InvalidRequest")
		checkNoLeaks(t, s)
	})
}

func TestPutIncompleteBody(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		orig := put(t, s, defaultBkt, "k", []byte("original"))
		for _, n := range []int{10, testInline, 100 << 10} {
			data := randBytes(n, 4)
			// Short: declared n, sent n-1.
			_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: bytes.NewReader(data[:n-1]), Size: int64(n)})
			wantCode(t, err, "IncompleteBody")
			// Empty body for a non-empty declared size.
			_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: bytes.NewReader(nil), Size: int64(n)})
			wantCode(t, err, "IncompleteBody")
			// Long: declared n-1, sent n.
			_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: bytes.NewReader(data), Size: int64(n - 1)})
			wantCode(t, err, "IncompleteBody")
		}
		// Nil body with a declared size.
		_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Size: 5})
		wantCode(t, err, "IncompleteBody")
		// A body error passes through as an error.
		_, err = s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "k", Body: iotest.ErrReader(io.ErrClosedPipe), Size: 100 << 10})
		if err == nil {
			t.Fatal("body error ignored")
		}
		got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "k"})
		if string(got) != "original" || out.Object.ETag != orig.ETag {
			t.Fatalf("object changed by failed puts: %q", got)
		}
		checkNoLeaks(t, s)
		if ids := blobIDsInStore(t, s); len(ids) != 0 {
			t.Fatalf("failed puts left blobs: %v", ids)
		}
	})
}

func TestPutValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		bigMeta := map[string]string{"k": strings.Repeat("v", MaxUserMetaSize-1)}
		tooBigMeta := map[string]string{"k": strings.Repeat("v", MaxUserMetaSize)}
		tests := []struct {
			name string
			in   PutInput
			code string
		}{
			{"key 1024", PutInput{Key: strings.Repeat("k", 1024)}, ""},
			{"key 1025", PutInput{Key: strings.Repeat("k", 1025)}, "KeyTooLongError"},
			{"key 1024 bytes of runes", PutInput{Key: strings.Repeat("é", 512)}, ""},
			{"key 1026 bytes of runes", PutInput{Key: strings.Repeat("é", 513)}, "KeyTooLongError"},
			{"empty key", PutInput{Key: ""}, "InvalidArgument"},
			{"invalid utf-8", PutInput{Key: "a\xffb"}, "InvalidObjectName"},
			{"meta at limit", PutInput{Key: "m", UserMeta: bigMeta}, ""},
			{"meta too large", PutInput{Key: "m2", UserMeta: tooBigMeta}, "MetadataTooLarge"},
			{"standard", PutInput{Key: "s", StorageClass: "STANDARD"}, ""},
			{"glacier", PutInput{Key: "g", StorageClass: "GLACIER"}, ""},
			{"standard_ia", PutInput{Key: "ia", StorageClass: "STANDARD_IA"}, ""},
			{"bogus class", PutInput{Key: "b", StorageClass: "FAST"}, "InvalidStorageClass"},
			{"express class", PutInput{Key: "e", StorageClass: "EXPRESS_ONEZONE"}, "InvalidStorageClass"},
			{"11 tags", PutInput{Key: "t", Tags: make([]Tag, 11)}, "BadRequest"},
			{"aws tag", PutInput{Key: "t", Tags: []Tag{{Key: "aws:x"}}}, "InvalidTag"},
			{"too large", PutInput{Key: "big", Size: MaxPutSize + 1}, "EntityTooLarge"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := tt.in
				in.Bucket = defaultBkt
				if in.Size == 0 {
					in.Body = bytes.NewReader(nil)
				}
				_, err := s.PutObject(ctx, &in)
				if tt.code == "" {
					must(t, err)
					return
				}
				wantCode(t, err, tt.code)
				if in.Key != "" && !strings.Contains(tt.name, "utf") && len(in.Key) <= MaxKeyLength {
					if _, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: in.Key}); err == nil {
						t.Fatal("object stored despite the error")
					}
				}
			})
		}
		_, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: strings.Repeat("k", 1025)})
		wantCode(t, err, "NoSuchKey")
		checkNoLeaks(t, s)
	})
}

type rangeCase struct {
	name          string
	r             Range
	start, length int64
	code          string
}

func rangeCases(size int64) []rangeCase {
	return []rangeCase{
		{"first byte", Range{0, 0}, 0, 1, ""},
		{"middle", Range{100, 199}, 100, 100, ""},
		{"last byte", Range{size - 1, size - 1}, size - 1, 1, ""},
		{"whole", Range{0, size - 1}, 0, size, ""},
		{"end past size", Range{size - 10, size + 20000}, size - 10, 10, ""},
		{"open-ended", Range{size - 7, -1}, size - 7, 7, ""},
		{"open-ended from 0", Range{0, -1}, 0, size, ""},
		{"suffix", Range{-10, -1}, size - 10, 10, ""},
		{"suffix 1", Range{-1, -1}, size - 1, 1, ""},
		{"suffix == size", Range{-size, -1}, 0, size, ""},
		{"suffix > size", Range{-(size + 500), -1}, 0, size, ""},
		{"start == size", Range{size, -1}, 0, 0, "InvalidRange"},
		{"start == size, end", Range{size, size + 10}, 0, 0, "InvalidRange"},
		{"start > size", Range{size + 1, size + 5}, 0, 0, "InvalidRange"},
	}
}

func TestGetRange(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		for _, size := range []int{3000, 300 << 10} { // inline, blob
			key := fmt.Sprint(size)
			data := randBytes(size, 5)
			put(t, s, defaultBkt, key, data)
			for _, tt := range rangeCases(int64(size)) {
				t.Run(key+"/"+tt.name, func(t *testing.T) {
					r := tt.r
					for _, head := range []bool{false, true} {
						in := &GetInput{Bucket: defaultBkt, Key: key, Range: &r}
						var out *GetOutput
						var err error
						var got []byte
						if head {
							out, err = s.HeadObject(ctx, in)
						} else {
							out, err = s.GetObject(ctx, in)
							if err == nil {
								got, err = io.ReadAll(out.Body)
								out.Body.Close()
							}
						}
						if tt.code != "" {
							wantCode(t, err, tt.code)
							continue
						}
						must(t, err)
						if !out.Ranged || out.Start != tt.start || out.Length != tt.length {
							t.Fatalf("range %+v: got start %d length %d ranged %v, want %d %d", r, out.Start, out.Length, out.Ranged, tt.start, tt.length)
						}
						if !head && !bytes.Equal(got, data[tt.start:tt.start+tt.length]) {
							t.Fatalf("range %+v: wrong bytes", r)
						}
					}
				})
			}
		}
	})
}

func TestGetRangeEmptyObject(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		put(t, s, defaultBkt, "empty", nil)
		got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "empty"})
		if len(got) != 0 || out.Length != 0 || out.Object.ETag != md5hex(nil) {
			t.Fatalf("empty object: %q %+v", got, out)
		}
		for _, r := range []Range{{0, -1}, {0, 0}, {-1, -1}, {-5, -1}} {
			_, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "empty", Range: &r})
			wantCode(t, err, "InvalidRange")
		}
		// partNumber 1 of an empty simple object is the empty object.
		got, out = getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "empty", PartNumber: 1})
		if len(got) != 0 || out.Length != 0 {
			t.Fatalf("part 1 of empty: %+v", out)
		}
	})
}

func TestGetPartNumberSimple(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		for _, n := range []int{100, 100 << 10} {
			data := randBytes(n, 6)
			put(t, s, defaultBkt, "k", data)
			got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "k", PartNumber: 1})
			if !bytes.Equal(got, data) || !out.Ranged || out.Start != 0 || out.Length != int64(n) {
				t.Fatalf("part 1: %+v", out)
			}
			_, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k", PartNumber: 2})
			wantCode(t, err, "InvalidPartNumber")
			_, err = s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k", PartNumber: 2})
			wantCode(t, err, "InvalidPartNumber")
		}
	})
}

func TestReadConditions(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		clock.Advance(300 * time.Millisecond) // sub-second mtime: compared truncated to seconds
		o := put(t, s, defaultBkt, "k", []byte("hello"))
		mod := o.LastModified.Truncate(time.Second)
		before, after := mod.Add(-time.Hour), mod.Add(time.Hour)
		etag, quoted, other := o.ETag, `"`+o.ETag+`"`, `"0123456789abcdef0123456789abcdef"`
		tests := []struct {
			name string
			c    Conditions
			code string // "", PreconditionFailed or NotModified
		}{
			{"none", Conditions{}, ""},
			{"if-match bare", Conditions{IfMatch: etag}, ""},
			{"if-match quoted", Conditions{IfMatch: quoted}, ""},
			{"if-match star", Conditions{IfMatch: "*"}, ""},
			{"if-match list", Conditions{IfMatch: other + ", " + quoted}, ""},
			{"if-match weak", Conditions{IfMatch: "W/" + quoted}, ""},
			{"if-match other", Conditions{IfMatch: other}, "PreconditionFailed"},
			{"if-none-match same", Conditions{IfNoneMatch: quoted}, "NotModified"},
			{"if-none-match star", Conditions{IfNoneMatch: "*"}, "NotModified"},
			{"if-none-match other", Conditions{IfNoneMatch: other}, ""},
			{"ims before", Conditions{IfModifiedSince: &before}, ""},
			{"ims equal", Conditions{IfModifiedSince: &mod}, "NotModified"},
			{"ims after", Conditions{IfModifiedSince: &after}, "NotModified"},
			{"ius before", Conditions{IfUnmodifiedSince: &before}, "PreconditionFailed"},
			{"ius equal", Conditions{IfUnmodifiedSince: &mod}, ""},
			{"ius after", Conditions{IfUnmodifiedSince: &after}, ""},
			// If-Match true overrides If-Unmodified-Since false.
			{"if-match true + ius false", Conditions{IfMatch: quoted, IfUnmodifiedSince: &before}, ""},
			{"if-match false + ius true", Conditions{IfMatch: other, IfUnmodifiedSince: &after}, "PreconditionFailed"},
			// If-None-Match false overrides If-Modified-Since true: 304.
			{"inm false + ims true", Conditions{IfNoneMatch: quoted, IfModifiedSince: &before}, "NotModified"},
			// If-None-Match true overrides If-Modified-Since false.
			{"inm true + ims false", Conditions{IfNoneMatch: other, IfModifiedSince: &after}, ""},
			// 412 beats 304.
			{"if-match false + inm false", Conditions{IfMatch: other, IfNoneMatch: quoted}, "PreconditionFailed"},
			{"ius false + ims false", Conditions{IfUnmodifiedSince: &before, IfModifiedSince: &after}, "PreconditionFailed"},
			{"if-match true + inm false", Conditions{IfMatch: quoted, IfNoneMatch: quoted}, "NotModified"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, head := range []bool{false, true} {
					in := &GetInput{Bucket: defaultBkt, Key: "k", Cond: tt.c}
					var out *GetOutput
					var err error
					if head {
						out, err = s.HeadObject(ctx, in)
					} else {
						out, err = s.GetObject(ctx, in)
					}
					if tt.code == "" {
						must(t, err)
						if !head {
							out.Body.Close()
						}
						continue
					}
					wantCode(t, err, tt.code)
					// The record is returned so a 304 can carry ETag and Last-Modified.
					if out == nil || out.Object == nil || out.Object.ETag != etag || out.Body != nil {
						t.Fatalf("output with %s: %+v", tt.code, out)
					}
				}
			})
		}
		err := func() error {
			_, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k", Cond: Conditions{IfMatch: other}})
			return err
		}()
		if ConditionOf(err) != "If-Match" {
			t.Fatalf("ConditionOf = %q", ConditionOf(err))
		}
	})
}

func TestConditionalWrites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		putc := func(key string, data []byte, c Conditions) (*Object, error) {
			return s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: key, Body: bytes.NewReader(data), Size: int64(len(data)), Cond: c})
		}
		big := randBytes(50<<10, 8)
		// If-None-Match: * creates a missing key, refuses an existing one.
		o, err := putc("k", []byte("one"), Conditions{IfNoneMatch: "*"})
		must(t, err)
		_, err = putc("k", []byte("two"), Conditions{IfNoneMatch: "*"})
		wantCode(t, err, "PreconditionFailed")
		_, err = putc("k", big, Conditions{IfNoneMatch: "*"})
		wantCode(t, err, "PreconditionFailed")
		_, err = putc("k", []byte("two"), Conditions{IfNoneMatch: `"` + o.ETag + `"`})
		wantCode(t, err, "NotImplemented")
		// If-Match on a missing key: NoSuchKey.
		_, err = putc("missing", []byte("x"), Conditions{IfMatch: o.ETag})
		wantCode(t, err, "NoSuchKey")
		_, err = putc("missing", []byte("x"), Conditions{IfMatch: "*"})
		wantCode(t, err, "NoSuchKey")
		// If-Match with the wrong ETag; then the right one.
		_, err = putc("k", big, Conditions{IfMatch: md5hex([]byte("nope"))})
		wantCode(t, err, "PreconditionFailed")
		o2, err := putc("k", big, Conditions{IfMatch: `"` + o.ETag + `"`})
		must(t, err)
		// The old ETag no longer matches.
		_, err = putc("k", []byte("three"), Conditions{IfMatch: o.ETag})
		wantCode(t, err, "PreconditionFailed")
		if got := readAll(t, s, defaultBkt, "k"); !bytes.Equal(got, big) || o2.ETag != md5hex(big) {
			t.Fatal("wrong data after conditional writes")
		}
		_, err = s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "missing"})
		wantCode(t, err, "NoSuchKey")
		checkNoLeaks(t, s)
	})
}

func TestOverwriteDeletesOldBlob(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		sizes := []int{100 << 10, 200 << 10, 10, 300 << 10, 0, 64 << 10}
		var last []byte
		for i, n := range sizes {
			last = randBytes(n, uint64(100+i))
			o := put(t, s, defaultBkt, "k", last)
			ids := blobIDsInStore(t, s)
			want := blobIDs(o.Segments)
			if len(want) == 0 {
				want = nil
			}
			if !slices.Equal(ids, want) {
				t.Fatalf("after put %d (%d bytes): blobs %v, want %v", i, n, ids, want)
			}
			checkNoLeaks(t, s)
		}
		if got := readAll(t, s, defaultBkt, "k"); !bytes.Equal(got, last) {
			t.Fatal("wrong data")
		}
		must(t, s.DeleteObject(ctx, defaultBkt, "k"))
		if ids := blobIDsInStore(t, s); len(ids) != 0 {
			t.Fatalf("blobs left: %v", ids)
		}
	})
}

func TestObjectTags(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		data := randBytes(20<<10, 9)
		o := put(t, s, defaultBkt, "k", data)
		put(t, s, defaultBkt, "small", []byte("tiny"))
		clock.Advance(time.Hour)
		tags := []Tag{{Key: "a", Value: "1"}, {Key: "b", Value: ""}}
		must(t, setTags(s, ctx, defaultBkt, "k", tags))
		must(t, setTags(s, ctx, defaultBkt, "small", tags))
		got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "k"})
		if !bytes.Equal(got, data) || !slices.Equal(out.Object.Tags, tags) || out.Object.ETag != o.ETag ||
			!out.Object.LastModified.Equal(o.LastModified) {
			t.Fatalf("after tagging: %+v", out.Object)
		}
		if got := readAll(t, s, defaultBkt, "small"); string(got) != "tiny" {
			t.Fatalf("inline data after tagging: %q", got)
		}
		wantCode(t, setTags(s, ctx, defaultBkt, "k", []Tag{{Key: "a"}, {Key: "a"}}), "InvalidTag")
		wantCode(t, setTags(s, ctx, defaultBkt, "missing", tags), "NoSuchKey")
		wantCode(t, setTags(s, ctx, "nobucket", "k", tags), "NoSuchBucket")
		must(t, setTags(s, ctx, defaultBkt, "k", nil))
		h, _ := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k"})
		if len(h.Object.Tags) != 0 {
			t.Fatalf("tags after delete: %v", h.Object.Tags)
		}
		checkNoLeaks(t, s)
	})
}

func TestInlineCorruptionDetected(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		put(t, s, defaultBkt, "k", []byte("precious bytes"))
		v, err := s.meta.Get(ctx, objectKey(defaultBkt, "k"))
		must(t, err)
		v = append([]byte(nil), v...)
		v[len(v)-1] ^= 1
		var b meta.Batch
		b.Set(objectKey(defaultBkt, "k"), v)
		must(t, s.meta.Apply(ctx, &b))
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k"})
		wantCode(t, err, "InternalError")
		// HEAD does not read the data.
		_, err = s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k"})
		must(t, err)
	})
}

// A range whose last byte is before its first is invalid: RFC 9110 says to
// ignore it, and S3 returns the whole object. It must not panic (inline
// objects) or return a negative length (blob objects).
func TestGetBackwardRangeIgnored(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		for _, n := range []int{10, 10000} {
			data := randBytes(n, 11)
			put(t, s, defaultBkt, "k", data)
			got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "k", Range: &Range{5, 2}})
			if !bytes.Equal(got, data) || out.Ranged || out.Start != 0 || out.Length != int64(n) {
				t.Fatalf("%d bytes, range 5-2: got %d bytes, %+v", n, len(got), out)
			}
			h, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k", Range: &Range{5, 2}})
			must(t, err)
			if h.Ranged || h.Length != int64(n) {
				t.Fatalf("HEAD %d bytes, range 5-2: %+v", n, h)
			}
		}
	})
}
