package objstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	blobdisk "github.com/tarnhq/tarn/internal/storage/blob/disk"
	metapebble "github.com/tarnhq/tarn/internal/storage/meta/pebble"
)

func TestConcurrentOverwrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		const n = 16
		bodies := make([][]byte, n)
		for i := range bodies {
			size := 20<<10 + i*1000
			if i%4 == 0 {
				size = 100 + i // some inline
			}
			bodies[i] = randBytes(size, uint64(1000+i))
		}
		for round := 0; round < 3; round++ {
			var wg sync.WaitGroup
			errc := make(chan error, n)
			start := make(chan struct{})
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					_, err := s.PutObject(ctx, &PutInput{Bucket: defaultBkt, Key: "hot", Body: bytes.NewReader(bodies[i]), Size: int64(len(bodies[i]))})
					errc <- err
				}(i)
			}
			close(start)
			wg.Wait()
			close(errc)
			for err := range errc {
				must(t, err)
			}
			got, out := getBytes(t, s, &GetInput{Bucket: defaultBkt, Key: "hot"})
			idx := slices.IndexFunc(bodies, func(b []byte) bool { return bytes.Equal(b, got) })
			if idx < 0 {
				t.Fatalf("round %d: object is none of the bodies (%d bytes)", round, len(got))
			}
			if out.Object.ETag != md5hex(bodies[idx]) {
				t.Fatalf("round %d: etag does not match data", round)
			}
			checkNoLeaks(t, s)
			want := blobIDs(out.Object.Segments)
			if ids := blobIDsInStore(t, s); !slices.Equal(ids, want) && !(len(ids) == 0 && len(want) == 0) {
				t.Fatalf("round %d: blobs %v, want %v", round, ids, want)
			}
		}
	})
}

func TestConcurrentPutDeleteBucket(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		deleted := 0
		for iter := 0; iter < 30; iter++ {
			name := fmt.Sprintf("race-%02d", iter)
			mkBucket(t, s, name)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					<-start
					data := randBytes(1000+w*10000, uint64(w)) // inline and blob
					_, err := s.PutObject(ctx, &PutInput{Bucket: name, Key: fmt.Sprint("k", w), Body: bytes.NewReader(data), Size: int64(len(data))})
					if err != nil && errCodeOf(err) != "NoSuchBucket" {
						t.Errorf("put: %v", err)
					}
				}(w)
			}
			var delErr error
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if iter%2 == 0 {
					time.Sleep(time.Duration(iter) * 50 * time.Microsecond)
				}
				delErr = s.DeleteBucket(ctx, name)
			}()
			close(start)
			wg.Wait()
			_, err := s.Bucket(ctx, name)
			exists := err == nil
			if delErr == nil {
				deleted++
				if exists {
					t.Fatalf("%s: DeleteBucket succeeded but the bucket exists", name)
				}
				if ks := metaKeys(t, s, objectKeyPrefix(name)); len(ks) != 0 {
					t.Fatalf("%s: objects in a deleted bucket: %q", name, ks)
				}
			} else {
				wantCode(t, delErr, "BucketNotEmpty")
				if !exists {
					t.Fatalf("%s: DeleteBucket failed but the bucket is gone", name)
				}
			}
			checkNoLeaks(t, s)
		}
		t.Logf("%d of 30 buckets deleted under concurrent puts", deleted)
	})
}

func errCodeOf(err error) string { return errs.CodeOf(err) }

func TestCollectGarbage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		obj := put(t, s, defaultBkt, "k", randBytes(50<<10, 71))
		put(t, s, defaultBkt, "inline", []byte("x"))
		u, err := s.CreateUpload(ctx, &PutInput{Bucket: defaultBkt, Key: "mp"})
		must(t, err)
		part := uploadPart(t, s, defaultBkt, "mp", u.ID, 1, randBytes(1000, 72))
		// An orphan, as a crash between blob commit and metadata commit leaves.
		orphan := newBlobID()
		w, err := s.blobs.Create(ctx, orphan)
		must(t, err)
		_, err = w.Write([]byte("orphaned bytes"))
		must(t, err)
		must(t, w.Commit(ctx))
		if len(blobIDsInStore(t, s)) != 3 {
			t.Fatal("expected 3 blobs")
		}
		// Blobs newer than olderThan are spared, even orphans.
		n, err := s.CollectGarbage(ctx, time.Now().Add(-time.Hour))
		must(t, err)
		if n != 0 || !slices.Contains(blobIDsInStore(t, s), orphan) {
			t.Fatalf("young orphan collected (%d)", n)
		}
		n, err = s.CollectGarbage(ctx, time.Now().Add(time.Hour))
		must(t, err)
		if n != 1 {
			t.Fatalf("collected %d, want 1", n)
		}
		ids := blobIDsInStore(t, s)
		want := []string{obj.Segments[0].BlobID, part.BlobID}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("blobs after GC %v, want %v", ids, want)
		}
		checkNoLeaks(t, s)
		s.stats.mu.Lock()
		gced := s.stats.OrphansGCed
		s.stats.mu.Unlock()
		if gced != 1 {
			t.Fatalf("OrphansGCed = %d", gced)
		}
		// Everything still readable.
		if got := readAll(t, s, defaultBkt, "k"); len(got) != 50<<10 {
			t.Fatal("object damaged by GC")
		}
		o, err := s.CompleteUpload(ctx, defaultBkt, "mp", u.ID, []CompletedPart{{Number: 1, ETag: part.ETag}}, Conditions{}, "")
		must(t, err)
		if o.Size != 1000 {
			t.Fatal("multipart after GC")
		}
		n, err = s.CollectGarbage(ctx, time.Now().Add(time.Hour))
		must(t, err)
		if n != 0 {
			t.Fatalf("second GC collected %d", n)
		}
	})
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	mdir, bdir := t.TempDir(), t.TempDir()
	open := func() (*Store, func()) {
		m, err := metapebble.Open(mdir, metapebble.Options{})
		must(t, err)
		b, err := blobdisk.Open(bdir, blobdisk.Options{})
		must(t, err)
		s := newStoreOn(t, m, b, nil)
		return s, func() { must(t, b.Close()); must(t, m.Close()) }
	}
	s, closeFn := open()
	mkBucket(t, s, "one")
	_, err := s.CreateBucket(ctx, otherOwner, "two", "")
	must(t, err)
	must(t, s.SetBucketTags(ctx, "one", []Tag{{Key: "a", Value: "b"}}))
	must(t, s.SetBucketCORS(ctx, "two", []CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}))
	small := []byte("small object")
	big := randBytes(300<<10, 81)
	put(t, s, "one", "small", small)
	put(t, s, "one", "dir/big", big)
	u, err := s.CreateUpload(ctx, &PutInput{Bucket: "two", Key: "mp", UserMeta: map[string]string{"x": "y"}})
	must(t, err)
	p1 := randBytes(MinPartSize, 82)
	uploadPart(t, s, "two", "mp", u.ID, 1, p1)
	closeFn()

	s, closeFn = open()
	defer closeFn()
	bs, _, err := s.ListBuckets(ctx, ListBucketsInput{})
	must(t, err)
	if len(bs) != 2 || bs[0].Name != "one" || bs[0].Owner != testOwner || bs[1].Owner != otherOwner ||
		!slices.Equal(bs[0].Tags, []Tag{{Key: "a", Value: "b"}}) || !bs[1].HasCORS {
		t.Fatalf("buckets after reopen: %+v", bs)
	}
	if got := readAll(t, s, "one", "small"); !bytes.Equal(got, small) {
		t.Fatal("inline object lost")
	}
	if got := readAll(t, s, "one", "dir/big"); !bytes.Equal(got, big) {
		t.Fatal("blob object lost")
	}
	out, err := s.ListObjects(ctx, &ListInput{Bucket: "one", MaxKeys: 10})
	must(t, err)
	if len(out.Objects) != 2 {
		t.Fatalf("listing after reopen: %d objects", len(out.Objects))
	}
	// The upload continues.
	_, parts, _, err := s.ListParts(ctx, "two", "mp", u.ID, 0, 100)
	must(t, err)
	if len(parts) != 1 {
		t.Fatalf("parts after reopen: %+v", parts)
	}
	p2 := uploadPart(t, s, "two", "mp", u.ID, 2, []byte("tail"))
	_, err = s.CompleteUpload(ctx, "two", "mp", u.ID, []CompletedPart{{Number: 1, ETag: parts[0].ETag}, {Number: 2, ETag: p2.ETag}}, Conditions{}, "")
	must(t, err)
	got, o := getBytes(t, s, &GetInput{Bucket: "two", Key: "mp"})
	if !bytes.Equal(got, slices.Concat(p1, []byte("tail"))) || o.Object.UserMeta["x"] != "y" {
		t.Fatal("multipart after reopen")
	}
	// GC at start finds nothing to collect.
	n, err := s.CollectGarbage(ctx, time.Now().Add(time.Hour))
	must(t, err)
	if n != 0 {
		t.Fatalf("GC after reopen collected %d", n)
	}
	checkNoLeaks(t, s)
}
