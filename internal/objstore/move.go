package objstore

import (
	"context"
	"errors"
	"slices"

	"github.com/tarnhq/tarn/internal/errs"
)

// MoveInput describes a tier move of one version: a storage class change
// by lifecycle or Intelligent-Tiering.
type MoveInput struct {
	Bucket, Key, VersionID string // VersionID as S3 shows it ("null" included)
	// Seq, when non-zero, is the version's stamp as the caller saw it; the
	// move is skipped if the version was replaced meanwhile.
	Seq   int64
	Class string
	// AccessTier and ArchiveStatus set the Intelligent-Tiering state
	// along with the move.
	AccessTier, ArchiveStatus string
}

// moveVersion changes a version's storage class, moving its bytes when
// the new class maps to another tier. Crash-safe in three steps: (1) copy
// the stored bytes (ciphertext as is) to new blobs in the target tier; (2)
// one meta batch rewrites the record to name the new blobs, adds their
// references and removes the old ones; (3) the old blobs are deleted. A
// crash before (2) leaves the old location readable and the new blobs
// orphaned; after (2), the new location readable and the old blobs
// orphaned; the startup GC, which walks every tier, collects orphans.
// It returns the bytes moved (0 when only the record changed), or
// errMoveSkipped when the version changed since the caller read it (the
// next pass decides again).
// errMoveSkipped: the version changed under a move, which did nothing.
var errMoveSkipped = errors.New("objstore: version changed; move skipped")

func (s *Store) moveVersion(ctx context.Context, in *MoveInput) (int64, error) {
	const op = "objstore.moveVersion"
	o, _, err := s.findVersion(ctx, in.Bucket, in.Key, in.VersionID)
	if err != nil {
		return 0, err
	}
	if o.DeleteMarker || in.Seq != 0 && o.seq() != in.Seq {
		return 0, errMoveSkipped
	}
	target := s.tierOf(in.Class)
	if in.ArchiveStatus != "" {
		target = s.tierOf("GLACIER") // Intelligent-Tiering's archive tiers
	}
	var segs []Segment
	var moved int64
	copyData := target != segTier(o) || o.Inline() && target != HotTier
	if copyData {
		if segs, moved, err = s.copySegments(ctx, o.Segments, o.inline, target); err != nil {
			return 0, err
		}
	}
	if s.testHookMove != nil {
		if err := s.testHookMove(); err != nil {
			s.log.Debug("tier move aborted by test hook", "bucket", in.Bucket, "key", in.Key)
			return 0, err // new blobs stay behind as orphans, as after a crash
		}
	}
	old := o.Segments
	_, err = s.rewriteVersionWith(ctx, op, in.Bucket, in.Key, in.VersionID, func(cur *Object, vb *versionBatch) error {
		if cur.seq() != o.seq() || !slices.Equal(blobIDs(cur.Segments), blobIDs(old)) {
			return errs.E(op, errs.Conflict, "version changed during the move")
		}
		if cur.Class() != in.Class {
			vb.leftClass(cur)
			now := s.now()
			cur.ClassSince = &now
		}
		cur.StorageClass = in.Class
		if in.Class == DefaultStorageClass {
			cur.StorageClass = ""
		}
		cur.AccessTier, cur.ArchiveStatus = in.AccessTier, in.ArchiveStatus
		vb.lcMark = in.Class == "INTELLIGENT_TIERING"
		if in.Class != "INTELLIGENT_TIERING" {
			cur.LastAccess = nil
		}
		if cur.Restore != nil && !cur.archived() {
			// Out of the archive: the restored copy is no longer needed.
			for _, id := range blobIDs(cur.Restore.Segments) {
				vb.b.Delete(refKey(id))
				vb.dead = append(vb.dead, id)
			}
			cur.Restore = nil
		}
		if !copyData {
			return nil
		}
		for _, id := range blobIDs(cur.Segments) {
			vb.b.Delete(refKey(id))
			vb.dead = append(vb.dead, id)
		}
		for _, sg := range segs {
			vb.b.Set(refKey(sg.BlobID), []byte(cur.Bucket+"\x00"+cur.Key))
		}
		cur.Segments, cur.inline, cur.CRC = segs, nil, 0
		return nil
	})
	if err != nil {
		s.deleteBlobs(ctx, blobIDs(segs))
		if errs.Is(errs.Conflict, err) || errs.Is(errs.NotExist, err) {
			return 0, errMoveSkipped
		}
		return 0, err
	}
	return moved, nil
}
