package objstore

import (
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
)

// ValidateCORS checks a CORS configuration as S3 does.
func ValidateCORS(rules []CORSRule) error {
	const op = "objstore.ValidateCORS"
	if len(rules) == 0 || len(rules) > 100 {
		return errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
	}
	for _, r := range rules {
		if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 {
			return errs.E(op, errs.Invalid, errs.Code("MalformedXML"), "The XML you provided was not well-formed or did not validate against our published schema")
		}
		for _, m := range r.AllowedMethods {
			switch m {
			case "GET", "PUT", "HEAD", "POST", "DELETE":
			default:
				return errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "Found unsupported HTTP method in CORS config. Unsupported method is "+m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "AllowedOrigin \""+o+"\" can not have more than one wildcard.")
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return errs.E(op, errs.Invalid, errs.Code("InvalidRequest"), "AllowedHeader \""+h+"\" can not have more than one wildcard.")
			}
		}
		if len(r.ID) > 255 {
			return errs.E(op, errs.Invalid, errs.Code("InvalidArgument"), "ID length should not exceed allowed limit of 255")
		}
	}
	return nil
}

// wildcardMatch matches s against a pattern with at most one '*'.
func wildcardMatch(pattern, s string) bool {
	i := strings.IndexByte(pattern, '*')
	if i < 0 {
		return pattern == s
	}
	pre, suf := pattern[:i], pattern[i+1:]
	return len(s) >= len(pre)+len(suf) && strings.HasPrefix(s, pre) && strings.HasSuffix(s, suf)
}

// MatchCORS returns the first rule that allows a request from origin with
// method and (for a preflight) the requested headers, or nil.
func MatchCORS(rules []CORSRule, origin, method string, headers []string) *CORSRule {
	for i := range rules {
		r := &rules[i]
		if !anyMatch(r.AllowedOrigins, origin, false) {
			continue
		}
		okMethod := false
		for _, m := range r.AllowedMethods {
			if m == method {
				okMethod = true
				break
			}
		}
		if !okMethod {
			continue
		}
		okHeaders := true
		for _, h := range headers {
			if !anyMatch(r.AllowedHeaders, strings.ToLower(strings.TrimSpace(h)), true) {
				okHeaders = false
				break
			}
		}
		if okHeaders {
			return r
		}
	}
	return nil
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p = strings.ToLower(p)
		}
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}
