package objstore

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Intelligent-Tiering access tiers (Object.AccessTier) and archive
// statuses (Object.ArchiveStatus, the x-amz-archive-status header).
const (
	AccessFrequent       = ""
	AccessInfrequent     = "INFREQUENT_ACCESS"
	AccessArchiveInstant = "ARCHIVE_INSTANT_ACCESS"
	ArchiveAccess        = "ARCHIVE_ACCESS"
	ArchiveDeep          = "DEEP_ARCHIVE_ACCESS"
)

// ITieringConfig is a bucket's Intelligent-Tiering configuration: opt-in
// archive tiers for INTELLIGENT_TIERING objects its filter selects.
type ITieringConfig struct {
	ID       string          `json:"id"`
	Status   string          `json:"status"` // Enabled or Disabled
	Filter   LifecycleFilter `json:"filter"` // Prefix and Tags
	Tierings []ITiering      `json:"tierings"`
}

// ITiering moves objects not accessed for Days to AccessTier.
type ITiering struct {
	AccessTier string `json:"tier"` // ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS
	Days       int    `json:"days"`
}

func itErr(code, msg string) error {
	return errs.E("objstore.IntelligentTiering", errs.Invalid, errs.Code(code), msg)
}

// ValidateITiering checks a configuration as S3 does.
func ValidateITiering(c *ITieringConfig) error {
	if c.ID == "" || len(c.ID) > 64 {
		return itErr("InvalidArgument", "Id must be between 1 and 64 characters")
	}
	if c.Status != "Enabled" && c.Status != "Disabled" {
		return malformedXML()
	}
	if len(c.Tierings) == 0 || len(c.Tierings) > 2 {
		return malformedXML()
	}
	if err := ValidateTags(c.Filter.Tags, MaxBucketTags); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range c.Tierings {
		switch t.AccessTier {
		case ArchiveAccess:
			if t.Days < 90 || t.Days > 730 {
				return itErr("InvalidArgument", "The Days value for ARCHIVE_ACCESS must be between 90 and 730")
			}
		case ArchiveDeep:
			if t.Days < 180 || t.Days > 730 {
				return itErr("InvalidArgument", "The Days value for DEEP_ARCHIVE_ACCESS must be between 180 and 730")
			}
		default:
			return malformedXML()
		}
		if seen[t.AccessTier] {
			return itErr("InvalidArgument", "Duplicate AccessTier: "+t.AccessTier)
		}
		seen[t.AccessTier] = true
	}
	return nil
}

func noSuchITConfig() error {
	return errs.E("objstore.IntelligentTiering", errs.NotExist, errs.Code("NoSuchConfiguration"), "The specified configuration does not exist.")
}

// PutBucketITiering stores (or replaces, by id) a configuration.
func (s *Store) PutBucketITiering(ctx context.Context, bucket string, c *ITieringConfig) error {
	if err := ValidateITiering(c); err != nil {
		return err
	}
	s.lc.cmu.Lock()
	defer s.lc.cmu.Unlock()
	defer s.lc.wake()
	return s.updateBucket(ctx, "objstore.PutBucketIntelligentTiering", bucket, func(b *Bucket) error {
		out := []ITieringConfig{*c}
		for _, e := range b.ITiering {
			if e.ID != c.ID {
				out = append(out, e)
			}
		}
		if len(out) > 1000 {
			return itErr("TooManyConfigurations", "You are attempting to create a new configuration but have already reached the 1,000-configuration limit.")
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		b.ITiering = out
		return nil
	}, func(mb *meta.Batch) { lcScheduleScan(mb, bucket) })
}

// GetBucketITiering returns the configuration with id.
func (s *Store) GetBucketITiering(ctx context.Context, bucket, id string) (*ITieringConfig, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	for _, c := range b.ITiering {
		if c.ID == id {
			return &c, nil
		}
	}
	return nil, noSuchITConfig()
}

// ListBucketITiering returns every configuration, by id.
func (s *Store) ListBucketITiering(ctx context.Context, bucket string) ([]ITieringConfig, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	return b.ITiering, nil
}

// DeleteBucketITiering removes the configuration with id.
func (s *Store) DeleteBucketITiering(ctx context.Context, bucket, id string) error {
	return s.updateBucket(ctx, "objstore.DeleteBucketIntelligentTiering", bucket, func(b *Bucket) error {
		for i, c := range b.ITiering {
			if c.ID == id {
				b.ITiering = append(b.ITiering[:i:i], b.ITiering[i+1:]...)
				return nil
			}
		}
		return noSuchITConfig()
	})
}

// accessTracker remembers reads of INTELLIGENT_TIERING objects in memory;
// FlushAccess writes them to the records in one pass, so a GET never
// writes metadata.
type accessTracker struct {
	mu   sync.Mutex
	seen map[[3]string]time.Time // bucket, key, version → last read
}

func (a *accessTracker) touch(o *Object) {
	if o.Class() != "INTELLIGENT_TIERING" {
		return
	}
	a.mu.Lock()
	if a.seen == nil {
		a.seen = map[[3]string]time.Time{}
	}
	a.seen[[3]string{o.Bucket, o.Key, o.Version()}] = o.LastModified // replaced by now() in flush
	a.mu.Unlock()
}

// FlushAccess records the reads tracked since the last flush: each read
// object's last access time is set and it moves back to the frequent
// access tier (out of the archive tiers, its bytes back to the hot tier).
func (s *Store) FlushAccess(ctx context.Context) error {
	s.access.mu.Lock()
	seen := s.access.seen
	s.access.seen = nil
	s.access.mu.Unlock()
	now := s.now()
	for k := range seen {
		o, _, err := s.findVersion(ctx, k[0], k[1], k[2])
		if err != nil || o.DeleteMarker || o.Class() != "INTELLIGENT_TIERING" {
			continue
		}
		if o.ArchiveStatus != "" {
			_, err := s.moveVersion(ctx, &MoveInput{Bucket: k[0], Key: k[1], VersionID: k[2], Seq: o.seq(), Class: "INTELLIGENT_TIERING"})
			switch {
			case errors.Is(err, errMoveSkipped):
			case err != nil:
				return err
			default:
				s.lc.count(func(c *LifecycleStats) { c.TieringMoves++ })
			}
		}
		_, err = s.rewriteVersion(ctx, "objstore.FlushAccess", k[0], k[1], k[2], func(o *Object) error {
			o.LastAccess, o.AccessTier = &now, AccessFrequent
			return nil
		})
		if err != nil && !errs.Is(errs.NotExist, err) {
			return err
		}
	}
	return nil
}

// matches reports whether the enabled configuration c selects o (its
// prefix and tags).
func (c *ITieringConfig) matches(o *Object) bool {
	return c.Status == "Enabled" && strings.HasPrefix(o.Key, c.Filter.Prefix) &&
		(&LifecycleRule{Status: "Enabled", Filter: &LifecycleFilter{Tags: c.Filter.Tags}}).matches(o)
}

// tierIntelligent moves an INTELLIGENT_TIERING object down its access
// tiers by the time since its last access: 30 days → Infrequent, 90 →
// Archive Instant, then the opt-in archive tiers of a matching bucket
// configuration (whose bytes go to the archive classes' tier).
func (s *Store) tierIntelligent(ctx context.Context, b *Bucket, o *Object, now time.Time) error {
	if o.Class() != "INTELLIGENT_TIERING" || o.ArchiveStatus == ArchiveDeep {
		return nil
	}
	last := o.LastModified
	if o.LastAccess != nil {
		last = *o.LastAccess
	}
	idle := func(days int) bool { return !last.Add(time.Duration(days) * s.opts.Day).After(now) }
	tier, archive := o.AccessTier, o.ArchiveStatus
	switch {
	case idle(90):
		tier = AccessArchiveInstant
	case idle(30):
		tier = AccessInfrequent
	}
	for _, c := range b.ITiering {
		if !c.matches(o) {
			continue
		}
		for _, t := range c.Tierings {
			if idle(t.Days) && (archive == "" || t.AccessTier == ArchiveDeep) {
				archive, tier = t.AccessTier, t.AccessTier
			}
		}
	}
	if tier == o.AccessTier && archive == o.ArchiveStatus {
		return nil
	}
	if err := s.act(ctx, o.Size); err != nil {
		return err
	}
	n, err := s.moveVersion(ctx, &MoveInput{Bucket: b.Name, Key: o.Key, VersionID: o.Version(), Seq: o.seq(),
		Class: "INTELLIGENT_TIERING", AccessTier: tier, ArchiveStatus: archive})
	if errors.Is(err, errMoveSkipped) {
		return nil
	}
	if err == nil {
		s.lc.count(func(c *LifecycleStats) { c.TieringMoves++; c.BytesMoved += n })
	}
	return err
}
