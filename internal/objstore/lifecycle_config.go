package objstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// MaxLifecycleRules is S3's limit of rules per configuration.
const MaxLifecycleRules = 1000

// TransitionDefaultMinimumObjectSize values.
const (
	TransitionMin128K    = "all_storage_classes_128K"
	TransitionMinVaries  = "varies_by_storage_class"
	transitionMinDefault = TransitionMin128K
)

// LifecycleConfig is a bucket's lifecycle configuration.
type LifecycleConfig struct {
	Rules []LifecycleRule `json:"rules"`
	// TransitionMinSize is TransitionDefaultMinimumObjectSize: with
	// all_storage_classes_128K (the default) objects under 128 KiB are not
	// transitioned unless a rule's filter sets ObjectSizeGreaterThan.
	TransitionMinSize string `json:"tmin,omitempty"`
}

// LifecycleRule is one rule. Exactly one of Prefix (the legacy top-level
// prefix) and Filter is set.
type LifecycleRule struct {
	ID                    string                  `json:"id,omitempty"`
	Status                string                  `json:"status"` // Enabled or Disabled
	Prefix                *string                 `json:"prefix,omitempty"`
	Filter                *LifecycleFilter        `json:"filter,omitempty"`
	Expiration            *LifecycleExpiration    `json:"exp,omitempty"`
	Transitions           []LifecycleTransition   `json:"tr,omitempty"`
	NoncurrentTransitions []NoncurrentTransition  `json:"nctr,omitempty"`
	NoncurrentExpiration  *NoncurrentExpiration   `json:"ncexp,omitempty"`
	AbortIncomplete       *AbortIncompleteUploads `json:"abort,omitempty"`
}

// LifecycleFilter selects objects: all conditions must hold (And).
type LifecycleFilter struct {
	Prefix string `json:"prefix,omitempty"`
	Tags   []Tag  `json:"tags,omitempty"`
	// Size bounds in bytes (exclusive); nil when not set.
	SizeGreaterThan *int64 `json:"gt,omitempty"`
	SizeLessThan    *int64 `json:"lt,omitempty"`
}

// LifecycleExpiration expires current versions.
type LifecycleExpiration struct {
	Days                      *int       `json:"days,omitempty"`
	Date                      *time.Time `json:"date,omitempty"`
	ExpiredObjectDeleteMarker *bool      `json:"eodm,omitempty"`
}

// LifecycleTransition moves current versions to another class.
type LifecycleTransition struct {
	Days         *int       `json:"days,omitempty"`
	Date         *time.Time `json:"date,omitempty"`
	StorageClass string     `json:"class"`
}

// NoncurrentTransition moves noncurrent versions.
type NoncurrentTransition struct {
	NoncurrentDays          int    `json:"days"`
	NewerNoncurrentVersions int    `json:"newer,omitempty"`
	StorageClass            string `json:"class"`
}

// NoncurrentExpiration deletes noncurrent versions permanently.
type NoncurrentExpiration struct {
	NoncurrentDays          int `json:"days"`
	NewerNoncurrentVersions int `json:"newer,omitempty"`
}

// AbortIncompleteUploads aborts multipart uploads DaysAfterInitiation
// days after they started.
type AbortIncompleteUploads struct {
	DaysAfterInitiation int `json:"days"`
}

func lcErr(code, format string, a ...any) error {
	return errs.E("objstore.PutBucketLifecycle", errs.Invalid, errs.Code(code), fmt.Sprintf(format, a...))
}

func malformedXML() error {
	return lcErr("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

// transitionClass reports whether lifecycle may transition to c.
func transitionClass(c string) bool {
	switch c {
	case "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE":
		return true
	}
	return false
}

// classRank orders classes for transitions: lifecycle only moves objects
// to a higher rank (S3's waterfall).
func classRank(c string) int {
	switch c {
	case "", "STANDARD", "REDUCED_REDUNDANCY":
		return 0
	case "INTELLIGENT_TIERING", "STANDARD_IA":
		return 1
	case "ONEZONE_IA":
		return 2
	case "GLACIER_IR":
		return 3
	case "GLACIER":
		return 4
	case "DEEP_ARCHIVE":
		return 5
	}
	return 0
}

func midnight(t time.Time) bool {
	t = t.UTC()
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// ValidateLifecycle checks a configuration as S3 does, with its codes.
func ValidateLifecycle(c *LifecycleConfig) error {
	if len(c.Rules) == 0 {
		return malformedXML()
	}
	if len(c.Rules) > MaxLifecycleRules {
		return lcErr("InvalidRequest", "Configuration must not have more than %d rules", MaxLifecycleRules)
	}
	switch c.TransitionMinSize {
	case "", TransitionMin128K, TransitionMinVaries:
	default:
		return lcErr("InvalidRequest", "Invalid TransitionDefaultMinimumObjectSize: %s", c.TransitionMinSize)
	}
	ids := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if len(r.ID) > 255 {
			return lcErr("InvalidArgument", "ID length should not exceed allowed limit of 255")
		}
		if r.ID != "" {
			if ids[r.ID] {
				return lcErr("InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule")
			}
			ids[r.ID] = true
		}
		if err := validateRule(r); err != nil {
			return err
		}
	}
	return nil
}

func validateRule(r *LifecycleRule) error {
	if r.Status != "Enabled" && r.Status != "Disabled" {
		return malformedXML()
	}
	if (r.Prefix == nil) == (r.Filter == nil) {
		return malformedXML() // exactly one of Prefix and Filter
	}
	hasTags := false
	if f := r.Filter; f != nil {
		if err := ValidateTags(f.Tags, MaxBucketTags); err != nil {
			return err
		}
		hasTags = len(f.Tags) > 0
		if f.SizeGreaterThan != nil && *f.SizeGreaterThan < 0 || f.SizeLessThan != nil && *f.SizeLessThan <= 0 {
			return lcErr("InvalidArgument", "'ObjectSizeGreaterThan' and 'ObjectSizeLessThan' must be non-negative")
		}
		if f.SizeGreaterThan != nil && f.SizeLessThan != nil && *f.SizeGreaterThan >= *f.SizeLessThan {
			return lcErr("InvalidArgument", "'ObjectSizeLessThan' must be greater than 'ObjectSizeGreaterThan'")
		}
	}
	if r.Expiration == nil && len(r.Transitions) == 0 && len(r.NoncurrentTransitions) == 0 && r.NoncurrentExpiration == nil && r.AbortIncomplete == nil {
		return lcErr("InvalidRequest", "At least one action needs to be specified in a rule")
	}
	if e := r.Expiration; e != nil {
		n := 0
		for _, set := range []bool{e.Days != nil, e.Date != nil, e.ExpiredObjectDeleteMarker != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			if e.ExpiredObjectDeleteMarker != nil && n > 1 {
				return lcErr("InvalidArgument", "ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy")
			}
			return malformedXML()
		}
		if e.Days != nil && *e.Days <= 0 {
			return lcErr("InvalidArgument", "'Days' for Expiration action must be a positive integer")
		}
		if e.Date != nil && !midnight(*e.Date) {
			return lcErr("InvalidArgument", "'Date' must be at midnight GMT")
		}
		if e.ExpiredObjectDeleteMarker != nil && hasTags {
			return lcErr("InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with tag-based filter")
		}
	}
	seen := map[string]bool{}
	var byDays, byDate bool
	for _, t := range r.Transitions {
		if (t.Days == nil) == (t.Date == nil) {
			return malformedXML()
		}
		if !transitionClass(t.StorageClass) {
			if ValidStorageClass(t.StorageClass) {
				return lcErr("InvalidStorageClass", "The storage class you specified is not valid")
			}
			return malformedXML()
		}
		if seen[t.StorageClass] {
			return lcErr("InvalidRequest", "'StorageClass' must be different for 'Transition' actions in same 'Rule' with ID '%s'", r.ID)
		}
		seen[t.StorageClass] = true
		if t.Days != nil {
			byDays = true
			if *t.Days < 0 {
				return lcErr("InvalidArgument", "'Days' for Transition action must be a positive integer")
			}
			if (t.StorageClass == "STANDARD_IA" || t.StorageClass == "ONEZONE_IA") && *t.Days < 30 {
				return lcErr("InvalidArgument", "'Days' in Transition action must be greater than or equal to 30 for storageClass '%s'", t.StorageClass)
			}
			if e := r.Expiration; e != nil && e.Days != nil && *e.Days <= *t.Days {
				return lcErr("InvalidArgument", "'Days' in the Expiration action for filter '%s' must be greater than 'Days' in the Transition action", r.prefix())
			}
		} else {
			byDate = true
			if !midnight(*t.Date) {
				return lcErr("InvalidArgument", "'Date' must be at midnight GMT")
			}
		}
	}
	if byDays && byDate {
		return lcErr("InvalidRequest", "Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule for filter '%s'", r.prefix())
	}
	ncSeen := map[string]bool{}
	for _, t := range r.NoncurrentTransitions {
		if !transitionClass(t.StorageClass) {
			if ValidStorageClass(t.StorageClass) {
				return lcErr("InvalidStorageClass", "The storage class you specified is not valid")
			}
			return malformedXML()
		}
		if ncSeen[t.StorageClass] {
			return lcErr("InvalidRequest", "'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same 'Rule' with ID '%s'", r.ID)
		}
		ncSeen[t.StorageClass] = true
		if t.NoncurrentDays < 0 {
			return lcErr("InvalidArgument", "'NoncurrentDays' for NoncurrentVersionTransition action must be a positive integer")
		}
		if (t.StorageClass == "STANDARD_IA" || t.StorageClass == "ONEZONE_IA") && t.NoncurrentDays < 30 {
			return lcErr("InvalidArgument", "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 for storageClass '%s'", t.StorageClass)
		}
		if t.NewerNoncurrentVersions < 0 || t.NewerNoncurrentVersions > 100 {
			return lcErr("InvalidArgument", "'NewerNoncurrentVersions' must be between 1 and 100")
		}
	}
	if e := r.NoncurrentExpiration; e != nil {
		if e.NoncurrentDays <= 0 {
			return lcErr("InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
		}
		if e.NewerNoncurrentVersions < 0 || e.NewerNoncurrentVersions > 100 {
			return lcErr("InvalidArgument", "'NewerNoncurrentVersions' must be between 1 and 100")
		}
	}
	if a := r.AbortIncomplete; a != nil {
		if a.DaysAfterInitiation <= 0 {
			return lcErr("InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
		}
		if hasTags || r.Filter != nil && (r.Filter.SizeGreaterThan != nil || r.Filter.SizeLessThan != nil) {
			return lcErr("InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags.")
		}
	}
	return nil
}

func (r *LifecycleRule) prefix() string {
	if r.Prefix != nil {
		return *r.Prefix
	}
	if r.Filter != nil {
		return r.Filter.Prefix
	}
	return ""
}

// matches reports whether the rule's filter selects o.
func (r *LifecycleRule) matches(o *Object) bool {
	if r.Status != "Enabled" || !strings.HasPrefix(o.Key, r.prefix()) {
		return false
	}
	f := r.Filter
	if f == nil {
		return true
	}
	if f.SizeGreaterThan != nil && !(o.Size > *f.SizeGreaterThan) || f.SizeLessThan != nil && !(o.Size < *f.SizeLessThan) {
		return false
	}
	for _, t := range f.Tags {
		found := false
		for _, ot := range o.Tags {
			if ot == t {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func noSuchLifecycle() error {
	return errs.E("objstore.GetBucketLifecycle", errs.NotExist, errs.Code("NoSuchLifecycleConfiguration"), "The lifecycle configuration does not exist")
}

// PutBucketLifecycle validates and stores a bucket's lifecycle
// configuration, replacing any earlier one.
func (s *Store) PutBucketLifecycle(ctx context.Context, bucket string, c *LifecycleConfig) error {
	const op = "objstore.PutBucketLifecycle"
	if err := ValidateLifecycle(c); err != nil {
		return err
	}
	if c.TransitionMinSize == "" {
		c.TransitionMinSize = transitionMinDefault
	}
	s.lc.cmu.Lock()
	defer s.lc.cmu.Unlock()
	err := s.updateBucket(ctx, op, bucket, func(b *Bucket) error { b.Lifecycle = c; return nil },
		func(mb *meta.Batch) { lcScheduleScan(mb, bucket) })
	if err == nil {
		s.lc.wake()
	}
	return err
}

// GetBucketLifecycle returns a bucket's lifecycle configuration.
func (s *Store) GetBucketLifecycle(ctx context.Context, bucket string) (*LifecycleConfig, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	if b.Lifecycle == nil {
		return nil, noSuchLifecycle()
	}
	return b.Lifecycle, nil
}

// DeleteBucketLifecycle removes a bucket's lifecycle configuration.
func (s *Store) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return s.updateBucket(ctx, "objstore.DeleteBucketLifecycle", bucket, func(b *Bucket) error { b.Lifecycle = nil; return nil })
}

// ExpirationOf returns when the bucket's lifecycle rules expire o and the
// id of the rule that does (for x-amz-expiration); zero when none does.
func (s *Store) ExpirationOf(o *Object) (time.Time, string) {
	b, err := s.bucket(o.Bucket)
	if err != nil || b.Lifecycle == nil || o.DeleteMarker {
		return time.Time{}, ""
	}
	var best time.Time
	var id string
	for i := range b.Lifecycle.Rules {
		r := &b.Lifecycle.Rules[i]
		e := r.Expiration
		if e == nil || !r.matches(o) {
			continue
		}
		var due time.Time
		switch {
		case e.Days != nil:
			due = s.dayBoundary(o.LastModified, *e.Days)
		case e.Date != nil:
			due = *e.Date
		default:
			continue
		}
		if best.IsZero() || due.Before(best) {
			best, id = due, r.ID
		}
	}
	return best, id
}
