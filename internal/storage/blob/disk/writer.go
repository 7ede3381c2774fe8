package disk

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/tarnhq/tarn/internal/storage/blob"
)

const writeBufSize = 256 << 10

var bufioPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufSize) }}

// writer streams a blob into a temp file, computing block CRCs as it goes.
type writer struct {
	s     *Store
	id    string
	f     *os.File
	bw    *bufio.Writer
	n     int64  // data bytes written
	crc   uint32 // CRC of the current, partial block
	table []byte // encoded CRCs of completed blocks
	done  bool   // committed or aborted
	err   error  // sticky write error
}

func newWriter(s *Store, id string, f *os.File) *writer {
	bw := bufioPool.Get().(*bufio.Writer)
	bw.Reset(f)
	return &writer{s: s, id: id, f: f, bw: bw}
}

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, blob.ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.bw.Write(p)
	w.sum(p[:n])
	if err != nil {
		w.err = fmt.Errorf("blob/disk: write %s: %w", w.id, err)
		return n, w.err
	}
	return n, nil
}

// sum folds p into the per-block CRCs.
func (w *writer) sum(p []byte) {
	for len(p) > 0 {
		room := BlockSize - int(w.n%BlockSize)
		k := min(room, len(p))
		w.crc = crcUpdate(w.crc, p[:k])
		w.n += int64(k)
		p = p[k:]
		if k == room {
			w.table = binary.LittleEndian.AppendUint32(w.table, w.crc)
			w.crc = 0
		}
	}
}

// Commit writes the table and footer, fsyncs, and links the file into place.
func (w *writer) Commit(ctx context.Context) (err error) {
	if w.done {
		return blob.ErrClosed
	}
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.err != nil {
		return w.err
	}
	if w.s.closed.Load() {
		return blob.ErrClosed
	}
	if w.n%BlockSize != 0 {
		w.table = binary.LittleEndian.AppendUint32(w.table, w.crc)
	}
	trailer := encodeFooter(w.table, footer{blockSize: BlockSize, dataLen: w.n}, w.table)
	if _, err := w.bw.Write(trailer); err != nil {
		return fmt.Errorf("blob/disk: commit %s: %w", w.id, err)
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("blob/disk: commit %s: %w", w.id, err)
	}
	if !w.s.opts.NoSync {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("blob/disk: commit %s: fsync: %w", w.id, err)
		}
	}
	dst := w.s.path(w.id)
	if err := w.s.ensureDir(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("blob/disk: commit %s: %w", w.id, err)
	}
	// link fails with EEXIST rather than replace a committed blob.
	if err := os.Link(w.f.Name(), dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("blob/disk: commit %s: %w", w.id, blob.ErrExist)
		}
		return fmt.Errorf("blob/disk: commit %s: %w", w.id, err)
	}
	// From here the blob is visible. Release the temp name and make the
	// new directory entry durable.
	w.done = true
	w.release()
	cerr := w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil {
		w.s.log.Warn("removing committed temp file", "id", w.id, "err", err)
	}
	if err := w.s.syncDir(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("blob/disk: commit %s: fsync dir: %w", w.id, err)
	}
	if cerr != nil {
		return fmt.Errorf("blob/disk: commit %s: %w", w.id, cerr)
	}
	return nil
}

// Abort discards the temp file. It is a no-op after Commit.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.release()
	w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob/disk: abort %s: %w", w.id, err)
	}
	return nil
}

func (w *writer) release() {
	if w.bw != nil {
		w.bw.Reset(nil)
		bufioPool.Put(w.bw)
		w.bw = nil
	}
	w.table = nil
}
