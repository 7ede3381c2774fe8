package objstore

import (
	"context"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
)

// ListObjects returns a page of a bucket's objects in key order, rolling
// keys that contain Delimiter after Prefix into common prefixes. Keys and
// prefixes up to and including After are skipped. MaxKeys counts objects
// and prefixes together; 0 returns an empty page.
func (s *Store) ListObjects(ctx context.Context, in *ListInput) (*ListOutput, error) {
	const op = "objstore.ListObjects"
	if _, err := s.bucket(in.Bucket); err != nil {
		return nil, err
	}
	max := in.MaxKeys
	if max < 0 || max > MaxListKeys {
		max = MaxListKeys
	}
	base := objectKeyPrefix(in.Bucket)
	lower := base + in.Prefix
	if in.After != "" && base+in.After >= lower {
		lower = base + in.After + "\x00"
	}
	upper := base + successor(in.Prefix)
	if in.Prefix == "" || successor(in.Prefix) == "" {
		upper = successor(base)
	}
	out := &ListOutput{}
	if max == 0 {
		return out, nil
	}
	it, err := s.meta.NewIter(ctx, []byte(base), []byte(upper))
	if err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	defer it.Close()
	count := 0
	for ok := it.SeekGE([]byte(lower)); ok; {
		key := string(it.Key()[len(base):])
		if in.Delimiter != "" {
			if i := strings.Index(key[len(in.Prefix):], in.Delimiter); i >= 0 {
				cp := key[:len(in.Prefix)+i+len(in.Delimiter)]
				if cp <= in.After {
					// This prefix was returned on an earlier page.
				} else {
					if count == max {
						out.IsTruncated = true
						break
					}
					out.CommonPrefixes = append(out.CommonPrefixes, cp)
					out.Next = cp
					count++
				}
				next := successor(cp)
				if next == "" {
					break
				}
				ok = it.SeekGE([]byte(base + next))
				continue
			}
		}
		if count == max {
			out.IsTruncated = true
			break
		}
		o, err := decodeObject(in.Bucket, key, it.Value(), false)
		if err != nil {
			return nil, err
		}
		out.Objects = append(out.Objects, o)
		out.Next = key
		count++
		ok = it.Next()
	}
	if err := it.Error(); err != nil {
		return nil, errs.E(op, errs.IO, err)
	}
	if !out.IsTruncated {
		out.Next = ""
	}
	return out, nil
}
