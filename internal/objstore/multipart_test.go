package objstore

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"testing"

	"github.com/tarnhq/tarn/internal/checksum"
)

func multipartETag(parts ...[]byte) string {
	h := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		h.Write(s[:])
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(parts))
}

func TestMultipartComplete(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		hdr := Headers{ContentType: "video/mp4"}
		u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "big", Headers: hdr, UserMeta: map[string]string{"m": "1"},
			Tags: []Tag{{Key: "t", Value: "v"}}, Owner: testOwner})
		must(t, err)
		if u.ID == "" || !u.Initiated.Equal(clock.Now()) {
			t.Fatalf("upload = %+v", u)
		}
		p1 := randBytes(MinPartSize, 31)
		p2 := randBytes(MinPartSize+123, 32)
		p3 := randBytes(1000, 33)
		// Part 2 first, then a replacement of it: the first blob must go.
		first := uploadPart(t, s, defaultBkt, "big", u.ID, 2, randBytes(MinPartSize, 99))
		before := blobIDsInStore(t, s)
		if !slices.Contains(before, first.BlobID) {
			t.Fatal("part blob missing")
		}
		parts := []*Part{
			uploadPart(t, s, defaultBkt, "big", u.ID, 1, p1),
			uploadPart(t, s, defaultBkt, "big", u.ID, 2, p2),
			uploadPart(t, s, defaultBkt, "big", u.ID, 3, p3),
		}
		if slices.Contains(blobIDsInStore(t, s), first.BlobID) {
			t.Fatal("replaced part's blob not deleted")
		}
		unused := uploadPart(t, s, defaultBkt, "big", u.ID, 7, []byte("never completed"))
		for i, p := range parts {
			want := [][]byte{p1, p2, p3}[i]
			if p.Number != i+1 || p.ETag != md5hex(want) || p.Size != int64(len(want)) {
				t.Fatalf("part %d = %+v", i+1, p)
			}
		}
		checkNoLeaks(t, s)
		// ListParts, with paging.
		gu, list, trunc, err := s.ListParts(ctx, defaultBkt, "big", u.ID, 0, 1000)
		must(t, err)
		if gu.Headers != hdr || len(list) != 4 || trunc || list[3].Number != 7 || list[1].ETag != md5hex(p2) {
			t.Fatalf("ListParts: %+v %v", list, trunc)
		}
		_, list, trunc, err = s.ListParts(ctx, defaultBkt, "big", u.ID, 1, 2)
		must(t, err)
		if len(list) != 2 || !trunc || list[0].Number != 2 || list[1].Number != 3 {
			t.Fatalf("ListParts after 1 max 2: %+v %v", list, trunc)
		}
		_, list, trunc, err = s.ListParts(ctx, defaultBkt, "big", u.ID, 3, 2)
		must(t, err)
		if len(list) != 1 || trunc || list[0].Number != 7 {
			t.Fatalf("ListParts after 3: %+v %v", list, trunc)
		}

		clock.Advance(100)
		cps := []CompletedPart{{1, `"` + parts[0].ETag + `"`, ""}, {2, parts[1].ETag, ""}, {3, parts[2].ETag, ""}}
		o, err := s.CompleteUpload(ctx, defaultBkt, "big", u.ID, cps, Conditions{}, "")
		must(t, err)
		whole := slices.Concat(p1, p2, p3)
		if o.ETag != multipartETag(p1, p2, p3) || o.Size != int64(len(whole)) || o.PartCount != 3 || o.Headers != hdr ||
			o.UserMeta["m"] != "1" || !slices.Equal(o.Tags, []Tag{{Key: "t", Value: "v"}}) || o.Owner != testOwner {
			t.Fatalf("completed object = %+v", o)
		}
		// The upload is gone; the unused part's blob too; no leaks.
		_, _, _, err = s.ListParts(ctx, defaultBkt, "big", u.ID, 0, 1000)
		wantCode(t, err, "NoSuchUpload")
		_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "big", UploadID: u.ID, Number: 1, Body: PutInput{Body: bytes.NewReader(nil)}})
		wantCode(t, err, "NoSuchUpload")
		_, err = s.CompleteUpload(ctx, defaultBkt, "big", u.ID, cps, Conditions{}, "")
		wantCode(t, err, "NoSuchUpload")
		wantCode(t, s.AbortUpload(ctx, defaultBkt, "big", u.ID), "NoSuchUpload")
		if slices.Contains(blobIDsInStore(t, s), unused.BlobID) {
			t.Fatal("unused part's blob survived Complete")
		}
		if ks := metaKeys(t, s, partKeyPrefix(u.ID)); len(ks) != 0 {
			t.Fatalf("part records left: %q", ks)
		}
		checkNoLeaks(t, s)
		if got := len(blobIDsInStore(t, s)); got != 3 {
			t.Fatalf("%d blobs, want 3", got)
		}

		// GET streams across segments.
		got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "big"})
		if !bytes.Equal(got, whole) || out.Object.ETag != o.ETag {
			t.Fatal("GET of the multipart object returned different bytes")
		}
		// Read with a small buffer too (no WriteTo).
		r, err := s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "big"})
		must(t, err)
		var buf bytes.Buffer
		small := make([]byte, 777)
		for {
			n, err := r.Body.Read(small)
			buf.Write(small[:n])
			if err == io.EOF {
				break
			}
			must(t, err)
		}
		r.Body.Close()
		if !bytes.Equal(buf.Bytes(), whole) {
			t.Fatal("small reads returned different bytes")
		}
		// Ranges across part boundaries.
		b1, b2 := int64(len(p1)), int64(len(p1)+len(p2))
		size := int64(len(whole))
		for _, r := range []Range{{b1 - 10, b1 + 9}, {b1 - 1, b1}, {b1, b1}, {b1, b2 - 1}, {b1 - 5, b2 + 5}, {0, size - 1},
			{b2 - 1, -1}, {-1500, -1}, {10, b2 + 10}, {size - 1, size - 1}} {
			r := r
			got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "big", Range: &r})
			start, end := r.Start, r.End
			if start < 0 {
				start, end = size+start, size-1
			}
			if end < 0 || end >= size {
				end = size - 1
			}
			if !bytes.Equal(got, whole[start:end+1]) || out.Start != start {
				t.Fatalf("range %+v: %d bytes from %d", r, len(got), out.Start)
			}
		}
		// partNumber.
		for i, want := range [][]byte{p1, p2, p3} {
			got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "big", PartNumber: i + 1})
			if !bytes.Equal(got, want) || !out.Ranged || out.Length != int64(len(want)) {
				t.Fatalf("part %d: %d bytes, %+v", i+1, len(got), out)
			}
			h, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "big", PartNumber: i + 1})
			must(t, err)
			if h.Length != int64(len(want)) || h.Object.PartCount != 3 {
				t.Fatalf("HEAD part %d: %+v", i+1, h)
			}
		}
		_, err = s.GetObject(ctx, &GetInput{Bucket: defaultBkt, Key: "big", PartNumber: 4})
		wantCode(t, err, "InvalidPartNumber")
		// Overwriting the multipart object deletes all its blobs.
		put(t, s, defaultBkt, "big", []byte("small now"))
		if ids := blobIDsInStore(t, s); len(ids) != 0 {
			t.Fatalf("multipart blobs left after overwrite: %v", ids)
		}
	})
}

func TestMultipartErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		_, err := s.CreateUpload(ctx, &PutInput{Bucket: "nope", Key: "k"})
		wantCode(t, err, "NoSuchBucket")
		_, err = s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: ""})
		wantCode(t, err, "InvalidArgument")
		_, err = s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "k", StorageClass: "SNOW"})
		wantCode(t, err, "InvalidStorageClass")
		u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "k"})
		must(t, err)
		for _, n := range []int{0, -1, MaxParts + 1} {
			_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "k", UploadID: u.ID, Number: n, Body: PutInput{Body: bytes.NewReader(nil)}})
			wantCode(t, err, "InvalidArgument")
		}
		for _, id := range []string{"", "bogus", u.ID + "x", "a\x00b"} {
			_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "k", UploadID: id, Number: 1, Body: PutInput{Body: bytes.NewReader(nil)}})
			wantCode(t, err, "NoSuchUpload")
		}
		// The upload id belongs to its key.
		_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "other", UploadID: u.ID, Number: 1, Body: PutInput{Body: bytes.NewReader(nil)}})
		wantCode(t, err, "NoSuchUpload")
		// Bad part bodies.
		_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "k", UploadID: u.ID, Number: 1, Body: PutInput{Body: bytes.NewReader([]byte("abc")), Size: 4}})
		wantCode(t, err, "IncompleteBody")
		_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "k", UploadID: u.ID, Number: 1,
			Body: PutInput{Body: bytes.NewReader([]byte("abc")), Size: 3, ContentMD5: md5Of([]byte("abd"))}})
		wantCode(t, err, "BadDigest")
		if ids := blobIDsInStore(t, s); len(ids) != 0 {
			t.Fatalf("failed parts left blobs: %v", ids)
		}

		small := randBytes(1000, 41)
		big := randBytes(MinPartSize, 42)
		ps := []*Part{
			uploadPart(t, s, defaultBkt, "k", u.ID, 1, small),
			uploadPart(t, s, defaultBkt, "k", u.ID, 2, big),
			uploadPart(t, s, defaultBkt, "k", u.ID, 3, small),
		}
		cp := func(i int) CompletedPart { return CompletedPart{Number: ps[i-1].Number, ETag: ps[i-1].ETag} }
		tests := []struct {
			name string
			list []CompletedPart
			code string
		}{
			{"empty", nil, "MalformedXML"},
			{"too small", []CompletedPart{cp(1), cp(2)}, "EntityTooSmall"},
			{"wrong order", []CompletedPart{cp(2), cp(1)}, "InvalidPartOrder"},
			{"duplicate", []CompletedPart{cp(2), cp(2)}, "InvalidPartOrder"},
			{"wrong etag", []CompletedPart{{Number: 2, ETag: md5hex(small)}, cp(3)}, "InvalidPart"},
			{"missing part", []CompletedPart{cp(2), {Number: 4, ETag: ps[2].ETag}}, "InvalidPart"},
			{"bad mode", []CompletedPart{cp(2), cp(3)}, "InvalidRequest"},
		}
		for _, tt := range tests {
			mode := ""
			if tt.name == "bad mode" {
				mode = "FULL_OBJECT"
			}
			_, err := s.CompleteUpload(ctx, defaultBkt, "k", u.ID, tt.list, Conditions{}, mode)
			if errCode := tt.code; errCode != "" {
				if err == nil {
					t.Fatalf("%s: no error", tt.name)
				}
				wantCode(t, err, errCode)
			}
		}
		// The upload survives failed completions; a single small part is fine.
		_, list, _, err := s.ListParts(ctx, defaultBkt, "k", u.ID, 0, 1000)
		must(t, err)
		if len(list) != 3 {
			t.Fatalf("%d parts after failed completes", len(list))
		}
		// Complete refused by a condition leaves the upload.
		put(t, s, defaultBkt, "k", []byte("exists"))
		_, err = s.CompleteUpload(ctx, defaultBkt, "k", u.ID, []CompletedPart{cp(2), cp(3)}, Conditions{IfNoneMatch: "*"}, "")
		wantCode(t, err, "PreconditionFailed")
		if got := readAll(t, s, defaultBkt, "k"); string(got) != "exists" {
			t.Fatal("object replaced despite the failed condition")
		}
		o, err := s.CompleteUpload(ctx, defaultBkt, "k", u.ID, []CompletedPart{cp(2), cp(3)}, Conditions{}, "")
		must(t, err)
		if o.ETag != multipartETag(big, small) {
			t.Fatalf("etag %s", o.ETag)
		}
		if got := readAll(t, s, defaultBkt, "k"); !bytes.Equal(got, slices.Concat(big, small)) {
			t.Fatal("wrong data")
		}
		// A lone part smaller than the minimum is fine; an empty one too.
		u2, _ := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "k2"})
		p := uploadPart(t, s, defaultBkt, "k2", u2.ID, 1, nil)
		o, err = s.CompleteUpload(ctx, defaultBkt, "k2", u2.ID, []CompletedPart{{Number: 1, ETag: p.ETag}}, Conditions{}, "")
		must(t, err)
		if o.Size != 0 || o.ETag != multipartETag(nil) {
			t.Fatalf("empty multipart: %+v", o)
		}
		if got := readAll(t, s, defaultBkt, "k2"); len(got) != 0 {
			t.Fatal("empty multipart has bytes")
		}
		checkNoLeaks(t, s)
	})
}

func TestMultipartAbort(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		put(t, s, defaultBkt, "keep", randBytes(10000, 1))
		keep := blobIDsInStore(t, s)
		u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "k"})
		must(t, err)
		for n := 1; n <= 3; n++ {
			uploadPart(t, s, defaultBkt, "k", u.ID, n, randBytes(1000*n, uint64(n)))
		}
		if len(blobIDsInStore(t, s)) != 4 {
			t.Fatal("part blobs missing")
		}
		wantCode(t, s.AbortUpload(ctx, defaultBkt, "k", "nope"), "NoSuchUpload")
		wantCode(t, s.AbortUpload(ctx, defaultBkt, "other", u.ID), "NoSuchUpload")
		must(t, s.AbortUpload(ctx, defaultBkt, "k", u.ID))
		wantCode(t, s.AbortUpload(ctx, defaultBkt, "k", u.ID), "NoSuchUpload")
		_, err = s.GetUpload(ctx, defaultBkt, "k", u.ID)
		wantCode(t, err, "NoSuchUpload")
		_, _, _, err = s.ListParts(ctx, defaultBkt, "k", u.ID, 0, 10)
		wantCode(t, err, "NoSuchUpload")
		_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "k", UploadID: u.ID, Number: 1, Body: PutInput{Body: bytes.NewReader(nil)}})
		wantCode(t, err, "NoSuchUpload")
		_, err = s.CompleteUpload(ctx, defaultBkt, "k", u.ID, []CompletedPart{{Number: 1, ETag: "x"}}, Conditions{}, "")
		wantCode(t, err, "NoSuchUpload")
		if ids := blobIDsInStore(t, s); !slices.Equal(ids, keep) {
			t.Fatalf("blobs after abort: %v, want %v", ids, keep)
		}
		if ks := metaKeys(t, s, partKeyPrefix(u.ID)); len(ks) != 0 {
			t.Fatalf("part records left: %q", ks)
		}
		checkNoLeaks(t, s)
		_, err = s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k"})
		wantCode(t, err, "NoSuchKey")
	})
}

func TestMultipartChecksums(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		p1 := randBytes(MinPartSize, 51)
		p2 := randBytes(12345, 52)
		whole := slices.Concat(p1, p2)
		raw := func(alg checksum.Algorithm, b []byte) []byte { h := alg.New(); h.Write(b); return h.Sum(nil) }
		for _, tt := range []struct {
			alg, ctype string
			wantType   string
			want       string
		}{
			{"CRC32C", "COMPOSITE", "COMPOSITE", checksum.Encode(raw(checksum.CRC32C, slices.Concat(raw(checksum.CRC32C, p1), raw(checksum.CRC32C, p2)))) + "-2"},
			{"crc32c", "", "COMPOSITE", checksum.Encode(raw(checksum.CRC32C, slices.Concat(raw(checksum.CRC32C, p1), raw(checksum.CRC32C, p2)))) + "-2"},
			{"CRC32C", "FULL_OBJECT", "FULL_OBJECT", sumOf(checksum.CRC32C, whole)},
			{"CRC32", "FULL_OBJECT", "FULL_OBJECT", sumOf(checksum.CRC32, whole)},
			{"CRC64NVME", "", "FULL_OBJECT", sumOf(checksum.CRC64NVME, whole)},
			{"SHA256", "COMPOSITE", "COMPOSITE", checksum.Encode(raw(checksum.SHA256, slices.Concat(raw(checksum.SHA256, p1), raw(checksum.SHA256, p2)))) + "-2"},
		} {
			t.Run(tt.alg+"/"+tt.ctype, func(t *testing.T) {
				u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "k", ChecksumAlgorithm: tt.alg, ChecksumType: tt.ctype})
				must(t, err)
				alg, _ := checksum.ParseAlgorithm(tt.alg)
				if u.ChecksumType != tt.wantType || u.ChecksumAlgorithm != string(alg) {
					t.Fatalf("upload = %+v", u)
				}
				var cps []CompletedPart
				for i, data := range [][]byte{p1, p2} {
					// A wrong part checksum is refused.
					_, err := s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "k", UploadID: u.ID, Number: i + 1,
						Body: PutInput{Body: bytes.NewReader(data), Size: int64(len(data)), ChecksumAlgorithm: string(alg), ChecksumValue: sumOf(alg, []byte("x"))}})
					wantCode(t, err, "BadDigest")
					// The right one, or none, is accepted; the part's checksum is computed.
					p, err := s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "k", UploadID: u.ID, Number: i + 1,
						Body: PutInput{Body: bytes.NewReader(data), Size: int64(len(data)), ChecksumValue: sumOf(alg, data), ChecksumAlgorithm: string(alg)}})
					must(t, err)
					if p.Checksum != sumOf(alg, data) {
						t.Fatalf("part %d checksum %q", i+1, p.Checksum)
					}
					cps = append(cps, CompletedPart{Number: p.Number, ETag: p.ETag, Checksum: p.Checksum})
				}
				// A part checksum of another algorithm is refused.
				other := "SHA1"
				_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "k", UploadID: u.ID, Number: 3,
					Body: PutInput{Body: bytes.NewReader(p2), Size: int64(len(p2)), ChecksumAlgorithm: other}})
				wantCode(t, err, "InvalidRequest")
				// A wrong checksum in the completion list is refused.
				bad := slices.Clone(cps)
				bad[1].Checksum = sumOf(alg, []byte("wrong"))
				_, err = s.CompleteUpload(ctx, defaultBkt, "k", u.ID, bad, Conditions{}, "")
				wantCode(t, err, "InvalidPart")
				o, err := s.CompleteUpload(ctx, defaultBkt, "k", u.ID, cps, Conditions{}, tt.ctype)
				must(t, err)
				if o.Checksum == nil || o.Checksum.Algorithm != string(alg) || o.Checksum.Type != tt.wantType || o.Checksum.Value != tt.want {
					t.Fatalf("checksum = %+v, want %s %s", o.Checksum, tt.wantType, tt.want)
				}
				h, err := s.HeadObject(ctx, &GetInput{Bucket: defaultBkt, Key: "k"})
				must(t, err)
				if *h.Object.Checksum != *o.Checksum || h.Object.Segments[1].Checksum != sumOf(alg, p2) {
					t.Fatalf("stored checksum = %+v", h.Object.Checksum)
				}
			})
		}
		for _, tt := range []struct{ alg, ctype string }{
			{"SHA256", "FULL_OBJECT"}, {"SHA1", "FULL_OBJECT"}, {"CRC64NVME", "COMPOSITE"}, {"", "COMPOSITE"}, {"CRC32", "BOGUS"},
		} {
			_, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "k", ChecksumAlgorithm: tt.alg, ChecksumType: tt.ctype})
			wantCode(t, err, "InvalidRequest")
		}
		checkNoLeaks(t, s)
	})
}

func TestListUploads(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		mkBucket(t, s, "bkt2")
		type kid struct{ key, id string }
		var all []kid
		for _, key := range []string{"a", "a/1", "a/2", "b", "b/x/y", "c", "a"} {
			clock.Advance(1)
			u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: key})
			must(t, err)
			all = append(all, kid{key, u.ID})
		}
		_, err := s.CreateUpload(ctx, &PutInput{Bucket: "bkt2", Key: "a"})
		must(t, err)
		// Sorted by key, then initiation.
		want := []kid{all[0], all[6], all[1], all[2], all[3], all[4], all[5]}
		ids := func(out *ListUploadsOutput) []kid {
			var r []kid
			for _, u := range out.Uploads {
				r = append(r, kid{u.Key, u.ID})
			}
			return r
		}
		out, err := s.ListUploads(ctx, &ListUploadsInput{Bucket: defaultBkt, MaxUploads: 1000})
		must(t, err)
		if !slices.Equal(ids(out), want) || out.IsTruncated {
			t.Fatalf("all uploads: %v", ids(out))
		}
		// Paging one at a time by (key, upload id) markers.
		var paged []kid
		in := ListUploadsInput{Bucket: defaultBkt, MaxUploads: 2}
		for i := 0; ; i++ {
			if i > 10 {
				t.Fatal("paging does not end")
			}
			out, err := s.ListUploads(ctx, &in)
			must(t, err)
			paged = append(paged, ids(out)...)
			if !out.IsTruncated {
				break
			}
			in.KeyMarker, in.UploadIDMarker = out.NextKey, out.NextUploadID
		}
		if !slices.Equal(paged, want) {
			t.Fatalf("paged: %v", paged)
		}
		// Key marker without an upload id marker skips every upload of that key.
		out, err = s.ListUploads(ctx, &ListUploadsInput{Bucket: defaultBkt, KeyMarker: "a", MaxUploads: 1000})
		must(t, err)
		if !slices.Equal(ids(out), want[2:]) {
			t.Fatalf("after key a: %v", ids(out))
		}
		out, err = s.ListUploads(ctx, &ListUploadsInput{Bucket: defaultBkt, KeyMarker: "a", UploadIDMarker: all[0].id, MaxUploads: 1000})
		must(t, err)
		if !slices.Equal(ids(out), want[1:]) {
			t.Fatalf("after a/%s: %v", all[0].id, ids(out))
		}
		// Prefix.
		out, err = s.ListUploads(ctx, &ListUploadsInput{Bucket: defaultBkt, Prefix: "a/", MaxUploads: 1000})
		must(t, err)
		if !slices.Equal(ids(out), want[2:4]) {
			t.Fatalf("prefix a/: %v", ids(out))
		}
		// Delimiter.
		out, err = s.ListUploads(ctx, &ListUploadsInput{Bucket: defaultBkt, Delimiter: "/", MaxUploads: 1000})
		must(t, err)
		if !slices.Equal(ids(out), []kid{all[0], all[6], all[3], all[5]}) || !slices.Equal(out.CommonPrefixes, []string{"a/", "b/"}) {
			t.Fatalf("delimiter: %v %v", ids(out), out.CommonPrefixes)
		}
		out, err = s.ListUploads(ctx, &ListUploadsInput{Bucket: defaultBkt, Prefix: "b/", Delimiter: "/", MaxUploads: 1000})
		must(t, err)
		if len(out.Uploads) != 0 || !slices.Equal(out.CommonPrefixes, []string{"b/x/"}) {
			t.Fatalf("prefix b/ delimiter: %v %v", ids(out), out.CommonPrefixes)
		}
		// Delimiter with paging: a common prefix is not repeated on the next page.
		var seenPrefixes []string
		var seen []kid
		in = ListUploadsInput{Bucket: defaultBkt, Delimiter: "/", MaxUploads: 1}
		for i := 0; ; i++ {
			if i > 10 {
				t.Fatal("paging does not end")
			}
			out, err := s.ListUploads(ctx, &in)
			must(t, err)
			seen = append(seen, ids(out)...)
			seenPrefixes = append(seenPrefixes, out.CommonPrefixes...)
			if !out.IsTruncated {
				break
			}
			in.KeyMarker, in.UploadIDMarker = out.NextKey, out.NextUploadID
		}
		if !slices.Equal(seen, []kid{all[0], all[6], all[3], all[5]}) || !slices.Equal(seenPrefixes, []string{"a/", "b/"}) {
			t.Fatalf("delimiter paging: %v %v", seen, seenPrefixes)
		}
		_, err = s.ListUploads(ctx, &ListUploadsInput{Bucket: "nope"})
		wantCode(t, err, "NoSuchBucket")
	})
}

func TestUploadPartCopy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		srcData := randBytes(MinPartSize+5000, 61)
		src := put(t, s, defaultBkt, "src", srcData)
		small := put(t, s, defaultBkt, "small", []byte("tiny inline source"))
		u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "dst"})
		must(t, err)
		// Part 1: the first MinPartSize bytes, by range.
		p1, err := s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "dst", UploadID: u.ID, Number: 1,
			Copy: &CopyInput{SrcBucket: defaultBkt, SrcKey: "src", Range: &Range{0, MinPartSize - 1}}})
		must(t, err)
		// Part 2: a range from the middle to near the end.
		p2, err := s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "dst", UploadID: u.ID, Number: 2,
			Copy: &CopyInput{SrcBucket: defaultBkt, SrcKey: "src", Range: &Range{4000, MinPartSize + 3999}}})
		must(t, err)
		// Part 3: a whole inline object, with a matching source condition.
		p3, err := s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "dst", UploadID: u.ID, Number: 3,
			Copy: &CopyInput{SrcBucket: defaultBkt, SrcKey: "small", SrcCond: Conditions{IfMatch: small.ETag}}})
		must(t, err)
		if p1.Size != MinPartSize || p2.Size != MinPartSize || p2.ETag != md5hex(srcData[4000:MinPartSize+4000]) {
			t.Fatalf("parts: %+v %+v", p1, p2)
		}
		// Invalid ranges and conditions.
		for _, r := range []Range{{0, int64(len(srcData))}, {-1, 10}, {10, 5}} {
			r := r
			_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "dst", UploadID: u.ID, Number: 4,
				Copy: &CopyInput{SrcBucket: defaultBkt, SrcKey: "src", Range: &r}})
			wantCode(t, err, "InvalidArgument")
		}
		_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "dst", UploadID: u.ID, Number: 4,
			Copy: &CopyInput{SrcBucket: defaultBkt, SrcKey: "src", SrcCond: Conditions{IfNoneMatch: src.ETag}}})
		wantCode(t, err, "PreconditionFailed")
		_, err = s.UploadPart(ctx, &PartInput{Bucket: defaultBkt, Key: "dst", UploadID: u.ID, Number: 4,
			Copy: &CopyInput{SrcBucket: defaultBkt, SrcKey: "missing"}})
		wantCode(t, err, "NoSuchKey")
		o, err := s.CompleteUpload(ctx, defaultBkt, "dst", u.ID, []CompletedPart{{1, p1.ETag, ""}, {2, p2.ETag, ""}, {3, p3.ETag, ""}}, Conditions{}, "")
		must(t, err)
		want := slices.Concat(srcData[:MinPartSize], srcData[4000:MinPartSize+4000], []byte("tiny inline source"))
		if got := readAll(t, s, defaultBkt, "dst"); !bytes.Equal(got, want) {
			t.Fatal("UploadPartCopy data differs")
		}
		if o.Size != int64(len(want)) {
			t.Fatalf("size %d", o.Size)
		}
		checkNoLeaks(t, s)
		// The copied multipart object can itself be copied.
		_, err = s.CopyObject(ctx, &CopyInput{SrcBucket: defaultBkt, SrcKey: "dst", Dst: PutInput{Bucket: defaultBkt, Key: "flat"}})
		must(t, err)
		got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "flat"})
		if !bytes.Equal(got, want) || out.Object.PartCount != 0 || out.Object.ETag != md5hex(want) {
			t.Fatalf("copy of multipart: %+v", out.Object)
		}
	})
}
