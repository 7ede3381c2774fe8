// Package compressed is a blob.Store that keeps every blob zstd-compressed
// in another blob.Store (the cold tier: DATA/tiers/cold). A blob is split
// into 1 MiB chunks, each compressed as an independent zstd frame, followed
// by an index of the frames so that ReadAt decompresses only the chunks it
// needs:
//
//	frame 0 · frame 1 · … · index (per chunk: uint64 end offset of its
//	frame) · uint64 uncompressed size · uint32 chunk count · "tzc1"
//
// Checksums, durability and IDs are the inner store's: the wrapper adds
// compression only.
package compressed

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/tarnhq/tarn/internal/storage/blob"
)

// ChunkSize is the uncompressed size of each independently compressed frame.
const ChunkSize = 1 << 20

const magic = "tzc1"

// Store wraps an inner blob.Store.
type Store struct {
	inner blob.Store
	enc   *zstd.Encoder
	dec   *zstd.Decoder
}

var _ blob.Store = (*Store)(nil)

// New wraps inner. Closing the Store closes inner.
func New(inner blob.Store) (*Store, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("blob/compressed: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(4*ChunkSize))
	if err != nil {
		return nil, fmt.Errorf("blob/compressed: %w", err)
	}
	return &Store{inner: inner, enc: enc, dec: dec}, nil
}

// Create implements blob.Store.
func (s *Store) Create(ctx context.Context, id string) (blob.Writer, error) {
	w, err := s.inner.Create(ctx, id)
	if err != nil {
		return nil, err
	}
	return &writer{s: s, w: w, buf: make([]byte, 0, ChunkSize)}, nil
}

// Open implements blob.Store.
func (s *Store) Open(ctx context.Context, id string) (blob.Reader, error) {
	r, err := s.inner.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	rd, err := s.newReader(r)
	if err != nil {
		r.Close()
		return nil, err
	}
	return rd, nil
}

// Delete implements blob.Store.
func (s *Store) Delete(ctx context.Context, id string) error { return s.inner.Delete(ctx, id) }

// Walk implements blob.Store. Each blob's uncompressed size is read from
// its trailer; a blob whose trailer is unreadable is reported with its
// stored size, so garbage collection still sees it.
func (s *Store) Walk(ctx context.Context, fn func(id string, size int64, modTime time.Time) error) error {
	return s.inner.Walk(ctx, func(id string, size int64, mod time.Time) error {
		if r, err := s.inner.Open(ctx, id); err == nil {
			var tail [16]byte
			if n := r.Size(); n >= 16 {
				if _, err := r.ReadAt(tail[:], n-16); err == nil && string(tail[12:]) == magic {
					size = int64(binary.LittleEndian.Uint64(tail[:8]))
				}
			}
			r.Close()
		}
		return fn(id, size, mod)
	})
}

// Close implements blob.Store.
func (s *Store) Close() error {
	s.enc.Close()
	s.dec.Close()
	return s.inner.Close()
}

type writer struct {
	s      *Store
	w      blob.Writer
	buf    []byte
	frame  []byte
	off    uint64
	ends   []uint64
	size   uint64
	done   bool
	failed error
}

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, blob.ErrClosed
	}
	if w.failed != nil {
		return 0, w.failed
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), ChunkSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == ChunkSize {
			if err := w.flush(); err != nil {
				w.failed = err
				return n - len(p), err
			}
		}
	}
	return n, nil
}

func (w *writer) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	w.frame = w.s.enc.EncodeAll(w.buf, w.frame[:0])
	if _, err := w.w.Write(w.frame); err != nil {
		return err
	}
	w.off += uint64(len(w.frame))
	w.ends = append(w.ends, w.off)
	w.size += uint64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}

func (w *writer) Commit(ctx context.Context) error {
	if w.done {
		return blob.ErrClosed
	}
	if w.failed != nil {
		w.Abort()
		return w.failed
	}
	if err := w.flush(); err != nil {
		w.Abort()
		return err
	}
	tr := make([]byte, 0, 8*len(w.ends)+16)
	for _, e := range w.ends {
		tr = binary.LittleEndian.AppendUint64(tr, e)
	}
	tr = binary.LittleEndian.AppendUint64(tr, w.size)
	tr = binary.LittleEndian.AppendUint32(tr, uint32(len(w.ends)))
	tr = append(tr, magic...)
	if _, err := w.w.Write(tr); err != nil {
		w.Abort()
		return err
	}
	w.done = true
	return w.w.Commit(ctx)
}

func (w *writer) Abort() error {
	w.done = true
	return w.w.Abort()
}

type reader struct {
	s    *Store
	r    blob.Reader
	ends []uint64
	size int64

	mu    sync.Mutex
	chunk int // index of the cached chunk, -1 for none
	data  []byte
}

var errFormat = fmt.Errorf("%w: compressed blob is malformed", blob.ErrCorrupt)

func (s *Store) newReader(r blob.Reader) (*reader, error) {
	n := r.Size()
	if n < 16 {
		return nil, errFormat
	}
	var tail [16]byte
	if _, err := r.ReadAt(tail[:], n-16); err != nil && !(errors.Is(err, io.EOF)) {
		return nil, err
	}
	if string(tail[12:]) != magic {
		return nil, errFormat
	}
	size := binary.LittleEndian.Uint64(tail[:8])
	count := int64(binary.LittleEndian.Uint32(tail[8:12]))
	if count*8+16 > n || uint64(count)*ChunkSize < size || size > 1<<50 {
		return nil, errFormat
	}
	idx := make([]byte, count*8)
	if count > 0 {
		if _, err := r.ReadAt(idx, n-16-count*8); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
	}
	ends := make([]uint64, count)
	prev := uint64(0)
	for i := range ends {
		ends[i] = binary.LittleEndian.Uint64(idx[i*8:])
		if ends[i] < prev || ends[i] > uint64(n-16-count*8) {
			return nil, errFormat
		}
		prev = ends[i]
	}
	return &reader{s: s, r: r, ends: ends, size: int64(size), chunk: -1}, nil
}

func (r *reader) Size() int64 { return r.size }

func (r *reader) Close() error { return r.r.Close() }

// load returns chunk i's bytes (the caller holds mu).
func (r *reader) load(i int) ([]byte, error) {
	if r.chunk == i {
		return r.data, nil
	}
	start := uint64(0)
	if i > 0 {
		start = r.ends[i-1]
	}
	frame := make([]byte, r.ends[i]-start)
	if _, err := r.r.ReadAt(frame, int64(start)); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	data, err := r.s.dec.DecodeAll(frame, r.data[:0])
	if err != nil {
		r.chunk = -1
		return nil, fmt.Errorf("%w: %v", blob.ErrCorrupt, err)
	}
	want := min(int64(ChunkSize), r.size-int64(i)*ChunkSize)
	if int64(len(data)) != want {
		r.chunk = -1
		return nil, errFormat
	}
	r.chunk, r.data = i, data
	return data, nil
}

func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("blob/compressed: negative offset")
	}
	if off >= r.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) && off < r.size {
		i := int(off / ChunkSize)
		data, err := r.load(i)
		if err != nil {
			return n, err
		}
		m := copy(p[n:], data[off-int64(i)*ChunkSize:])
		n += m
		off += int64(m)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
