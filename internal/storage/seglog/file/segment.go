package file

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// On-disk format (see FORMAT.md):
//
//	segment file %020d.log named by its first offset, a sequence of frames:
//	  len u32 | crc u32 | offset u64 | time i64 (unix ns) | data[len]
//	  crc = CRC32C(len ‖ offset ‖ time ‖ data), all integers big-endian.
//	index file %020d.idx, written when a segment is sealed (rebuilt by a
//	scan when missing or damaged):
//	  "TSIX" | size u64 | next u64 | firstTime i64 | lastTime i64 | n u32 |
//	  n × (offset u64 | pos u64 | time i64) | crc u32 of all before it.
const (
	frameHeader = 24
	maxFrame    = 64 << 20
	idxMagic    = "TSIX"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorrupt marks a frame that fails its checks.
var errCorrupt = errors.New("seglog/file: corrupt frame")

type indexEntry struct {
	off uint64
	pos int64
	t   int64
}

// segment is one segment file. Fields are guarded by the Log's mu.
type segment struct {
	base      uint64 // first offset
	next      uint64 // offset after the last written record
	size      int64  // bytes written
	f         *os.File
	index     []indexEntry // sparse: first record, then one per IndexInterval bytes
	firstTime int64
	lastTime  int64
}

func (s *segment) empty() bool { return s.next == s.base }

func segName(dir string, base uint64, ext string) string {
	return filepath.Join(dir, fmt.Sprintf("%020d.%s", base, ext))
}

func frameCRC(hdr, data []byte) uint32 {
	c := crc32.Update(0, castagnoli, hdr[0:4])
	c = crc32.Update(c, castagnoli, hdr[8:frameHeader])
	return crc32.Update(c, castagnoli, data)
}

// appendFrame appends one encoded frame to b.
func appendFrame(b []byte, off uint64, t int64, data []byte) []byte {
	var hdr [frameHeader]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(len(data)))
	binary.BigEndian.PutUint64(hdr[8:], off)
	binary.BigEndian.PutUint64(hdr[16:], uint64(t))
	binary.BigEndian.PutUint32(hdr[4:], frameCRC(hdr[:], data))
	b = append(b, hdr[:]...)
	return append(b, data...)
}

// frameReader decodes frames sequentially from a position in a segment.
// It reads the file a chunk at a time with one pread into a fresh buffer
// and returns frame data as slices of it: a Read of many small records is
// one system call and one allocation, not a copy and an allocation each.
type frameReader struct {
	f     *os.File
	pos   int64  // file position of buf[0]
	end   int64  // readable end of the segment
	buf   []byte // bytes read ahead, from pos
	chunk int
}

// maxChunk bounds a frameReader's read-ahead.
const maxChunk = 1 << 20

// newFrameReader reads frames in [pos, end), chunk bytes at a time at
// first; the read-ahead doubles with each read up to maxChunk.
func newFrameReader(f *os.File, pos, end int64, chunk int) *frameReader {
	return &frameReader{f: f, pos: pos, end: end, chunk: min(chunk, maxChunk)}
}

// fill makes buf hold at least n bytes (false when the segment ends
// first). Bytes already handed out stay untouched: the rest moves to a
// new buffer.
func (fr *frameReader) fill(n int) bool {
	if len(fr.buf) >= n {
		return true
	}
	avail := fr.end - fr.pos
	if int64(n) > avail {
		return false
	}
	size := int64(max(n, fr.chunk))
	if size > avail {
		size = avail
	}
	b := make([]byte, size)
	have := copy(b, fr.buf)
	if _, err := fr.f.ReadAt(b[have:], fr.pos+int64(have)); err != nil {
		return false
	}
	fr.buf = b
	fr.chunk = min(2*fr.chunk, maxChunk)
	return true
}

// next returns the next frame; io.EOF at a clean end, errCorrupt for a torn
// or damaged frame. The data must not be modified.
func (fr *frameReader) next() (off uint64, t int64, data []byte, err error) {
	if fr.pos >= fr.end {
		return 0, 0, nil, io.EOF
	}
	if !fr.fill(frameHeader) {
		return 0, 0, nil, errCorrupt
	}
	hdr := fr.buf[:frameHeader]
	n := binary.BigEndian.Uint32(hdr[0:])
	if n > maxFrame || fr.pos+frameHeader+int64(n) > fr.end {
		return 0, 0, nil, errCorrupt
	}
	if !fr.fill(frameHeader + int(n)) {
		return 0, 0, nil, errCorrupt
	}
	hdr = fr.buf[:frameHeader]
	data = fr.buf[frameHeader : frameHeader+int(n) : frameHeader+int(n)]
	if frameCRC(hdr, data) != binary.BigEndian.Uint32(hdr[4:]) {
		return 0, 0, nil, errCorrupt
	}
	off, t = binary.BigEndian.Uint64(hdr[8:]), int64(binary.BigEndian.Uint64(hdr[16:]))
	fr.buf = fr.buf[frameHeader+int(n):]
	fr.pos += frameHeader + int64(n)
	return off, t, data, nil
}

// scan rebuilds s's index, next, size and times by reading the file. With
// truncate, a damaged tail is cut off (torn-write recovery); otherwise it
// is an error.
func (s *segment) scan(interval int64, truncate bool) error {
	st, err := s.f.Stat()
	if err != nil {
		return err
	}
	fr := newFrameReader(s.f, 0, st.Size(), maxChunk)
	s.next, s.size, s.index = s.base, 0, nil
	lastIdx := int64(-interval)
	for {
		pos := fr.pos
		off, t, _, err := fr.next()
		if err == nil && off != s.next {
			err = errCorrupt
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if !truncate {
				return fmt.Errorf("seglog/file: %s at byte %d: %w", s.f.Name(), pos, err)
			}
			if terr := s.f.Truncate(pos); terr != nil {
				return terr
			}
			return s.f.Sync()
		}
		if s.empty() {
			s.firstTime = t
		}
		if pos-lastIdx >= interval {
			s.index = append(s.index, indexEntry{off, pos, t})
			lastIdx = pos
		}
		s.lastTime = t
		s.next = off + 1
		s.size = fr.pos
	}
}

// writeIndex stores the sparse index of a sealed segment. It is an
// optimisation: a missing or stale index is rebuilt by scanning, so it is
// not fsynced.
func (s *segment) writeIndex(dir string) error {
	b := []byte(idxMagic)
	b = binary.BigEndian.AppendUint64(b, uint64(s.size))
	b = binary.BigEndian.AppendUint64(b, s.next)
	b = binary.BigEndian.AppendUint64(b, uint64(s.firstTime))
	b = binary.BigEndian.AppendUint64(b, uint64(s.lastTime))
	b = binary.BigEndian.AppendUint32(b, uint32(len(s.index)))
	for _, e := range s.index {
		b = binary.BigEndian.AppendUint64(b, e.off)
		b = binary.BigEndian.AppendUint64(b, uint64(e.pos))
		b = binary.BigEndian.AppendUint64(b, uint64(e.t))
	}
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	path := segName(dir, s.base, "idx")
	if err := os.WriteFile(path+".tmp", b, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// readIndex loads a sealed segment's index; false when it is missing,
// damaged or does not match the segment file's size.
func (s *segment) readIndex(dir string, fileSize int64) bool {
	b, err := os.ReadFile(segName(dir, s.base, "idx"))
	if err != nil || len(b) < 44 || string(b[:4]) != idxMagic {
		return false
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return false
	}
	size := int64(binary.BigEndian.Uint64(b[4:]))
	n := int(binary.BigEndian.Uint32(b[36:]))
	if size != fileSize || len(body) != 40+24*n {
		return false
	}
	s.size = size
	s.next = binary.BigEndian.Uint64(b[12:])
	s.firstTime = int64(binary.BigEndian.Uint64(b[20:]))
	s.lastTime = int64(binary.BigEndian.Uint64(b[28:]))
	s.index = make([]indexEntry, n)
	for i := range s.index {
		p := b[40+24*i:]
		s.index[i] = indexEntry{binary.BigEndian.Uint64(p), int64(binary.BigEndian.Uint64(p[8:])), int64(binary.BigEndian.Uint64(p[16:]))}
	}
	return true
}

// posFor returns the file position of an index entry at or before off.
func (s *segment) posFor(off uint64) int64 {
	i := sort.Search(len(s.index), func(i int) bool { return s.index[i].off > off })
	if i == 0 {
		return 0
	}
	return s.index[i-1].pos
}

// posForTime returns the position of an index entry before the first
// record at or after t.
func (s *segment) posForTime(t int64) int64 {
	i := sort.Search(len(s.index), func(i int) bool { return s.index[i].t >= t })
	if i == 0 {
		return 0
	}
	return s.index[i-1].pos
}
