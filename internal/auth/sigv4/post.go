package sigv4

import (
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
)

// VerifyPOSTPolicy authenticates an S3 browser-based upload (POST Object).
// form holds the form fields (names are matched case-insensitively):
// x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature and policy.
// The signature is hex(HMAC(signing key, base64 policy)). A form without
// x-amz-signature and policy is anonymous. Evaluating the policy document
// itself (expiration, conditions) is the caller's job.
func (v *Verifier) VerifyPOSTPolicy(form map[string]string) (*Result, error) {
	f := make(map[string]string, len(form))
	for k, val := range form {
		f[strings.ToLower(k)] = val
	}
	if _, ok := f["awsaccesskeyid"]; ok {
		if _, v4 := f["x-amz-credential"]; !v4 {
			return nil, errSigV2()
		}
	}
	_, hasSig := f["x-amz-signature"]
	_, hasPolicy := f["policy"]
	if !hasSig && !hasPolicy {
		if _, ok := f["x-amz-credential"]; !ok {
			return &Result{Anonymous: true}, nil
		}
	}
	for _, k := range []string{"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature", "policy"} {
		if f[k] == "" {
			return nil, awserr.New("InvalidArgument", "Bucket POST must contain a field named '%s'.  If it is specified, please check the order of the fields.", k).
				With("ArgumentName", k).With("ArgumentValue", "")
		}
	}
	if f["x-amz-algorithm"] != algorithm {
		return nil, awserr.New("InvalidArgument", "Unsupported x-amz-algorithm: %s", f["x-amz-algorithm"]).
			With("ArgumentName", "x-amz-algorithm").With("ArgumentValue", f["x-amz-algorithm"])
	}
	cred, reason := parseCredential(f["x-amz-credential"])
	if reason != "" {
		return nil, awserr.New("InvalidArgument", "Invalid x-amz-credential: %s", reason).
			With("ArgumentName", "x-amz-credential").With("ArgumentValue", f["x-amz-credential"])
	}
	t, err := time.Parse(timeFormat, f["x-amz-date"])
	if err != nil {
		return nil, awserr.New("InvalidArgument", "x-amz-date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"").
			With("ArgumentName", "x-amz-date").With("ArgumentValue", f["x-amz-date"])
	}
	if cred.date != t.Format(dateFormat) {
		return nil, awserr.New("InvalidArgument", "Invalid credential date. Date is not the same as x-amz-date.").
			With("ArgumentName", "x-amz-credential").With("ArgumentValue", f["x-amz-credential"])
	}
	if v.Region != "" && cred.region != v.Region {
		return nil, awserr.New("InvalidArgument", "the region '%s' is wrong; expecting '%s'", cred.region, v.Region).
			With("ArgumentName", "x-amz-credential").With("ArgumentValue", f["x-amz-credential"])
	}
	secret, ok := v.Creds.Lookup(cred.accessKey)
	if !ok {
		return nil, errUnknownKey(cred.accessKey)
	}
	policy := f["policy"]
	key := v.keys.get(secret, cred)
	if !sigEqual(signature(key, policy), f["x-amz-signature"]) {
		return nil, errSignature(cred.accessKey, policy, f["x-amz-signature"], "")
	}
	return &Result{
		AccessKey:   cred.accessKey,
		Region:      cred.region,
		Service:     cred.service,
		PayloadMode: UnsignedPayload,
	}, nil
}
