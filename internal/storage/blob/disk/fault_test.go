package disk_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tarnhq/tarn/internal/storage/blob"
	"github.com/tarnhq/tarn/internal/storage/blob/blobtest"
	"github.com/tarnhq/tarn/internal/storage/blob/disk"
)

var ctx = context.Background()

const blockSize = disk.BlockSize

// blobPath finds the committed file for id under root.
func blobPath(t *testing.T, root, id string) string {
	t.Helper()
	var found string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == id && !strings.HasPrefix(p, filepath.Join(root, "tmp")+"/") {
			found = p
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no file for blob %s under %s", id, root)
	}
	return found
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func wantCorrupt(t *testing.T, err error, id string) {
	t.Helper()
	if !blob.IsCorrupt(err) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
	if msg := err.Error(); !strings.Contains(msg, id) || !strings.Contains(msg, "offset") {
		t.Fatalf("error %q does not name the id and offset", msg)
	}
}

// setup writes a 3.5-block blob and returns the store dir, data and path.
func setup(t *testing.T) (string, *disk.Store, []byte, string) {
	dir := t.TempDir()
	s := openStore(t, dir)
	t.Cleanup(func() { s.Close() })
	data := blobtest.Data(7, 3*blockSize+blockSize/2)
	blobtest.Put(t, s, "victim", data, 0)
	return dir, s, data, blobPath(t, dir, "victim")
}

func TestTruncated(t *testing.T) {
	_, s, data, path := setup(t)
	full := int64(len(data)) + 4*4 + 32
	for _, size := range []int64{full - 1, full - 32, full - 40, int64(len(data)), blockSize, 10, 0} {
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		_, err := s.Open(ctx, "victim")
		wantCorrupt(t, err, "victim")
	}
}

func TestTruncatedAfterOpen(t *testing.T) {
	_, s, data, path := setup(t)
	r, err := s.Open(ctx, "victim")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := os.Truncate(path, 2*blockSize+5); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, len(data))
	n, err := r.ReadAt(p, 0)
	wantCorrupt(t, err, "victim")
	if n > 2*blockSize || !bytes.Equal(p[:n], data[:n]) {
		t.Fatalf("returned %d bytes, not a verified prefix", n)
	}
}

func TestDataBitFlip(t *testing.T) {
	for _, off := range []int64{0, blockSize - 1, blockSize, 2*blockSize + 77, 3*blockSize + blockSize/2 - 1} {
		_, s, data, path := setup(t)
		flipByte(t, path, off)
		r, err := s.Open(ctx, "victim") // the table is intact: Open succeeds
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		bad := off / blockSize
		// A whole read stops at the bad block with a verified prefix.
		p := make([]byte, len(data))
		n, err := r.ReadAt(p, 0)
		wantCorrupt(t, err, "victim")
		if int64(n) > bad*blockSize || !bytes.Equal(p[:n], data[:n]) {
			t.Fatalf("flip at %d: returned %d bytes, not a verified prefix", off, n)
		}
		// A one-byte read anywhere in the bad block fails (partial path).
		_, err = r.ReadAt(make([]byte, 1), bad*blockSize+3)
		wantCorrupt(t, err, "victim")
		// Other blocks still read fine.
		for b := int64(0); b < 4; b++ {
			if b == bad {
				continue
			}
			q := make([]byte, 100)
			if n, err := r.ReadAt(q, b*blockSize); n != 100 || err != nil || !bytes.Equal(q, data[b*blockSize:b*blockSize+100]) {
				t.Fatalf("flip at %d: block %d read %d, %v", off, b, n, err)
			}
		}
		r.Close()
	}
}

func TestTableAndFooterBitFlips(t *testing.T) {
	_, s, data, path := setup(t)
	end := int64(len(data)) + 4*4 + 32
	for off := int64(len(data)); off < end; off++ {
		flipByte(t, path, off)
		r, err := s.Open(ctx, "victim")
		if err == nil {
			r.Close()
			t.Fatalf("flip at %d (trailer byte %d): Open succeeded", off, off-int64(len(data)))
		}
		wantCorrupt(t, err, "victim")
		flipByte(t, path, off) // restore
	}
	r, err := s.Open(ctx, "victim")
	if err != nil {
		t.Fatalf("restored file: %v", err)
	}
	r.Close()
}

func TestGarbledFooter(t *testing.T) {
	_, s, data, path := setup(t)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(bytes.Repeat([]byte{0xff}, 32), int64(len(data))+16)
	f.Close()
	_, err = s.Open(ctx, "victim")
	wantCorrupt(t, err, "victim")
	// Garbage appended after a valid footer is also caught.
	_, s2, _, path2 := setup(t)
	f, _ = os.OpenFile(path2, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte("junk"))
	f.Close()
	_, err = s2.Open(ctx, "victim")
	wantCorrupt(t, err, "victim")
}

func TestEmptyBlobFlip(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	defer s.Close()
	blobtest.Put(t, s, "empty", nil, 0)
	path := blobPath(t, dir, "empty")
	if st, _ := os.Stat(path); st.Size() != 32 {
		t.Fatalf("empty blob file is %d bytes, want 32", st.Size())
	}
	flipByte(t, path, 20)
	_, err := s.Open(ctx, "empty")
	wantCorrupt(t, err, "empty")
}

// TestUncommittedAfterRestart simulates a crash mid-write: the writer is
// never committed or aborted, the store is reopened, and nothing remains.
func TestUncommittedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	w, err := s.Create(ctx, "crashed")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(blobtest.Data(1, 200<<10))
	// A stray file dropped into tmp/ by anything else also goes.
	os.WriteFile(filepath.Join(dir, "tmp", "stray"), []byte("x"), 0o644)
	s.Close() // "crash": the writer is abandoned

	s2 := openStore(t, dir)
	defer s2.Close()
	left, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil || len(left) != 0 {
		t.Fatalf("tmp/ after reopen: %v, %v", left, err)
	}
	if _, err := s2.Open(ctx, "crashed"); !blob.IsNotExist(err) {
		t.Fatalf("Open uncommitted after restart: %v", err)
	}
	n := 0
	s2.Walk(ctx, func(string, int64, time.Time) error { n++; return nil })
	if n != 0 {
		t.Fatalf("Walk found %d blobs", n)
	}
	w.Abort() // the abandoned writer's temp file is already gone: no error
}

func TestAbortLeavesNoFiles(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	defer s.Close()
	w, _ := s.Create(ctx, "a")
	w.Write([]byte("data"))
	w.Abort()
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Fatalf("files left after Abort: %v", files)
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	data := blobtest.Data(3, 300<<10)
	blobtest.Put(t, s, "kept", data, 0)
	s.Close()
	if _, err := s.Open(ctx, "kept"); !errors.Is(err, blob.ErrClosed) {
		t.Fatalf("Open on closed store: %v", err)
	}
	s = openStore(t, dir)
	defer s.Close()
	r, err := s.Open(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after reopen: %d bytes, %v", len(got), err)
	}
}

func TestWalkSkipsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	defer s.Close()
	blobtest.Put(t, s, "real", []byte("x"), 0)
	os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "zz", "00"), 0o755)
	os.WriteFile(filepath.Join(dir, "zz", "00", "foo"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "00", "00"), 0o755)
	os.WriteFile(filepath.Join(dir, "00", "00", "misplaced"), []byte("x"), 0o644)
	var ids []string
	s.Walk(ctx, func(id string, size int64, _ time.Time) error {
		ids = append(ids, id)
		if size != 1 {
			t.Errorf("size %d for %s", size, id)
		}
		return nil
	})
	if len(ids) != 1 || ids[0] != "real" {
		t.Fatalf("Walk = %v, want [real]", ids)
	}
}
