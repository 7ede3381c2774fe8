package objstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"hash/crc32"
	"io"
	"sync"

	"github.com/tarnhq/tarn/internal/checksum"
	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/sse"
	"github.com/tarnhq/tarn/internal/storage/blob"
)

// ingested is a body read to its end: either inline bytes or a committed
// blob, with its digests.
type ingested struct {
	inline []byte
	blobID string
	size   int64
	md5    []byte
	sum    []byte // additional checksum, when an algorithm was asked for

	srcVersion string // version of a copy's source
}

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ingest reads body (declared size, -1 if unknown; at most max bytes) into
// an inline buffer or a new committed blob. inlineOK allows inlining. When
// enc is set the stored bytes are its encryption (digests are of the
// plaintext); size is always the plaintext size.
//
// Blobs are written to tier; only hot-tier objects are inlined.
func (s *Store) ingest(ctx context.Context, body io.Reader, size, max int64, alg checksum.Algorithm, inlineOK bool, enc *sse.Key, tier string) (*ingested, error) {
	const op = "objstore.ingest"
	if size > max {
		return nil, errs.E(op, errs.TooLarge, errs.Code("EntityTooLarge"), "Your proposed upload exceeds the maximum allowed object size.")
	}
	if body == nil {
		body = bytes.NewReader(nil)
	}
	hr := checksum.NewReader(body, alg)
	limit := int64(s.opts.InlineLimit)
	if inlineOK && tier == HotTier && size >= 0 && size <= limit {
		buf := make([]byte, size)
		if _, err := io.ReadFull(hr, buf); err != nil {
			return nil, bodyErr(op, err)
		}
		if err := expectEOF(hr); err != nil {
			return nil, errs.E(op, err)
		}
		if enc != nil {
			ct, err := sse.EncryptBuffer(*enc, buf)
			if err != nil {
				return nil, errs.E(op, err)
			}
			buf = ct
		}
		return &ingested{inline: buf, size: size, md5: hr.MD5(), sum: hr.Sum()}, nil
	}
	id := newBlobIDIn(tier)
	bw, err := s.blobs.Create(ctx, id)
	if err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	var w io.Writer = bw
	var ew io.WriteCloser
	if enc != nil {
		if ew, err = sse.EncryptWriter(bw, *enc); err != nil {
			bw.Abort()
			return nil, errs.E(op, err)
		}
		w = ew
	}
	bp := copyBufPool.Get().(*[]byte)
	var src io.Reader = hr
	if size >= 0 {
		src = io.LimitReader(hr, size)
	} else {
		src = io.LimitReader(hr, max+1)
	}
	n, err := io.CopyBuffer(w, src, *bp)
	copyBufPool.Put(bp)
	if err == nil && size >= 0 && n < size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && size >= 0 {
		err = expectEOF(hr)
	}
	if err == nil && n > max {
		err = errs.E(op, errs.TooLarge, errs.Code("EntityTooLarge"), "Your proposed upload exceeds the maximum allowed object size.")
	}
	if err == nil && ew != nil {
		err = ew.Close()
	}
	if err != nil {
		bw.Abort()
		return nil, bodyErr(op, err)
	}
	if err := bw.Commit(ctx); err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	return &ingested{blobID: id, size: n, md5: hr.MD5(), sum: hr.Sum()}, nil
}

// expectEOF checks that r has no bytes left beyond the declared length and
// drains it to EOF, so wrapped verifiers (payload hash, trailers) run.
func expectEOF(r io.Reader) error {
	var one [1]byte
	n, err := io.ReadFull(r, one[:])
	if n > 0 {
		return errs.E(errs.Invalid, errs.Code("IncompleteBody"), "The request body is longer than its declared Content-Length.")
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil
	}
	return err
}

// bodyErr classifies an error met reading a request body. Errors from the
// body itself (a wire error like a bad chunk signature) pass through.
func bodyErr(op string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errs.E(op, errs.Invalid, errs.Code("IncompleteBody"), "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	return errs.E(op, errs.Invalid, err)
}

// verifyDigests checks the client's Content-MD5 and checksum value.
func verifyDigests(op string, in *PutInput, alg checksum.Algorithm, got *ingested) error {
	if in.ContentMD5 != nil && !bytes.Equal(in.ContentMD5, got.md5) {
		return errs.E(op, errs.Invalid, errs.Code("BadDigest"), "The Content-MD5 you specified did not match what we received.")
	}
	want := in.ChecksumValue
	if want == "" && in.ChecksumTrailer != nil {
		want = in.ChecksumTrailer()
	}
	if alg != "" && want != "" && want != base64.StdEncoding.EncodeToString(got.sum) {
		return errs.E(op, errs.Invalid, errs.Code("BadDigest"), "The "+string(alg)+" you specified did not match the calculated checksum.")
	}
	return nil
}

// discard removes a committed blob of an ingest that will not be used.
func (s *Store) discard(ctx context.Context, in *ingested) {
	if in != nil && in.blobID != "" {
		if err := s.blobs.Delete(context.WithoutCancel(ctx), in.blobID); err != nil && !blob.IsNotExist(err) {
			s.log.Warn("discard blob", "blob", in.blobID, "err", err)
		}
	}
}
