package objstore

import (
	"context"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
)

// Object Lock retention modes.
const (
	LockGovernance = "GOVERNANCE"
	LockCompliance = "COMPLIANCE"
)

// Limits of a default retention period, as S3 enforces them.
const (
	MaxRetentionDays  = 36500
	MaxRetentionYears = 100
)

// ObjectLockConfig is a bucket's Object Lock configuration. Its presence
// means Object Lock is enabled (for good); Rule is the default retention
// of new versions, if any.
type ObjectLockConfig struct {
	Rule *RetentionRule `json:"rule,omitempty"`
}

// RetentionRule is a default retention: a mode and either Days or Years.
type RetentionRule struct {
	Mode  string `json:"mode"`
	Days  int    `json:"days,omitempty"`
	Years int    `json:"years,omitempty"`
}

// LockRequest is the Object Lock state a write asks for: a retention mode
// with its date (both or neither) and a legal hold ("ON", "OFF" or "").
type LockRequest struct {
	Mode      string
	Until     *time.Time
	LegalHold string
}

func (r *LockRequest) empty() bool {
	return r == nil || r.Mode == "" && r.Until == nil && r.LegalHold == ""
}

func missingLockConfig(op string) error {
	return errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "Bucket is missing Object Lock Configuration")
}

func validMode(m string) bool { return m == LockGovernance || m == LockCompliance }

// lockFor resolves the Object Lock state of a new version of a key in
// bucket b: the request's, else the bucket's default retention. digest
// tells whether the request carried Content-MD5 or a checksum, which S3
// requires of uploads that get a retention period.
func (s *Store) lockFor(op string, b *Bucket, req *LockRequest, digest bool) (mode string, until *time.Time, hold string, err error) {
	if b.ObjectLock == nil {
		if !req.empty() {
			return "", nil, "", missingLockConfig(op)
		}
		return "", nil, "", nil
	}
	now := s.now()
	if req != nil {
		if (req.Mode == "") != (req.Until == nil) {
			return "", nil, "", errs.E(op, errs.Invalid, errs.Code("InvalidArgument"),
				"x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
		}
		if req.Mode != "" && !validMode(req.Mode) {
			return "", nil, "", errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "Unknown wormMode directive.")
		}
		if req.Until != nil && !req.Until.After(now) {
			return "", nil, "", errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "The retain until date must be in the future!")
		}
		switch req.LegalHold {
		case "", "ON", "OFF":
		default:
			return "", nil, "", errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "Legal Hold must be either of 'ON' or 'OFF'")
		}
		mode, hold = req.Mode, req.LegalHold
		if req.Until != nil {
			u := req.Until.UTC()
			until = &u
		}
	}
	if mode == "" && b.ObjectLock.Rule != nil {
		r := b.ObjectLock.Rule
		u := now.AddDate(r.Years, 0, r.Days)
		mode, until = r.Mode, &u
	}
	if (mode != "" || hold != "") && !digest {
		return "", nil, "", errs.E(op, errs.Invalid, errs.Code("InvalidRequest"),
			"Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters")
	}
	return mode, until, hold, nil
}

// hasDigest reports whether a write carries Content-MD5 or a checksum.
func (in *PutInput) hasDigest() bool {
	return in.ContentMD5 != nil || in.ChecksumValue != "" || in.ChecksumAlgorithm != "" || in.ChecksumTrailer != nil || in.SignedPayload
}

// CheckVersionDeletable reports whether version o may be removed for good
// now: nil, or AccessDenied while a legal hold or an unexpired retention
// protects it (GOVERNANCE retention yields to bypassGovernance, which the
// caller grants only to principals allowed s3:BypassGovernanceRetention).
// Every path that removes a version permanently — DELETE by version id,
// overwriting a null version, lifecycle expiration — must call it.
func (s *Store) CheckVersionDeletable(o *Object, bypassGovernance bool) error {
	if o == nil || o.DeleteMarker {
		return nil
	}
	denied := errs.E("objstore.lock", errs.Permission, errs.Code("AccessDenied"), "Access Denied because object protected by object lock.")
	if o.LegalHold == "ON" {
		return denied
	}
	if o.LockUntil != nil && s.now().Before(*o.LockUntil) {
		if o.LockMode == LockCompliance || !bypassGovernance {
			return denied
		}
	}
	return nil
}

// PutObjectLockConfiguration enables Object Lock on a bucket (which must
// have versioning Enabled) and sets (nil: removes) its default retention.
func (s *Store) PutObjectLockConfiguration(ctx context.Context, bucket string, rule *RetentionRule) error {
	const op = "objstore.PutObjectLockConfiguration"
	if rule != nil {
		if !validMode(rule.Mode) || rule.Days != 0 && rule.Years != 0 || rule.Days == 0 && rule.Years == 0 {
			return errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
		}
		if rule.Days < 0 || rule.Years < 0 || rule.Days > MaxRetentionDays || rule.Years > MaxRetentionYears {
			return errs.E(op, errs.Invalid, errs.Code("InvalidRetentionPeriod"),
				"Default retention period must be a positive integer value for days (at most 36500) or years (at most 100).")
		}
	}
	return s.updateBucket(ctx, op, bucket, func(b *Bucket) error {
		if b.ObjectLock == nil && b.Versioning != VersioningEnabled {
			return errs.E(op, errs.Conflict, errs.Code("InvalidBucketState"),
				"Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
		}
		b.ObjectLock = &ObjectLockConfig{Rule: rule}
		return nil
	})
}

// RetentionInput describes a PutObjectRetention.
type RetentionInput struct {
	Bucket, Key, VersionID string
	// Mode and Until: both set, or both empty to remove the retention.
	Mode             string
	Until            *time.Time
	BypassGovernance bool
	// Digest tells whether the request carried Content-MD5 or a checksum.
	Digest bool
}

// PutObjectRetention sets a version's retention. COMPLIANCE retention can
// only be extended; GOVERNANCE retention can be extended, and shortened,
// removed or made COMPLIANCE only with BypassGovernance.
func (s *Store) PutObjectRetention(ctx context.Context, in *RetentionInput) (*Object, error) {
	const op = "objstore.PutObjectRetention"
	b, err := s.bucket(in.Bucket)
	if err != nil {
		return nil, err
	}
	if b.ObjectLock == nil {
		return nil, missingLockConfig(op)
	}
	if !in.Digest {
		return nil, errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters")
	}
	if (in.Mode == "") != (in.Until == nil) || in.Mode != "" && !validMode(in.Mode) {
		return nil, errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
	}
	now := s.now()
	if in.Until != nil && !in.Until.After(now) {
		return nil, errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "The retain until date must be in the future!")
	}
	return s.rewriteVersion(ctx, op, in.Bucket, in.Key, in.VersionID, func(o *Object) error {
		active := o.LockUntil != nil && now.Before(*o.LockUntil)
		if active {
			extends := in.Mode == o.LockMode && !in.Until.Before(*o.LockUntil)
			if in.Mode == "" {
				extends = false
			}
			switch {
			case extends:
			case o.LockMode == LockCompliance:
				return errs.E(op, errs.Permission, errs.Code("AccessDenied"), "Access Denied because object protected by object lock.")
			case !in.BypassGovernance:
				return errs.E(op, errs.Permission, errs.Code("AccessDenied"), "Access Denied because object protected by object lock.")
			}
		}
		o.LockMode, o.LockUntil = in.Mode, nil
		if in.Until != nil {
			u := in.Until.UTC()
			o.LockUntil = &u
		}
		return nil
	})
}

// PutObjectLegalHold sets a version's legal hold to "ON" or "OFF".
func (s *Store) PutObjectLegalHold(ctx context.Context, bucket, key, versionID, status string) (*Object, error) {
	const op = "objstore.PutObjectLegalHold"
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	if b.ObjectLock == nil {
		return nil, missingLockConfig(op)
	}
	if status != "ON" && status != "OFF" {
		return nil, errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return s.rewriteVersion(ctx, op, bucket, key, versionID, func(o *Object) error {
		o.LegalHold = status
		return nil
	})
}

// ObjectLockState returns a version's record for GetObjectRetention and
// GetObjectLegalHold, or InvalidRequest when the bucket has no Object Lock.
func (s *Store) ObjectLockState(ctx context.Context, bucket, key, versionID string) (*Object, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	if b.ObjectLock == nil {
		return nil, missingLockConfig("objstore.ObjectLockState")
	}
	return s.StatVersion(ctx, bucket, key, versionID)
}
