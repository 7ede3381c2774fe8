package checksum

import (
	"crypto/md5"
	"hash"
	"io"
)

// Reader passes an upload body through while computing its MD5 (the
// single-part ETag) and, optionally, one additional checksum.
//
// MD5, Sum and N describe the bytes read so far; they are the body's once
// Read has returned io.EOF (EOF reports whether it has). A Reader is not
// safe for concurrent use.
type Reader struct {
	r   io.Reader
	md5 hash.Hash
	h   hash.Hash // nil without an additional algorithm
	n   int64
	eof bool
}

// NewReader returns a Reader over r. alg may be "" for MD5 only; an
// unsupported algorithm is treated the same way (callers validate it first,
// with ParseAlgorithm or FromHeaders).
func NewReader(r io.Reader, alg Algorithm) *Reader {
	return &Reader{r: r, md5: md5.New(), h: alg.New()}
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.md5.Write(p[:n])
		if r.h != nil {
			r.h.Write(p[:n])
		}
		r.n += int64(n)
	}
	if err == io.EOF {
		r.eof = true
	}
	return n, err
}

// MD5 returns the MD5 digest of the bytes read so far.
func (r *Reader) MD5() []byte { return r.md5.Sum(nil) }

// Sum returns the additional checksum of the bytes read so far, or nil if
// the Reader computes none.
func (r *Reader) Sum() []byte {
	if r.h == nil {
		return nil
	}
	return r.h.Sum(nil)
}

// N returns the number of bytes read so far.
func (r *Reader) N() int64 { return r.n }

// EOF reports whether the underlying reader has returned io.EOF.
func (r *Reader) EOF() bool { return r.eof }
