package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
)

// Payload modes: the values of x-amz-content-sha256 other than a hex digest.
const (
	UnsignedPayload          = "UNSIGNED-PAYLOAD"
	StreamingPayload         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// DefaultMaxSkew is the clock skew AWS tolerates.
const DefaultMaxSkew = 15 * time.Minute

// MaxBufferedPayload caps the body read into memory to compute the payload
// hash of a non-S3 request without x-amz-content-sha256.
const MaxBufferedPayload = 16 << 20

// Credentials resolves access keys.
type Credentials interface {
	// Lookup returns the secret for an access key id; ok=false if unknown.
	Lookup(accessKeyID string) (secret string, ok bool)
}

// StaticCredentials is a fixed access key → secret map.
type StaticCredentials map[string]string

// Lookup implements Credentials.
func (s StaticCredentials) Lookup(ak string) (string, bool) { v, ok := s[ak]; return v, ok }

// Verifier checks SigV4 signatures. The zero value (plus Creds) is ready to
// use and safe for concurrent use.
type Verifier struct {
	Creds   Credentials
	Now     func() time.Time // nil = time.Now
	MaxSkew time.Duration    // 0 = 15 minutes
	// Region, if set, is the only region accepted in a credential scope.
	Region string

	keys keyCache
}

// Result describes an authenticated (or anonymous) request.
type Result struct {
	AccessKey       string
	Region, Service string // from the credential scope
	Presigned       bool
	Anonymous       bool   // no Authorization header and no X-Amz-Algorithm query: not an error
	PayloadMode     string // the x-amz-content-sha256 value (or "UNSIGNED-PAYLOAD" for presigned)
	// Trailer holds trailing headers (e.g. x-amz-checksum-crc32) of an aws-chunked body;
	// it is filled in once the body has been read to EOF.
	Trailer http.Header
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

// Verify authenticates r. It may replace r.Body (and r.ContentLength) with a reader that
// decodes/verifies the payload as the request declares; read errors from that body are *awserr.Error.
func (v *Verifier) Verify(r *http.Request) (*Result, error) {
	authz := r.Header.Values("Authorization")
	var q url.Values
	presigned := false
	if raw := r.URL.RawQuery; strings.Contains(raw, "X-Amz-") || strings.Contains(raw, "Signature") {
		q, _ = url.ParseQuery(raw)
		presigned = q.Has("X-Amz-Algorithm")
		if !presigned && q.Has("Signature") && q.Has("AWSAccessKeyId") {
			return nil, errSigV2()
		}
	}
	switch {
	case len(authz) > 0 && presigned:
		return nil, awserr.New("InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified").
			With("ArgumentName", "Authorization").With("ArgumentValue", authz[0])
	case presigned:
		return v.verifyPresigned(r, q)
	case len(authz) == 0:
		return &Result{Anonymous: true}, nil
	case len(authz) > 1:
		return nil, errMalformed("multiple Authorization headers")
	}
	return v.verifyHeader(r, authz[0])
}

// credScope is a parsed credential: AK/date/region/service/aws4_request.
type credScope struct {
	accessKey, date, region, service string
}

func (c credScope) String() string {
	return c.date + "/" + c.region + "/" + c.service + "/" + terminator
}

// parseCredential splits a credential string; the reason is empty on success.
func parseCredential(s string) (c credScope, reason string) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return c, `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	}
	if _, err := time.Parse(dateFormat, parts[1]); err != nil || len(parts[1]) != 8 {
		return c, `incorrect date format "` + parts[1] + `". This date in the credential must be in the format "yyyyMMdd".`
	}
	if parts[4] != terminator {
		return c, `incorrect terminal "` + parts[4] + `". This endpoint uses "aws4_request".`
	}
	return credScope{parts[0], parts[1], parts[2], parts[3]}, ""
}

// authHeader is a parsed Authorization header.
type authHeader struct {
	cred          credScope
	signedHeaders []string // lower-case, in the order given
	signedRaw     string
	signature     string
}

// parseAuthorization parses an AWS4-HMAC-SHA256 Authorization header.
func parseAuthorization(h string) (a authHeader, err *awserr.Error) {
	rest, ok := strings.CutPrefix(h, algorithm)
	if !ok || rest == "" || rest[0] != ' ' {
		if strings.HasPrefix(h, "AWS ") {
			return a, errSigV2()
		}
		return a, awserr.New("InvalidArgument", "Unsupported Authorization Type").
			With("ArgumentName", "Authorization").With("ArgumentValue", h)
	}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return a, errMalformed("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
		}
		var dup bool
		switch k {
		case "Credential":
			dup, haveCred, cred = haveCred, true, val
		case "SignedHeaders":
			dup, haveSigned, signed = haveSigned, true, val
		case "Signature":
			dup, haveSig, sig = haveSig, true, val
		default:
			return a, errMalformed("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
		}
		if dup {
			return a, errMalformed("the authorization header has a duplicate " + k + " component.")
		}
	}
	if !haveCred || !haveSigned || !haveSig {
		return a, errMalformed("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
	}
	c, reason := parseCredential(cred)
	if reason != "" {
		return a, errMalformed(reason)
	}
	hs, ok := parseSignedHeaders(signed)
	if !ok {
		return a, errMalformed("the SignedHeaders component is mal-formed.")
	}
	if sig == "" {
		return a, errMalformed("the Signature component is empty.")
	}
	return authHeader{cred: c, signedHeaders: hs, signedRaw: signed, signature: sig}, nil
}

func parseSignedHeaders(s string) ([]string, bool) {
	if s == "" {
		return nil, false
	}
	hs := strings.Split(strings.ToLower(s), ";")
	for _, h := range hs {
		if h == "" || strings.TrimSpace(h) != h {
			return nil, false
		}
	}
	return hs, true
}

// requestTime returns the X-Amz-Date (or Date) of a header-signed request
// and its string form.
func requestTime(r *http.Request) (time.Time, string, bool) {
	if s := r.Header.Get("X-Amz-Date"); s != "" {
		t, err := time.Parse(timeFormat, s)
		return t, s, err == nil
	}
	if s := r.Header.Get("Date"); s != "" {
		t, err := http.ParseTime(s)
		return t.UTC(), s, err == nil
	}
	return time.Time{}, "", false
}

func (v *Verifier) verifyHeader(r *http.Request, h string) (*Result, error) {
	a, aerr := parseAuthorization(h)
	if aerr != nil {
		return nil, aerr
	}
	t, tstr, ok := requestTime(r)
	if !ok {
		return nil, awserr.New("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
	}
	amzDate := t.Format(timeFormat)
	if a.cred.date != amzDate[:8] {
		return nil, errMalformed("Invalid credential date. Date is not the same as X-Amz-Date.")
	}
	if v.Region != "" && a.cred.region != v.Region {
		return nil, errMalformed("the region '"+a.cred.region+"' is wrong; expecting '"+v.Region+"'").With("Region", v.Region)
	}
	secret, ok := v.Creds.Lookup(a.cred.accessKey)
	if !ok {
		return nil, errUnknownKey(a.cred.accessKey)
	}
	now := v.now()
	if d := now.Sub(t); d > v.maxSkew() || d < -v.maxSkew() {
		return nil, awserr.New("RequestTimeTooSkewed").
			With("RequestTime", tstr).
			With("ServerTime", now.UTC().Format(time.RFC3339)).
			With("MaxAllowedSkewMilliseconds", strconv.FormatInt(v.maxSkew().Milliseconds(), 10))
	}
	if err := checkSignedHeaders(r, a.signedHeaders, false); err != nil {
		return nil, err
	}
	s3 := a.cred.service == "s3"
	payload := r.Header.Get("X-Amz-Content-Sha256")
	computed := false
	switch {
	case payload == "" && s3:
		return nil, awserr.New("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
	case payload == "":
		sum, err := hashBody(r)
		if err != nil {
			return nil, err
		}
		payload, computed = sum, true
	case !validPayloadMode(payload):
		return nil, awserr.New("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.").
			With("ArgumentName", "x-amz-content-sha256").With("ArgumentValue", payload)
	}

	key := v.keys.get(secret, a.cred)
	scope := a.cred.String()
	headers := canonicalHeaders(r, a.signedHeaders)
	query := canonicalQuery(r.URL.RawQuery, "")
	signedList := a.signedRaw
	var firstCR, firstSTS string
	matched := false
	for i, uri := range canonicalURIs(r, s3) {
		cr := buildCanonicalRequest(r.Method, uri, query, headers, signedList, payload)
		sts := buildStringToSign(amzDate, scope, cr)
		if i == 0 {
			firstCR, firstSTS = cr, sts
		}
		if sigEqual(signature(key, sts), a.signature) {
			matched = true
			break
		}
	}
	if !matched {
		return nil, errSignature(a.cred.accessKey, firstSTS, a.signature, firstCR)
	}
	res := &Result{
		AccessKey:   a.cred.accessKey,
		Region:      a.cred.region,
		Service:     a.cred.service,
		PayloadMode: payload,
	}
	if !computed {
		if err := v.wrapBody(r, res, key, amzDate, scope, a.signature); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func validPayloadMode(p string) bool {
	switch p {
	case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer:
		return true
	}
	return isHexSHA256(p)
}

func isHexSHA256(p string) bool {
	if len(p) != 64 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkSignedHeaders enforces that host and every x-amz-* header present
// are signed, as S3 does.
func checkSignedHeaders(r *http.Request, signed []string, presigned bool) *awserr.Error {
	var missing []string
	has := func(name string) bool {
		for _, s := range signed {
			if s == name {
				return true
			}
		}
		return false
	}
	if !has("host") {
		missing = append(missing, "host")
	}
	for k := range r.Header {
		lk := strings.ToLower(k)
		if !strings.HasPrefix(lk, "x-amz-") || has(lk) {
			continue
		}
		// Never part of the signature (presigned URLs carry the date and
		// signature in the query; the payload hash is not signed there).
		if presigned && lk == "x-amz-content-sha256" {
			continue
		}
		missing = append(missing, lk)
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return awserr.New("AccessDenied", "There were headers present in the request which were not signed").
		With("HeadersNotSigned", strings.Join(missing, ", "))
}

// hashBody reads the whole (bounded) body, restores it and returns its hex
// SHA-256.
func hashBody(r *http.Request) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return emptySHA256, nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, MaxBufferedPayload+1))
	if err != nil {
		return "", awserr.New("IncompleteBody", "Error reading request body: %v", err)
	}
	if len(buf) > MaxBufferedPayload {
		return "", awserr.New("EntityTooLarge", "The request body exceeds %d bytes; send x-amz-content-sha256 to stream it.", MaxBufferedPayload)
	}
	r.Body = readCloser{bytes.NewReader(buf), r.Body}
	return hexSHA256(string(buf)), nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// keyCache memoises derived signing keys; they change once a day per
// credential scope.
type keyCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *keyCache) get(secret string, cs credScope) []byte {
	k := cs.accessKey + "\x00" + secret + "\x00" + cs.String()
	c.mu.Lock()
	key, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return key
	}
	key = SigningKey(secret, cs.date, cs.region, cs.service)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= 4096 {
		c.m = make(map[string][]byte)
	}
	c.m[k] = key
	c.mu.Unlock()
	return key
}
