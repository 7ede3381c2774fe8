package objstore

import (
	"context"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// ListVersionsInput describes a ListObjectVersions.
type ListVersionsInput struct {
	Bucket    string
	Prefix    string
	Delimiter string
	// KeyMarker and VersionIDMarker resume a listing: with only a key
	// marker, keys after it; with both, the versions of KeyMarker older
	// than VersionIDMarker, then later keys.
	KeyMarker       string
	VersionIDMarker string
	MaxKeys         int
}

// ListVersionsOutput is a page of versions and delete markers, by key and
// then newest first; each has IsLatest set.
type ListVersionsOutput struct {
	Versions       []*Object
	CommonPrefixes []string
	IsTruncated    bool
	// NextKeyMarker and NextVersionIDMarker resume the listing when it is
	// truncated (NextVersionIDMarker is "" after a common prefix).
	NextKeyMarker, NextVersionIDMarker string
}

// ListObjectVersions lists a bucket's versions: it merges the current
// records (s3/o/, each the newest version of its key) with the
// noncurrent versions and delete markers (s3/v/), both in key order.
// MaxKeys counts versions, markers and common prefixes together.
func (s *Store) ListObjectVersions(ctx context.Context, in *ListVersionsInput) (*ListVersionsOutput, error) {
	const op = "objstore.ListObjectVersions"
	if _, err := s.bucket(in.Bucket); err != nil {
		return nil, err
	}
	if in.VersionIDMarker != "" {
		if in.KeyMarker == "" {
			return nil, errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "A version-id marker cannot be specified without a key marker.")
		}
		if !ValidVersionID(in.VersionIDMarker) {
			return nil, invalidVersionID()
		}
	}
	max := in.MaxKeys
	if max < 0 || max > MaxListKeys {
		max = MaxListKeys
	}
	out := &ListVersionsOutput{}
	if max == 0 {
		return out, nil
	}
	oBase, vBase := objectKeyPrefix(in.Bucket), versionKeyPrefix(in.Bucket)
	oIt, err := s.meta.NewIter(ctx, []byte(oBase+in.Prefix), []byte(successor(oBase+in.Prefix)))
	if err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	defer oIt.Close()
	vIt, err := s.meta.NewIter(ctx, []byte(vBase+escKey(in.Prefix)), []byte(successor(vBase+escKey(in.Prefix))))
	if err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	defer vIt.Close()

	// Start positions.
	oStart, vStart := oBase+in.Prefix, vBase+escKey(in.Prefix)
	resumedKey, resumed := "", false
	if in.KeyMarker != "" {
		if o := oBase + in.KeyMarker + "\x00"; o > oStart {
			oStart = o
		}
		v := afterKeyVersions(in.Bucket, in.KeyMarker)
		if in.VersionIDMarker != "" {
			if seq, ok := s.markerSeq(ctx, in.Bucket, in.KeyMarker, in.VersionIDMarker); ok {
				v = string(versionKey(in.Bucket, in.KeyMarker, seq)) + "\x00"
				resumedKey, resumed = in.KeyMarker, true
			}
		}
		if v > vStart {
			vStart = v
		}
	}
	oOK, vOK := oIt.SeekGE([]byte(oStart)), vIt.SeekGE([]byte(vStart))
	lastKey, haveLast := "", false
	count := 0
	for oOK || vOK {
		var oKey, vKey string
		var vSeq int64
		if oOK {
			oKey = string(oIt.Key()[len(oBase):])
		}
		if vOK {
			var ok bool
			vKey, vSeq, ok = splitVersionKey(string(vIt.Key()[len(vBase):]))
			if !ok {
				return nil, errs.E(op, errs.Corrupt, "malformed version record key "+string(vIt.Key()))
			}
		}
		fromO := oOK && (!vOK || oKey <= vKey)
		key := vKey
		if fromO {
			key = oKey
		}
		if in.Delimiter != "" {
			if i := strings.Index(key[len(in.Prefix):], in.Delimiter); i >= 0 {
				cp := key[:len(in.Prefix)+i+len(in.Delimiter)]
				if cp > in.KeyMarker || in.KeyMarker == "" {
					if count == max {
						out.IsTruncated = true
						break
					}
					out.CommonPrefixes = append(out.CommonPrefixes, cp)
					out.NextKeyMarker, out.NextVersionIDMarker = cp, ""
					count++
				}
				next := successor(cp)
				if next == "" {
					break
				}
				oOK = seekAtLeast(oIt, oBase+next)
				vOK = seekAtLeast(vIt, vBase+escKey(next))
				continue
			}
		}
		if count == max {
			out.IsTruncated = true
			break
		}
		var it meta.Iter = vIt
		if fromO {
			it = oIt
		}
		o, err := decodeObject(in.Bucket, key, it.Value(), false)
		if err != nil {
			return nil, err
		}
		if !fromO && o.Seq == 0 {
			o.Seq = vSeq
		}
		// The newest version of a key is the current record, else the
		// first s3/v/ record of the key — unless the listing resumed
		// inside that key, past its newest version.
		o.IsLatest = fromO || (!haveLast || lastKey != key) && !(resumed && key == resumedKey)
		lastKey, haveLast = key, true
		o.Versioned = true
		out.Versions = append(out.Versions, o)
		out.NextKeyMarker, out.NextVersionIDMarker = key, o.Version()
		count++
		if fromO {
			oOK = oIt.Next()
		} else {
			vOK = vIt.Next()
		}
	}
	if err := oIt.Error(); err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	if err := vIt.Error(); err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	if !out.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = "", ""
	}
	return out, nil
}

// seekAtLeast moves it to the first key >= k.
func seekAtLeast(it meta.Iter, k string) bool { return it.SeekGE([]byte(k)) }

// markerSeq finds the stamp of version vid of key, for resuming a
// listing after it.
func (s *Store) markerSeq(ctx context.Context, bucket, key, vid string) (int64, bool) {
	if vid != NullVersion {
		return versionSeq(vid)
	}
	o, _, err := s.findVersion(ctx, bucket, key, vid)
	if err != nil {
		return 0, false
	}
	return o.seq(), true
}
