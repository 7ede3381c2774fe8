package s3api

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"strings"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/objstore"
	"github.com/tarnhq/tarn/internal/sse"
)

const (
	hdrSSE          = "x-amz-server-side-encryption"
	hdrSSEKMSKey    = "x-amz-server-side-encryption-aws-kms-key-id"
	hdrSSEContext   = "x-amz-server-side-encryption-context"
	hdrSSEBucketKey = "x-amz-server-side-encryption-bucket-key-enabled"
	hdrSSECAlg      = "x-amz-server-side-encryption-customer-algorithm"
	hdrSSECKey      = "x-amz-server-side-encryption-customer-key"
	hdrSSECKeyMD5   = "x-amz-server-side-encryption-customer-key-md5"
	copySrcPrefix   = "x-amz-copy-source-"
)

// customerKey reads SSE-C headers (or, with the copy-source prefix, the
// copy source's). It returns nil when none are present.
func (h *Handler) customerKey(q *request, prefix string) (*sse.CustomerKey, error) {
	hd := q.r.Header
	name := func(h string) string {
		if prefix == "" {
			return h
		}
		return prefix + strings.TrimPrefix(h, "x-amz-") // x-amz-copy-source-server-side-encryption-…
	}
	alg, key, md5 := hd.Get(name(hdrSSECAlg)), hd.Get(name(hdrSSECKey)), hd.Get(name(hdrSSECKeyMD5))
	if alg == "" && key == "" && md5 == "" {
		return nil, nil
	}
	if alg == "" || key == "" {
		return nil, awserr.New("InvalidArgument", "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.")
	}
	if !h.secureEnough(q) {
		return nil, awserr.New("InvalidRequest", "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.")
	}
	ck, err := sse.ParseCustomerKey(alg, key, md5)
	if err != nil {
		if sse.IsKeyMD5Mismatch(err) {
			return nil, awserr.New("InvalidArgument", "The calculated MD5 hash of the key did not match the hash that was provided.")
		}
		return nil, awserr.New("InvalidArgument", "%s", err.Error())
	}
	return ck, nil
}

// secureEnough: SSE-C needs TLS, except from loopback clients unless the
// server is told to refuse those too.
func (h *Handler) secureEnough(q *request) bool {
	if q.r.TLS != nil {
		return true
	}
	if h.opts.SSECOverHTTPLoopback {
		host, _, err := net.SplitHostPort(q.r.RemoteAddr)
		if err == nil {
			if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
				return true
			}
		}
	}
	return false
}

// sseRequest reads the encryption a write asks for; nil means the bucket
// default applies.
func (h *Handler) sseRequest(q *request) (*objstore.SSERequest, error) {
	hd := q.r.Header
	ck, err := h.customerKey(q, "")
	if err != nil {
		return nil, err
	}
	mode := hd.Get(hdrSSE)
	if ck != nil {
		if mode != "" {
			return nil, awserr.New("InvalidArgument", "Server Side Encryption with Customer provided key is incompatible with the encryption method specified")
		}
		return &objstore.SSERequest{Mode: objstore.SSEC, Customer: ck}, nil
	}
	kmsKey, ctxHdr, bk := hd.Get(hdrSSEKMSKey), hd.Get(hdrSSEContext), hd.Get(hdrSSEBucketKey)
	switch mode {
	case "":
		if kmsKey != "" || ctxHdr != "" {
			return nil, awserr.New("InvalidArgument", "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
		}
		return nil, nil
	case objstore.SSES3:
		if kmsKey != "" || ctxHdr != "" {
			return nil, awserr.New("InvalidArgument", "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
		}
		return &objstore.SSERequest{Mode: objstore.SSES3}, nil
	case objstore.SSEKMS:
		r := &objstore.SSERequest{Mode: objstore.SSEKMS, KMSKeyID: kmsKey, BucketKey: strings.EqualFold(bk, "true")}
		if ctxHdr != "" {
			raw, err := base64.StdEncoding.DecodeString(ctxHdr)
			if err == nil {
				err = json.Unmarshal(raw, &r.Context)
			}
			if err != nil {
				return nil, awserr.New("InvalidArgument", "The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map")
			}
		}
		return r, nil
	case "aws:kms:dsse":
		return nil, awserr.New("NotImplemented", "Dual-layer server-side encryption (aws:kms:dsse) is not supported by this server.")
	}
	return nil, awserr.New("InvalidArgument", "The encryption method specified is not supported").
		With("ArgumentName", hdrSSE).With("ArgumentValue", mode)
}

// sseHeaders writes the encryption headers S3 returns for an object.
func sseHeaders(w http.ResponseWriter, e *objstore.Encryption) {
	if e == nil {
		return
	}
	hd := w.Header()
	switch e.Mode {
	case objstore.SSES3:
		hd.Set(hdrSSE, objstore.SSES3)
	case objstore.SSEKMS:
		hd.Set(hdrSSE, objstore.SSEKMS)
		hd.Set(hdrSSEKMSKey, e.KMSKeyARN)
		if len(e.Context) > 0 {
			b, _ := json.Marshal(e.Context)
			hd.Set(hdrSSEContext, base64.StdEncoding.EncodeToString(b))
		}
		if e.BucketKey {
			hd.Set(hdrSSEBucketKey, "true")
		}
	case objstore.SSEC:
		hd.Set(hdrSSECAlg, "AES256")
		hd.Set(hdrSSECKeyMD5, e.CustomerMD5)
	}
}

type sseConfiguration struct {
	XMLName xml.Name  `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string    `xml:"xmlns,attr,omitempty"`
	Rules   []sseRule `xml:"Rule"`
}

type sseRule struct {
	Default *struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	} `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled *bool `xml:"BucketKeyEnabled"`
}

func (h *Handler) putBucketEncryption(q *request) error {
	if _, err := h.authorize(q, "s3:PutEncryptionConfiguration"); err != nil {
		return err
	}
	q.info.Operation = "PutBucketEncryption"
	var c sseConfiguration
	if err := readXML(q, &c); err != nil {
		return err
	}
	if len(c.Rules) != 1 || c.Rules[0].Default == nil {
		return awserr.New("MalformedXML")
	}
	r := c.Rules[0]
	e := &objstore.BucketEncryption{Algorithm: r.Default.SSEAlgorithm, KMSKeyID: r.Default.KMSMasterKeyID}
	if r.BucketKeyEnabled != nil {
		e.BucketKey = *r.BucketKeyEnabled
	}
	if e.Algorithm == "aws:kms:dsse" {
		return awserr.New("NotImplemented", "Dual-layer server-side encryption (aws:kms:dsse) is not supported by this server.")
	}
	if err := h.store.SetBucketEncryption(q.r.Context(), q.bucket, e); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getBucketEncryption(q *request) error {
	b, err := h.authorize(q, "s3:GetEncryptionConfiguration")
	if err != nil {
		return err
	}
	q.info.Operation = "GetBucketEncryption"
	e := h.store.DefaultEncryption(b)
	if e == nil {
		return awserr.New("ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found").
			WithStatus(http.StatusNotFound).With("BucketName", q.bucket)
	}
	r := sseRule{BucketKeyEnabled: &e.BucketKey}
	r.Default = &struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	}{e.Algorithm, e.KMSKeyID}
	return writeXML(q, sseConfiguration{Xmlns: s3ns, Rules: []sseRule{r}})
}

func (h *Handler) deleteBucketEncryption(q *request) error {
	if _, err := h.authorize(q, "s3:PutEncryptionConfiguration"); err != nil {
		return err
	}
	q.info.Operation = "DeleteBucketEncryption"
	if err := h.store.SetBucketEncryption(q.r.Context(), q.bucket, nil); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
