package objstore

import (
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
)

func etagMatch(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == "*" || strings.Trim(t, `"`) == etag {
			return true
		}
	}
	return false
}

func precondFailed(cond string) error {
	e := errs.E("objstore.cond", errs.Precondition, errs.Code("PreconditionFailed"), "At least one of the pre-conditions you specified did not hold")
	e.(*errs.Error).Err = condErr(cond)
	return e
}

// condErr names the failing condition (S3 reports it as <Condition>).
type condErr string

func (c condErr) Error() string { return string(c) }

// ConditionOf returns the failing header of a PreconditionFailed error.
func ConditionOf(err error) string {
	if e, ok := err.(*errs.Error); ok {
		if c, ok := e.Err.(condErr); ok {
			return string(c)
		}
	}
	return ""
}

func notModified() error {
	return errs.E("objstore.cond", errs.Precondition, errs.Code("NotModified"), "Not Modified")
}

// checkRead evaluates GET/HEAD preconditions as S3 does (RFC 7232 with
// S3's precedence: If-Match beats If-Unmodified-Since, If-None-Match beats
// If-Modified-Since).
func checkRead(o *Object, c Conditions) error {
	mod := o.LastModified.Truncate(time.Second)
	if c.IfMatch != "" {
		if !etagMatch(c.IfMatch, o.ETag) {
			return precondFailed("If-Match")
		}
	} else if c.IfUnmodifiedSince != nil && mod.After(*c.IfUnmodifiedSince) {
		return precondFailed("If-Unmodified-Since")
	}
	if c.IfNoneMatch != "" {
		if etagMatch(c.IfNoneMatch, o.ETag) {
			return notModified()
		}
	} else if c.IfModifiedSince != nil && !mod.After(*c.IfModifiedSince) {
		return notModified()
	}
	return nil
}

// checkWrite evaluates conditional-write headers against the current
// object (nil if none).
func checkWrite(old *Object, c Conditions) error {
	if c.IfNoneMatch != "" {
		if c.IfNoneMatch != "*" {
			return errs.E("objstore.cond", errs.Invalid, errs.Code("NotImplemented"), "If-None-Match on writes supports only *")
		}
		if old != nil {
			return precondFailed("If-None-Match")
		}
	}
	if c.IfMatch != "" {
		if old == nil {
			return errs.E("objstore.cond", errs.NotExist, errs.Code("NoSuchKey"), "The specified key does not exist.")
		}
		if !etagMatch(c.IfMatch, old.ETag) {
			return precondFailed("If-Match")
		}
	}
	return nil
}
