package crawler

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tarnhq/tarn/internal/objstore"
)

// ObjectStore is what the crawler needs of the S3 engine: listing and
// (ranged) reads. *objstore.Store satisfies it.
type ObjectStore interface {
	ListObjects(ctx context.Context, in *objstore.ListInput) (*objstore.ListOutput, error)
	GetObject(ctx context.Context, in *objstore.GetInput) (*objstore.GetOutput, error)
}

// errReadObject marks failures to read an object (as opposed to a file a
// format cannot parse).
var errReadObject = errors.New("crawler: read object")

// objectReader reads one object: Read streams it from the start (opened
// on first use), ReadAt issues ranged reads, so Parquet and ORC read only
// their footers.
type objectReader struct {
	ctx         context.Context
	obj         ObjectStore
	bucket, key string
	size        int64
	body        io.ReadCloser
	started     bool
	read        *int64 // bytes fetched, for the run's counters
}

func (r *objectReader) Read(p []byte) (int, error) {
	if r.body == nil {
		out, err := r.obj.GetObject(r.ctx, &objstore.GetInput{Bucket: r.bucket, Key: r.key})
		if err != nil {
			return 0, fmt.Errorf("%w s3://%s/%s: %v", errReadObject, r.bucket, r.key, err)
		}
		r.body = out.Body
	}
	if !r.started && len(p) > firstRead {
		// Formats peek a few bytes first; columnar formats then read
		// their footer with ReadAt. Keep that first peek small.
		p = p[:firstRead]
	}
	r.started = true
	n, err := r.body.Read(p)
	*r.read += int64(n)
	return n, err
}

// firstRead caps the first streamed read of an object.
const firstRead = 4 << 10

func (r *objectReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), r.size) - 1
	out, err := r.obj.GetObject(r.ctx, &objstore.GetInput{Bucket: r.bucket, Key: r.key, Range: &objstore.Range{Start: off, End: end}})
	if err != nil {
		return 0, fmt.Errorf("%w s3://%s/%s: %v", errReadObject, r.bucket, r.key, err)
	}
	defer out.Body.Close()
	n, err := io.ReadFull(out.Body, p[:end-off+1])
	*r.read += int64(n)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

func (r *objectReader) Close() error {
	if r.body != nil {
		err := r.body.Close()
		r.body = nil
		return err
	}
	return nil
}
