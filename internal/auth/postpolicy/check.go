package postpolicy

import (
	"slices"
	"strings"
	"time"
)

// Check verifies the form of a POST Object request against the policy at
// time now:
//
//   - the policy must not have expired;
//   - every eq and starts-with condition must hold, comparing field names
//     without regard to case and values exactly; the "bucket" condition is
//     compared with bucket, not with a form field; a field absent from the
//     form compares as ""; a starts-with on Content-Type must hold for each
//     comma-separated type;
//   - every form field must be named by a condition, except x-amz-signature,
//     policy, file, fields prefixed x-ignore-, and the Signature Version 2
//     fields AWSAccessKeyId and signature.
//
// form maps field names to values, with ${filename} in "key" already
// substituted by the caller. content-length-range is enforced separately
// by CheckLength. The error is a *PolicyError with code AccessDenied.
func (p *Policy) Check(form map[string]string, bucket string, now time.Time) error {
	if now.After(p.Expiration) {
		return accessDenied("Policy expired.")
	}
	fields := make(map[string]string, len(form))
	for k, v := range form {
		fields[strings.ToLower(k)] = v
	}
	covered := make(map[string]bool, len(p.Conditions))
	for _, c := range p.Conditions {
		if c.Op == OpContentLengthRange {
			continue
		}
		name := strings.ToLower(c.Field)
		covered[name] = true
		value := fields[name]
		if name == "bucket" {
			value = bucket
		}
		if !c.matches(name, value) {
			return accessDenied("Policy Condition failed: " + c.String())
		}
	}
	var extra []string
	for k := range form {
		name := strings.ToLower(k)
		if !covered[name] && !exempt(name) {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return accessDenied("Extra input fields: " + strings.Join(extra, ", "))
	}
	return nil
}

func (c Condition) matches(name, value string) bool {
	switch c.Op {
	case OpEq:
		return value == c.Value
	case OpStartsWith:
		if name != "content-type" {
			return strings.HasPrefix(value, c.Value)
		}
		for t := range strings.SplitSeq(value, ",") {
			if !strings.HasPrefix(strings.TrimSpace(t), c.Value) {
				return false
			}
		}
		return true
	}
	return false
}

// exempt reports whether a form field (lower case) needs no condition.
func exempt(name string) bool {
	switch name {
	case "x-amz-signature", "policy", "file", "awsaccesskeyid", "signature":
		return true
	}
	return strings.HasPrefix(name, "x-ignore-")
}

// CheckLength enforces the policy's content-length-range on a file of n
// bytes: an EntityTooSmall or EntityTooLarge *PolicyError, or nil (also
// when the policy sets no range).
func (p *Policy) CheckLength(n int64) error {
	switch {
	case !p.HasLengthRange:
		return nil
	case n < p.ContentLengthMin:
		return &PolicyError{Code: CodeEntityTooSmall, Message: "Your proposed upload is smaller than the minimum allowed size"}
	case n > p.ContentLengthMax:
		return &PolicyError{Code: CodeEntityTooLarge, Message: "Your proposed upload exceeds the maximum allowed size"}
	}
	return nil
}
