package disk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/tarnhq/tarn/internal/storage/blob"
)

// maxReadChunk bounds one read syscall when reading whole blocks straight
// into the caller's buffer; verification follows each chunk.
const maxReadChunk = 4 << 20

var blockPool = sync.Pool{New: func() any { b := make([]byte, BlockSize); return &b }}

// reader serves ReadAt from one open file. Safe for concurrent ReadAt.
type reader struct {
	id    string
	f     *os.File
	foot  footer
	bs    int64    // block size
	table []uint32 // CRC per block
}

func newReader(id string, f *os.File) (*reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("blob/disk: open %s: %w", id, err)
	}
	size := st.Size()
	if size < footerSize {
		return nil, corrupt(id, 0, "file is %d bytes, shorter than the footer", size)
	}
	fb := make([]byte, footerSize)
	if _, err := f.ReadAt(fb, size-footerSize); err != nil {
		return nil, corrupt(id, size-footerSize, "reading footer: %v", err)
	}
	foot, err := parseFooter(fb, size)
	if err != nil {
		return nil, corrupt(id, size-footerSize, "%v", err)
	}
	tb := make([]byte, 4*foot.blocks())
	if _, err := f.ReadAt(tb, foot.dataLen); err != nil {
		return nil, corrupt(id, foot.dataLen, "reading crc table: %v", err)
	}
	if err := checkTable(tb, fb); err != nil {
		return nil, corrupt(id, foot.dataLen, "%v", err)
	}
	table := make([]uint32, foot.blocks())
	for i := range table {
		table[i] = binary.LittleEndian.Uint32(tb[4*i:])
	}
	return &reader{id: id, f: f, foot: foot, bs: int64(foot.blockSize), table: table}, nil
}

func (r *reader) Size() int64 { return r.foot.dataLen }

func (r *reader) Close() error { return r.f.Close() }

// ReadAt reads len(p) bytes at off. Every byte returned has passed its
// block's CRC. As io.ReaderAt requires, n < len(p) comes with an error:
// io.EOF at the end of the blob.
func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blob/disk: read %s: negative offset %d", r.id, off)
	}
	size := r.foot.dataLen
	if off >= size {
		if len(p) == 0 && off == size {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := p
	if rem := size - off; int64(len(want)) > rem {
		want = want[:rem]
	}
	n := 0
	for n < len(want) {
		pos := off + int64(n)
		bi := pos / r.bs
		bstart := bi * r.bs
		// Whole blocks that fit in the rest of p: read in place.
		if pos == bstart {
			k := r.wholeBlocks(bi, int64(len(want)-n))
			if k > 0 {
				m, err := r.readBlocks(want[n:n+int(k)], bi)
				n += m
				if err != nil {
					return n, err
				}
				continue
			}
		}
		// A partial block at the head or tail: verify it in a pooled buffer.
		m, err := r.readPartial(want[n:], bi, pos-bstart)
		n += m
		if err != nil {
			return n, err
		}
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// wholeBlocks returns how many bytes of complete blocks starting at block
// bi fit in room bytes (the data's short last block counts as complete),
// capped at maxReadChunk.
func (r *reader) wholeBlocks(bi int64, room int64) int64 {
	start := bi * r.bs
	room = min(room, maxReadChunk)
	end := min(start+room/r.bs*r.bs, r.foot.dataLen)
	if rest := r.foot.dataLen - start; rest < r.bs && room >= rest {
		end = r.foot.dataLen // the short last block
	}
	return max(end-start, 0)
}

// readBlocks fills buf (whole blocks from block bi on) from the file and
// verifies them. It returns how many leading bytes are verified.
func (r *reader) readBlocks(buf []byte, bi int64) (int, error) {
	start := bi * r.bs
	if err := r.readFull(buf, start); err != nil {
		return 0, err
	}
	for i := 0; i < len(buf); i += int(r.bs) {
		blk := buf[i:min(i+int(r.bs), len(buf))]
		if got, want := crc(blk), r.table[bi]; got != want {
			return i, corrupt(r.id, start+int64(i), "block %d crc %08x, want %08x", bi, got, want)
		}
		bi++
	}
	return len(buf), nil
}

// readPartial verifies block bi and copies out bytes from skip onward.
func (r *reader) readPartial(dst []byte, bi, skip int64) (int, error) {
	start := bi * r.bs
	blen := min(r.bs, r.foot.dataLen-start)
	var bp *[]byte
	if r.bs == BlockSize {
		bp = blockPool.Get().(*[]byte)
		defer blockPool.Put(bp)
	} else {
		b := make([]byte, r.bs)
		bp = &b
	}
	blk := (*bp)[:blen]
	if err := r.readFull(blk, start); err != nil {
		return 0, err
	}
	if got, want := crc(blk), r.table[bi]; got != want {
		return 0, corrupt(r.id, start, "block %d crc %08x, want %08x", bi, got, want)
	}
	return copy(dst, blk[skip:]), nil
}

func (r *reader) readFull(buf []byte, off int64) error {
	_, err := r.f.ReadAt(buf, off)
	if errors.Is(err, io.EOF) {
		return corrupt(r.id, off, "file truncated")
	}
	if err != nil {
		return fmt.Errorf("blob/disk: read %s at offset %d: %w", r.id, off, err)
	}
	return nil
}

var _ blob.Reader = (*reader)(nil)
