package objstore

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/blob"
)

// Tiers. A tier is a named blob.Store; every storage class maps to one.
// The hot tier is the store the engine was opened on (DATA/blobs); other
// tiers come from Options.Tiers (the server adds "cold", a compressed
// store under DATA/tiers/cold).
const (
	HotTier  = "hot"
	ColdTier = "cold"
)

// StorageClasses lists the classes tarn stores, in S3's order.
var StorageClasses = []string{"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
	"INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}

// DefaultClassTiers maps each class to its default tier: archive classes
// to the cold tier, every other class to the hot tier.
func DefaultClassTiers() map[string]string {
	m := map[string]string{}
	for _, c := range StorageClasses {
		m[c] = HotTier
	}
	m["GLACIER"], m["DEEP_ARCHIVE"] = ColdTier, ColdTier
	return m
}

// storedClass reports whether tarn accepts class c on writes.
func storedClass(c string) bool {
	for _, k := range StorageClasses {
		if k == c {
			return true
		}
	}
	return false
}

// archiveClass reports whether objects of class c need a restore to be read.
func archiveClass(c string) bool { return c == "GLACIER" || c == "DEEP_ARCHIVE" }

// Blob ids name their tier: a hot blob's id is 32 hex digits, a blob of
// tier T is "T." followed by them. So the s3/r/ reference of a blob, a
// segment's blob id and the startup GC need nothing else to find a blob,
// and a segment names its tier.

// TierOf returns the tier of a blob id.
func TierOf(blobID string) string {
	if i := strings.IndexByte(blobID, '.'); i > 0 {
		return blobID[:i]
	}
	return HotTier
}

func newBlobIDIn(tier string) string {
	if tier == HotTier || tier == "" {
		return newBlobID()
	}
	return tier + "." + newBlobID()
}

// tierRouter is the blob.Store the engine uses: it sends each blob id to
// its tier's store, and walks every tier.
type tierRouter struct {
	hot   blob.Store
	tiers map[string]blob.Store // not including hot
}

func (r *tierRouter) route(id string) (blob.Store, string, error) {
	i := strings.IndexByte(id, '.')
	if i <= 0 {
		return r.hot, id, nil
	}
	st, ok := r.tiers[id[:i]]
	if !ok {
		return nil, "", fmt.Errorf("%w: blob %s is in tier %q, which is not configured", blob.ErrNotExist, id, id[:i])
	}
	return st, id[i+1:], nil
}

func (r *tierRouter) Create(ctx context.Context, id string) (blob.Writer, error) {
	st, inner, err := r.route(id)
	if err != nil {
		return nil, err
	}
	return st.Create(ctx, inner)
}

func (r *tierRouter) Open(ctx context.Context, id string) (blob.Reader, error) {
	st, inner, err := r.route(id)
	if err != nil {
		return nil, err
	}
	return st.Open(ctx, inner)
}

func (r *tierRouter) Delete(ctx context.Context, id string) error {
	st, inner, err := r.route(id)
	if err != nil {
		return err
	}
	return st.Delete(ctx, inner)
}

func (r *tierRouter) Walk(ctx context.Context, fn func(id string, size int64, modTime time.Time) error) error {
	if err := r.hot.Walk(ctx, fn); err != nil {
		return err
	}
	for name, st := range r.tiers {
		err := st.Walk(ctx, func(id string, size int64, mod time.Time) error { return fn(name+"."+id, size, mod) })
		if err != nil {
			return err
		}
	}
	return nil
}

// Close closes the extra tiers (the hot store belongs to the caller).
func (r *tierRouter) Close() error {
	var first error
	for _, st := range r.tiers {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// setupTiers validates the class→tier map against the configured tiers.
// Default mappings to a tier that is not configured fall back to hot (an
// engine opened without a cold tier still accepts GLACIER); an explicit
// mapping to an unknown tier is an error.
func (s *Store) setupTiers() error {
	r := &tierRouter{hot: s.blobs, tiers: map[string]blob.Store{}}
	for name, st := range s.opts.Tiers {
		if name == HotTier || name == "" || blob.ValidID(name) != nil || strings.ContainsRune(name, '.') {
			return fmt.Errorf("objstore: invalid tier name %q", name)
		}
		r.tiers[name] = st
	}
	explicit := s.opts.ClassTiers != nil
	classes := DefaultClassTiers()
	for c, t := range s.opts.ClassTiers {
		if !storedClass(c) {
			return fmt.Errorf("objstore: tier map: unknown storage class %q", c)
		}
		classes[c] = t
	}
	for c, t := range classes {
		if _, ok := r.tiers[t]; t != HotTier && !ok {
			if explicit && s.opts.ClassTiers[c] != "" {
				return fmt.Errorf("objstore: storage class %s maps to tier %q, which is not configured", c, t)
			}
			classes[c] = HotTier
		}
	}
	s.classTier = classes
	s.blobs = r
	return nil
}

// tierOf returns the tier storage class c maps to.
func (s *Store) tierOf(c string) string {
	if c == "" {
		c = DefaultStorageClass
	}
	if t, ok := s.classTier[c]; ok {
		return t
	}
	return HotTier
}

// ClassTier returns the tier storage class c maps to.
func (s *Store) ClassTier(c string) string { return s.tierOf(c) }

// copySegments copies the stored bytes of segs (or, for an inline
// object, its inline bytes) into new blobs of tier, as they are stored:
// ciphertext stays ciphertext. The new segments keep sizes, part numbers
// and ETags. On error, blobs already written are deleted.
func (s *Store) copySegments(ctx context.Context, segs []Segment, inline []byte, tier string) ([]Segment, int64, error) {
	const op = "objstore.copySegments"
	out := make([]Segment, 0, len(segs))
	var moved int64
	fail := func(err error) ([]Segment, int64, error) {
		s.deleteBlobs(ctx, blobIDs(out))
		return nil, 0, errs.E(op, errs.IO, err)
	}
	for _, sg := range segs {
		ns := sg
		ns.BlobID = newBlobIDIn(tier)
		w, err := s.blobs.Create(ctx, ns.BlobID)
		if err != nil {
			return fail(err)
		}
		var n int64
		if sg.BlobID == "" {
			var m int
			m, err = w.Write(inline)
			n = int64(m)
		} else {
			var r blob.Reader
			if r, err = s.blobs.Open(ctx, sg.BlobID); err == nil {
				bp := copyBufPool.Get().(*[]byte)
				n, err = io.CopyBuffer(w, io.NewSectionReader(r, 0, r.Size()), *bp)
				copyBufPool.Put(bp)
				r.Close()
			}
		}
		if err == nil {
			err = w.Commit(ctx)
		}
		if err != nil {
			w.Abort()
			return fail(err)
		}
		moved += n
		out = append(out, ns)
	}
	return out, moved, nil
}

// readView returns the object to read bytes from: o itself, or for an
// archived object its restored copy; InvalidObjectState when there is no
// completed restore.
func (s *Store) readView(o *Object) (*Object, error) {
	if !o.archived() {
		return o, nil
	}
	if o.Restore == nil || o.Restore.Ongoing {
		return nil, errs.E("objstore.read", errs.Permission, errs.Code("InvalidObjectState"),
			"The operation is not valid for the object's storage class")
	}
	if len(o.Restore.Segments) == 0 {
		return o, nil // inline bytes: readable once restored
	}
	v := *o
	v.Segments, v.inline = o.Restore.Segments, nil
	return &v, nil
}

// segTier returns the tier holding o's data (hot for inline data).
func segTier(o *Object) string {
	for _, sg := range o.Segments {
		if sg.BlobID != "" {
			return TierOf(sg.BlobID)
		}
	}
	return HotTier
}

// archived reports whether reading the object needs a restore.
func (o *Object) archived() bool {
	return archiveClass(o.Class()) || o.Class() == "INTELLIGENT_TIERING" && o.ArchiveStatus != ""
}

// allBlobIDs lists every blob the version owns: its data and any restored
// copy.
func (o *Object) allBlobIDs() []string {
	ids := blobIDs(o.Segments)
	if o.Restore != nil {
		ids = append(ids, blobIDs(o.Restore.Segments)...)
	}
	return ids
}
