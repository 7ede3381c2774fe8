package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	timeFormat      = "20060102T150405Z"
	dateFormat      = "20060102"
	terminator      = "aws4_request"
	emptySHA256     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	unsignedPayload = "UNSIGNED-PAYLOAD"
)

// SigningKey derives the SigV4 signing key for a secret access key and a
// credential scope (date is YYYYMMDD).
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// signature returns hex(HMAC(key, stringToSign)).
func signature(key []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

// sigEqual compares two hex signatures in constant time.
func sigEqual(a, b string) bool {
	return hmac.Equal([]byte(a), []byte(b))
}

func buildStringToSign(amzDate, scope, canonicalRequest string) string {
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256(canonicalRequest)
}

// unreserved reports the RFC 3986 unreserved characters, which SigV4 never
// percent-encodes.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

const upperhex = "0123456789ABCDEF"

// uriEncode is the AWS UriEncode function: every byte but the unreserved set
// is percent-encoded with upper-case hex; '/' is kept when keepSlash.
func uriEncode(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved(c) && !(keepSlash && c == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
		} else {
			b = append(b, '%', upperhex[c>>4], upperhex[c&15])
		}
	}
	return string(b)
}

// rawPath returns the request path exactly as the client sent it.
func rawPath(r *http.Request) string {
	p := r.RequestURI
	if p != "" && p != "*" {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		// Absolute-form request target: strip scheme and authority.
		if !strings.HasPrefix(p, "/") {
			if i := strings.Index(p, "://"); i >= 0 {
				p = p[i+3:]
				if j := strings.IndexByte(p, '/'); j >= 0 {
					p = p[j:]
				} else {
					p = "/"
				}
			}
		}
	} else if r.URL != nil {
		p = r.URL.EscapedPath()
	}
	if p == "" {
		p = "/"
	}
	return p
}

// canonicalURIs returns the canonical URI candidates for r, best first.
//
// S3 signs the path as sent (SDKs set DisableURIPathEscaping); we also accept
// the AWS-normalised encoding of the decoded path, for clients that encode
// differently on the wire than in their canonical request (e.g. '~' as %7E).
// Every other service encodes the already-escaped path a second time.
func canonicalURIs(r *http.Request, s3 bool) []string {
	raw := rawPath(r)
	if !s3 {
		return []string{uriEncode(raw, true)}
	}
	out := []string{raw}
	if dec, err := url.PathUnescape(raw); err == nil {
		if alt := uriEncode(dec, true); alt != raw {
			out = append(out, alt)
		}
	}
	return out
}

type queryPair struct{ k, v string }

// canonicalQuery builds the canonical query string from a raw query: each
// name and value decoded, re-encoded with uriEncode, then sorted by name and
// value. skip names a parameter to leave out (X-Amz-Signature when
// presigned).
func canonicalQuery(raw, skip string) string {
	if raw == "" {
		return ""
	}
	pairs := make([]queryPair, 0, 8)
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if skip != "" && k == skip {
			continue
		}
		pairs = append(pairs, queryPair{uriEncode(k, false), uriEncode(v, false)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// queryUnescape decodes a query component ('+' is a space); a malformed
// escape is kept literally, so that it simply fails to match.
func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// headerValues returns the values of the (lower-case) header name as the
// client sent them, including the ones net/http moves out of r.Header.
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		return []string{h}
	case "content-length":
		if v := r.Header.Values("Content-Length"); len(v) > 0 {
			return v
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
		return nil
	case "transfer-encoding":
		if v := r.Header.Values("Transfer-Encoding"); len(v) > 0 {
			return v
		}
		return r.TransferEncoding
	}
	return r.Header.Values(name)
}

// canonicalHeaders returns "name:value\n" for each signed header (already
// sorted and lower-case), values trimmed with inner runs of spaces collapsed
// and multiple values joined with commas.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range headerValues(r, name) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeTrimmed(&b, v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// writeTrimmed writes v without leading/trailing whitespace and with each
// run of spaces collapsed to one.
func writeTrimmed(b *strings.Builder, v string) {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		b.WriteString(v)
		return
	}
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(c)
	}
}

func buildCanonicalRequest(method, uri, query, headers, signedHeaders, payload string) string {
	return method + "\n" + uri + "\n" + query + "\n" + headers + "\n" + signedHeaders + "\n" + payload
}

// hexBytes renders s as space-separated hex bytes, as S3 does in the
// StringToSignBytes and CanonicalRequestBytes error fields.
func hexBytes(s string) string {
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, "0123456789abcdef"[s[i]>>4], "0123456789abcdef"[s[i]&15])
	}
	return string(b)
}
