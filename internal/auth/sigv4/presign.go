package sigv4

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
)

// MaxPresignExpires is the longest X-Amz-Expires AWS accepts: one week.
const MaxPresignExpires = 604800

// verifyPresigned checks a query-string (presigned URL) signature.
func (v *Verifier) verifyPresigned(r *http.Request, q url.Values) (*Result, error) {
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		if len(q[k]) != 1 || q[k][0] == "" {
			return nil, errQueryParams("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	if q.Get("X-Amz-Algorithm") != algorithm {
		return nil, errQueryParams(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	cred, reason := parseCredential(q.Get("X-Amz-Credential"))
	if reason != "" {
		return nil, errQueryParams("Error parsing the X-Amz-Credential parameter; " + reason)
	}
	dateStr := q.Get("X-Amz-Date")
	t, err := time.Parse(timeFormat, dateStr)
	if err != nil {
		return nil, errQueryParams(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	expStr := q.Get("X-Amz-Expires")
	exp, err := strconv.ParseInt(expStr, 10, 64)
	switch {
	case err != nil:
		return nil, errQueryParams("X-Amz-Expires should be a number")
	case exp < 0:
		return nil, errQueryParams("X-Amz-Expires must be non-negative")
	case exp > MaxPresignExpires:
		return nil, errQueryParams("X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	amzDate := t.Format(timeFormat)
	if cred.date != amzDate[:8] {
		return nil, errQueryParams(`Invalid credential date "` + cred.date + `". This date is not the same as X-Amz-Date: "` + amzDate[:8] + `".`)
	}
	if v.Region != "" && cred.region != v.Region {
		return nil, errQueryParams("Error parsing the X-Amz-Credential parameter; the region '"+cred.region+"' is wrong; expecting '"+v.Region+"'").With("Region", v.Region)
	}
	signed, ok := parseSignedHeaders(q.Get("X-Amz-SignedHeaders"))
	if !ok {
		return nil, errQueryParams("X-Amz-SignedHeaders is mal-formed")
	}
	secret, ok := v.Creds.Lookup(cred.accessKey)
	if !ok {
		return nil, errUnknownKey(cred.accessKey)
	}
	now := v.now()
	if expires := t.Add(time.Duration(exp) * time.Second); now.After(expires) {
		return nil, awserr.New("AccessDenied", "Request has expired").
			With("X-Amz-Expires", expStr).
			With("Expires", expires.UTC().Format(time.RFC3339)).
			With("ServerTime", now.UTC().Format(time.RFC3339))
	}
	if t.Sub(now) > v.maxSkew() {
		return nil, awserr.New("AccessDenied", "Request is not valid yet").
			With("X-Amz-Date", dateStr).
			With("ServerTime", now.UTC().Format(time.RFC3339))
	}
	if err := checkSignedHeaders(r, signed, true); err != nil {
		return nil, err
	}

	s3 := cred.service == "s3"
	payload := UnsignedPayload
	computed := false
	if p := q.Get("X-Amz-Content-Sha256"); p != "" {
		payload = p
	} else if !s3 {
		// Other services sign the payload hash even in presigned URLs.
		if p := r.Header.Get("X-Amz-Content-Sha256"); p != "" {
			payload = p
		} else {
			sum, err := hashBody(r)
			if err != nil {
				return nil, err
			}
			payload, computed = sum, true
		}
	}
	if !validPayloadMode(payload) || payload != UnsignedPayload && !isHexSHA256(payload) {
		return nil, awserr.New("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value for presigned requests.").
			With("ArgumentName", "x-amz-content-sha256").With("ArgumentValue", payload)
	}

	key := v.keys.get(secret, cred)
	scope := cred.String()
	sig := q.Get("X-Amz-Signature")
	headers := canonicalHeaders(r, signed)
	query := canonicalQuery(r.URL.RawQuery, "X-Amz-Signature")
	signedList := q.Get("X-Amz-SignedHeaders")
	var firstCR, firstSTS string
	matched := false
	for i, uri := range canonicalURIs(r, s3) {
		cr := buildCanonicalRequest(r.Method, uri, query, headers, signedList, payload)
		sts := buildStringToSign(amzDate, scope, cr)
		if i == 0 {
			firstCR, firstSTS = cr, sts
		}
		if sigEqual(signature(key, sts), sig) {
			matched = true
			break
		}
	}
	if !matched {
		return nil, errSignature(cred.accessKey, firstSTS, sig, firstCR)
	}
	res := &Result{
		AccessKey:   cred.accessKey,
		Region:      cred.region,
		Service:     cred.service,
		Presigned:   true,
		PayloadMode: payload,
	}
	if !computed {
		if err := v.wrapBody(r, res, key, amzDate, scope, sig); err != nil {
			return nil, err
		}
	}
	return res, nil
}
