package objstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Version ids are 32 URL-safe characters: 16 hex digits of the inverted
// version stamp (so a key's versions sort newest first and a version is
// found by a point lookup) and 16 random base64url characters.
const versionIDLen = 32

func newVersionID(seq int64) string {
	var r [12]byte
	rand.Read(r[:])
	return seqHex(seq) + base64.RawURLEncoding.EncodeToString(r[:])
}

// ValidVersionID reports whether id is "null" or an id this engine issues.
func ValidVersionID(id string) bool {
	if id == NullVersion {
		return true
	}
	_, ok := versionSeq(id)
	return ok
}

// versionSeq returns the stamp encoded in a (non-null) version id.
func versionSeq(id string) (int64, bool) {
	if len(id) != versionIDLen {
		return 0, false
	}
	seq, ok := parseSeqHex(id[:16])
	if !ok {
		return 0, false
	}
	for i := 16; i < versionIDLen; i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return 0, false
		}
	}
	return seq, true
}

func invalidVersionID() error {
	return errs.E("objstore.version", errs.Invalid, errs.Code("InvalidArgument"), "Invalid version id specified")
}

func noSuchVersion() error {
	return errs.E("objstore.version", errs.NotExist, errs.Code("NoSuchVersion"), "The specified version does not exist.")
}

func noSuchKey() error {
	return errs.E("objstore.get", errs.NotExist, errs.Code("NoSuchKey"), "The specified key does not exist.")
}

// markerErr carries the delete marker an error is about, for the
// x-amz-delete-marker, x-amz-version-id and Last-Modified headers.
type markerErr struct{ o *Object }

func (m markerErr) Error() string { return "delete marker " + m.o.Version() }

// DeleteMarkerOf returns the delete marker behind a NoSuchKey (the key's
// newest version is a marker) or MethodNotAllowed (a marker was asked for
// by version id) error, or nil.
func DeleteMarkerOf(err error) *Object {
	if e, ok := err.(*errs.Error); ok {
		if m, ok := e.Err.(markerErr); ok {
			return m.o
		}
	}
	return nil
}

func markerNotAllowed(o *Object) error {
	return errs.E("objstore.version", errs.Invalid, errs.Code("MethodNotAllowed"),
		"The specified method is not allowed against this resource.", markerErr{o})
}

func (o *Object) seq() int64 {
	if o == nil {
		return 0
	}
	if o.Seq != 0 {
		return o.Seq
	}
	return o.LastModified.UnixNano()
}

// nextSeq returns a version stamp above min and above every stamp this
// store issued: the clock, bumped when it did not move.
func (s *Store) nextSeq(min int64) int64 {
	ts := s.now().UnixNano()
	for {
		last := s.lastSeq.Load()
		n := max(ts, last+1, min+1)
		if s.lastSeq.CompareAndSwap(last, n) {
			return n
		}
	}
}

// snap reads several records from one consistent snapshot of the store.
type snap struct{ it meta.Iter }

func (s *Store) snapshot(ctx context.Context) (*snap, error) {
	it, err := s.meta.NewIter(ctx, []byte(nullPrefix), []byte(successor(versionPrefix)))
	if err != nil {
		return nil, errs.E("objstore.snapshot", errs.IO, err)
	}
	return &snap{it: it}, nil
}

func (sn *snap) close() { sn.it.Close() }

func (sn *snap) get(k []byte) ([]byte, bool, error) {
	if sn.it.SeekGE(k) && bytes.Equal(sn.it.Key(), k) {
		return bytes.Clone(sn.it.Value()), true, nil
	}
	return nil, false, sn.it.Error()
}

// firstVersion returns the newest s3/v/ record of bucket/key at or after
// the record with stamp below (below=0: the newest).
func (sn *snap) firstVersion(bucket, key string, from []byte) (*Object, error) {
	base := versionKeyBase(bucket, key)
	if from == nil {
		from = []byte(base)
	}
	for ok := sn.it.SeekGE(from); ok; ok = sn.it.Next() {
		k := string(sn.it.Key())
		if !strings.HasPrefix(k, base) {
			break
		}
		if len(k) != len(base)+16 { // a longer key's record (escaped 0x00)
			continue
		}
		return decodeObject(bucket, key, sn.it.Value(), true)
	}
	return nil, sn.it.Error()
}

func (sn *snap) object(k []byte, bucket, key string) (*Object, error) {
	v, ok, err := sn.get(k)
	if err != nil {
		return nil, errs.E("objstore.read", errs.IO, err)
	}
	if !ok {
		return nil, nil
	}
	return decodeObject(bucket, key, v, true)
}

// keyState is what a write needs to know of a key's versions.
type keyState struct {
	cur  *Object // the newest version, when it is an object (s3/o/)
	top  *Object // the newest record in s3/v/, if any
	null *Object // the null version, when it is in s3/v/
}

func (ks *keyState) newest() int64 { return max(ks.cur.seq(), ks.top.seq(), ks.null.seq()) }

func (s *Store) loadKey(ctx context.Context, sn *snap, bucket, key string) (*keyState, error) {
	ks := &keyState{}
	var err error
	if ks.cur, err = sn.object(objectKey(bucket, key), bucket, key); err != nil {
		return nil, err
	}
	if ks.top, err = sn.firstVersion(bucket, key, nil); err != nil {
		return nil, errs.E("objstore.read", errs.IO, err)
	}
	v, ok, err := sn.get(nullKey(bucket, key))
	if err != nil {
		return nil, errs.E("objstore.read", errs.IO, err)
	}
	if ok {
		seq, valid := parseSeqHex(string(v))
		if !valid {
			return nil, errs.E("objstore.read", errs.Corrupt, "null version index of "+bucket+"/"+key+" is malformed")
		}
		if ks.null, err = sn.object(versionKey(bucket, key, seq), bucket, key); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

// findVersion returns version vid of bucket/key ("" = the current one).
// The current version missing gives NoSuchKey (carrying the delete marker
// when the newest version is one); a missing version NoSuchVersion. A
// delete marker asked for by id is returned as is.
// isCur tells whether it is the current version (the s3/o/ record).
func (s *Store) findVersion(ctx context.Context, bucket, key, vid string) (o *Object, isCur bool, err error) {
	if vid != "" && !ValidVersionID(vid) {
		return nil, false, invalidVersionID()
	}
	sn, err := s.snapshot(ctx)
	if err != nil {
		return nil, false, err
	}
	defer sn.close()
	cur, err := sn.object(objectKey(bucket, key), bucket, key)
	if err != nil {
		return nil, false, err
	}
	switch {
	case vid == "":
		if cur != nil {
			return cur, true, nil
		}
		top, err := sn.firstVersion(bucket, key, nil)
		if err != nil {
			return nil, false, errs.E("objstore.read", errs.IO, err)
		}
		if top != nil && top.DeleteMarker {
			return nil, false, errs.E("objstore.get", errs.NotExist, errs.Code("NoSuchKey"), "The specified key does not exist.", markerErr{top})
		}
		return nil, false, noSuchKey()
	case cur != nil && cur.Version() == vid:
		return cur, true, nil
	case vid == NullVersion:
		v, ok, err := sn.get(nullKey(bucket, key))
		if err != nil {
			return nil, false, errs.E("objstore.read", errs.IO, err)
		}
		if !ok {
			return nil, false, noSuchVersion()
		}
		seq, _ := parseSeqHex(string(v))
		o, err := sn.object(versionKey(bucket, key, seq), bucket, key)
		if err != nil || o == nil {
			return nil, false, errs.E("objstore.read", errs.Corrupt, "null version index of "+bucket+"/"+key+" is dangling", err)
		}
		return o, false, nil
	}
	seq, _ := versionSeq(vid)
	o, err = sn.object(versionKey(bucket, key, seq), bucket, key)
	if err != nil {
		return nil, false, err
	}
	if o == nil || o.VersionID != vid {
		return nil, false, noSuchVersion()
	}
	return o, false, nil
}

// versionBatch accumulates one key's change: records, references and the
// blobs to delete once it is committed.
type versionBatch struct {
	b    meta.Batch
	dead []string
	keep map[string]bool // blobs of the new version
	// lcMark queues the batch's keys for the lifecycle engine even in a
	// bucket without configuration (an INTELLIGENT_TIERING object).
	lcMark bool
	// left are the versions leaving their storage class (for the
	// early-deletion ledger).
	left []*Object
}

// demote moves the current version o into s3/v/, noncurrent since now.
func (vb *versionBatch) demote(o *Object, now time.Time) {
	o.Seq = o.seq()
	o.NoncurrentSince = &now
	vb.b.Delete(objectKey(o.Bucket, o.Key))
	vb.b.Set(versionKey(o.Bucket, o.Key, o.Seq), encodeObject(o))
	if o.VersionID == "" {
		vb.b.Set(nullKey(o.Bucket, o.Key), []byte(seqHex(o.Seq)))
	}
}

// drop removes version o (current when cur is set) and its references.
func (vb *versionBatch) drop(o *Object, cur bool) {
	vb.leftClass(o)
	for _, id := range o.allBlobIDs() {
		if !vb.keep[id] {
			vb.b.Delete(refKey(id))
			vb.dead = append(vb.dead, id)
		}
	}
	if cur {
		vb.b.Delete(objectKey(o.Bucket, o.Key))
		return
	}
	vb.b.Delete(versionKey(o.Bucket, o.Key, o.seq()))
	if o.VersionID == "" {
		vb.b.Delete(nullKey(o.Bucket, o.Key))
	}
}

// promote makes the s3/v/ object version o current again.
func (vb *versionBatch) promote(o *Object) {
	vb.b.Delete(versionKey(o.Bucket, o.Key, o.seq()))
	if o.VersionID == "" {
		vb.b.Delete(nullKey(o.Bucket, o.Key))
	}
	o.NoncurrentSince = nil
	vb.b.Set(objectKey(o.Bucket, o.Key), encodeObject(o))
}

// apply commits the batch under the bucket read lock, so DeleteBucket
// cannot remove the bucket in between, then deletes dead blobs.
func (s *Store) apply(ctx context.Context, op, bucket string, vb *versionBatch) error {
	s.bmu.RLock()
	bk, ok := s.buckets[bucket]
	var err error
	if ok {
		s.lcMarks(bk, vb)
		s.earlyCharges(vb)
		err = s.meta.Apply(ctx, &vb.b)
	}
	s.bmu.RUnlock()
	if !ok {
		return errs.E(op, errs.NotExist, errs.Code("NoSuchBucket"), "The specified bucket does not exist")
	}
	if err != nil {
		return errs.E(op, errs.IO, err)
	}
	s.deleteBlobs(ctx, vb.dead)
	return nil
}

// commit makes o the current version of its key, atomically and durably,
// if cond holds. extra, when set, adds operations to the same batch (e.g.
// removing a completed upload). Under versioning Enabled the previous
// current version becomes noncurrent; otherwise o is the null version and
// replaces the previous null version (whose blobs are deleted after the
// commit).
func (s *Store) commit(ctx context.Context, o *Object, cond Conditions, extra func(b *meta.Batch, old *Object) error) error {
	defer s.lockKey(o.Bucket, o.Key)()
	return s.commitLocked(ctx, o, cond, extra)
}

// commitLocked is commit with the key's stripe already locked.
func (s *Store) commitLocked(ctx context.Context, o *Object, cond Conditions, extra func(b *meta.Batch, old *Object) error) error {
	const op = "objstore.commit"
	bk, err := s.bucket(o.Bucket)
	if err != nil {
		return err
	}
	sn, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	ks, err := s.loadKey(ctx, sn, o.Bucket, o.Key)
	sn.close()
	if err != nil {
		return err
	}
	old := ks.cur
	if err := checkWrite(old, cond); err != nil {
		return err
	}
	now := s.now()
	vb := &versionBatch{keep: map[string]bool{}, lcMark: o.Class() == "INTELLIGENT_TIERING"}
	for _, sg := range o.Segments {
		if sg.BlobID != "" {
			vb.keep[sg.BlobID] = true
			vb.b.Set(refKey(sg.BlobID), []byte(o.Bucket+"\x00"+o.Key))
		}
	}
	o.Seq, o.DeleteMarker, o.NoncurrentSince = s.nextSeq(ks.newest()), false, nil
	if bk.Versioning == VersioningEnabled {
		o.VersionID = newVersionID(o.Seq)
		if old != nil {
			vb.demote(old, now)
		}
	} else {
		// The null version is overwritten: check it may go first.
		o.VersionID = ""
		for _, v := range []*Object{old, ks.null} {
			if v != nil && v.VersionID == "" {
				if err := s.CheckVersionDeletable(v, false); err != nil {
					return err
				}
			}
		}
		if old != nil {
			if old.VersionID == "" {
				vb.drop(old, true)
			} else {
				vb.demote(old, now)
			}
		}
		if ks.null != nil {
			vb.drop(ks.null, false)
		}
	}
	if extra != nil {
		if err := extra(&vb.b, old); err != nil {
			return err
		}
	}
	vb.b.Set(objectKey(o.Bucket, o.Key), encodeObject(o))
	if err := s.apply(ctx, op, o.Bucket, vb); err != nil {
		return err
	}
	o.Versioned = bk.Versioning != ""
	return nil
}

// DeleteInput describes a DeleteObject.
type DeleteInput struct {
	Bucket, Key string
	// VersionID, when set, removes that version permanently; otherwise
	// the key is deleted as the bucket's versioning state says.
	VersionID string
	// BypassGovernance lets a version under GOVERNANCE retention go (the
	// caller checked s3:BypassGovernanceRetention).
	BypassGovernance bool
	Owner            string // account creating a delete marker
}

// DeleteOutput is a DeleteObject's result.
type DeleteOutput struct {
	// VersionID is the version removed or the delete marker created; ""
	// when the bucket never had versioning and none was named.
	VersionID    string
	DeleteMarker bool // a marker was created, or the version removed was one
}

// DeleteObject removes the current object of a key. Deleting a missing key
// succeeds, as in S3. In a bucket with versioning it creates a delete
// marker (see Delete).
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) error {
	_, err := s.Delete(ctx, &DeleteInput{Bucket: bucket, Key: key})
	return err
}

// Delete deletes a key or one of its versions, as S3 does:
//   - no version id, versioning never set: the object is removed;
//   - no version id, Enabled: a delete marker becomes the newest version;
//   - no version id, Suspended: a null delete marker replaces the null
//     version;
//   - a version id: that version is removed permanently (unless Object
//     Lock protects it); removing the newest makes the next one current.
//
// Deleting a version that does not exist succeeds.
func (s *Store) Delete(ctx context.Context, in *DeleteInput) (*DeleteOutput, error) {
	out, _, err := s.deleteIf(ctx, in, nil)
	return out, err
}

// deleteIf is Delete done only if cond (nil = always) reports true. cond
// runs under the key's stripe lock on the snapshot the delete is built
// from, and the delete is applied before the lock is released, so a
// concurrent write of the key lands either before cond (which then sees
// it) or after the delete (and survives it). done is false, and nothing
// changed, when cond said no.
func (s *Store) deleteIf(ctx context.Context, in *DeleteInput, cond func(sn *snap, ks *keyState) (bool, error)) (out *DeleteOutput, done bool, err error) {
	const op = "objstore.DeleteObject"
	if _, err := s.bucket(in.Bucket); err != nil {
		return nil, false, err
	}
	if err := ValidateKey(in.Key); err != nil {
		return nil, false, err
	}
	if in.VersionID != "" && !ValidVersionID(in.VersionID) {
		return nil, false, invalidVersionID()
	}
	defer s.lockKey(in.Bucket, in.Key)()
	bk, err := s.bucket(in.Bucket) // the state now that writers of this key are held off
	if err != nil {
		return nil, false, err
	}
	sn, err := s.snapshot(ctx)
	if err != nil {
		return nil, false, err
	}
	defer sn.close()
	ks, err := s.loadKey(ctx, sn, in.Bucket, in.Key)
	if err != nil {
		return nil, false, err
	}
	if cond != nil {
		if ok, err := cond(sn, ks); err != nil || !ok {
			return nil, false, err
		}
	}
	out, err = s.deleteLocked(ctx, op, bk, sn, ks, in)
	return out, err == nil, err
}

// deleteLocked builds and applies Delete's batch; the key's stripe is
// locked and ks was loaded from sn.
func (s *Store) deleteLocked(ctx context.Context, op string, bk *Bucket, sn *snap, ks *keyState, in *DeleteInput) (*DeleteOutput, error) {
	now := s.now()
	vb := &versionBatch{}
	out := &DeleteOutput{}
	if in.VersionID != "" {
		found, err := s.deleteVersion(sn, ks, in, vb, out)
		if err != nil {
			return nil, err
		}
		if !found {
			out.VersionID = in.VersionID
			return out, nil
		}
	} else {
		switch bk.Versioning {
		case "":
			if ks.cur == nil {
				return out, nil
			}
			if err := s.CheckVersionDeletable(ks.cur, in.BypassGovernance); err != nil {
				return nil, err
			}
			vb.drop(ks.cur, true)
		default:
			m := &Object{Bucket: in.Bucket, Key: in.Key, DeleteMarker: true, LastModified: now, Owner: in.Owner,
				Seq: s.nextSeq(ks.newest())}
			if bk.Versioning == VersioningEnabled {
				m.VersionID = newVersionID(m.Seq)
				if ks.cur != nil {
					vb.demote(ks.cur, now)
				}
			} else {
				for _, v := range []*Object{ks.cur, ks.null} {
					if v != nil && v.VersionID == "" {
						if err := s.CheckVersionDeletable(v, in.BypassGovernance); err != nil {
							return nil, err
						}
					}
				}
				if ks.cur != nil {
					if ks.cur.VersionID == "" {
						vb.drop(ks.cur, true)
					} else {
						vb.demote(ks.cur, now)
					}
				}
				if ks.null != nil {
					vb.drop(ks.null, false)
				}
				vb.b.Set(nullKey(in.Bucket, in.Key), []byte(seqHex(m.Seq)))
			}
			vb.b.Set(versionKey(in.Bucket, in.Key, m.Seq), encodeObject(m))
			out.VersionID, out.DeleteMarker = m.Version(), true
		}
	}
	if err := s.apply(ctx, op, in.Bucket, vb); err != nil {
		return nil, err
	}
	return out, nil
}

// deleteVersion queues the permanent removal of version in.VersionID.
// It reports false when there is no such version.
func (s *Store) deleteVersion(sn *snap, ks *keyState, in *DeleteInput, vb *versionBatch, out *DeleteOutput) (bool, error) {
	var target *Object
	isCur := false
	switch {
	case ks.cur != nil && ks.cur.Version() == in.VersionID:
		target, isCur = ks.cur, true
	case in.VersionID == NullVersion:
		target = ks.null
	default:
		seq, _ := versionSeq(in.VersionID)
		o, err := sn.object(versionKey(in.Bucket, in.Key, seq), in.Bucket, in.Key)
		if err != nil {
			return false, err
		}
		if o != nil && o.VersionID == in.VersionID {
			target = o
		}
	}
	if target == nil {
		return false, nil
	}
	if err := s.CheckVersionDeletable(target, in.BypassGovernance); err != nil {
		return false, err
	}
	vb.drop(target, isCur)
	// Removing the newest version makes the next one the newest; if that
	// is an object it becomes current again.
	var next *Object
	var err error
	switch {
	case isCur:
		next = ks.top
	case ks.cur == nil && ks.top != nil && ks.top.seq() == target.seq():
		next, err = sn.firstVersion(in.Bucket, in.Key, append(versionKey(in.Bucket, in.Key, target.seq()), 0))
	}
	if err != nil {
		return false, errs.E("objstore.DeleteObject", errs.IO, err)
	}
	if next != nil && !next.DeleteMarker {
		vb.promote(next)
	}
	out.VersionID, out.DeleteMarker = target.Version(), target.DeleteMarker
	return true, nil
}

// PutBucketVersioning sets a bucket's versioning state (Enabled or
// Suspended). MFA delete is not supported.
func (s *Store) PutBucketVersioning(ctx context.Context, bucket, status, mfaDelete string) error {
	const op = "objstore.PutBucketVersioning"
	switch mfaDelete {
	case "", "Disabled":
	case "Enabled":
		return errs.E(op, errs.Invalid, errs.Code("NotImplemented"), "MFA delete is not supported by this server.")
	default:
		return errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if status != VersioningEnabled && status != VersioningSuspended {
		return errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return s.updateBucket(ctx, op, bucket, func(b *Bucket) error {
		if b.ObjectLock != nil && status != VersioningEnabled {
			return errs.E(op, errs.Conflict, errs.Code("InvalidBucketState"),
				"An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		b.Versioning = status
		return nil
	})
}
