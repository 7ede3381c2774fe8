package s3api

import (
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/auth/postpolicy"
	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/objstore"
)

// Limits on the non-file part of a POST form.
const (
	maxFormField = 64 << 10
	maxFormTotal = 1 << 20
)

type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// postObject serves a browser upload: a multipart/form-data POST to the
// bucket, authenticated by a signed policy document in the form.
func (h *Handler) postObject(q *request) error {
	q.info.Operation = "PostObject"
	_, params, err := mime.ParseMediaType(q.r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return awserr.New("MalformedPOSTRequest")
	}
	mr := multipart.NewReader(q.r.Body, params["boundary"])
	form := map[string]string{}
	total := 0
	var file *multipart.Part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return awserr.New("MalformedPOSTRequest")
		}
		name := p.FormName()
		if strings.EqualFold(name, "file") {
			file = p
			break
		}
		v, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
		if err != nil || len(v) > maxFormField {
			return awserr.New("MaxMessageLengthExceeded", "Your POST request fields preceding the upload file were too large.")
		}
		total += len(v)
		if total > maxFormTotal {
			return awserr.New("MaxMessageLengthExceeded", "Your POST request fields preceding the upload file were too large.")
		}
		form[name] = string(v)
	}
	if file == nil {
		return awserr.New("InvalidArgument", "POST requires exactly one file upload per request.").
			With("ArgumentName", "file").With("ArgumentValue", "0")
	}
	get := func(name string) string {
		for k, v := range form {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		return ""
	}
	key := get("key")
	if key == "" {
		return awserr.New("InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.").
			With("ArgumentName", "key").With("ArgumentValue", "")
	}
	key = strings.ReplaceAll(key, "${filename}", file.FileName())
	res, err := h.verifier.VerifyPOSTPolicy(form)
	if err != nil {
		return err
	}
	principal := iam.Anonymous
	var policy *postpolicy.Policy
	if !res.Anonymous {
		p, ok := h.accounts.Principal(res.AccessKey)
		if !ok {
			return awserr.New("InvalidAccessKeyId")
		}
		principal = p
		policy, err = postpolicy.Parse(get("policy"))
		if err != nil {
			return policyErr(err)
		}
		checkForm := map[string]string{}
		for k, v := range form {
			checkForm[k] = v
		}
		for k := range checkForm {
			if strings.EqualFold(k, "key") {
				checkForm[k] = key
			}
		}
		if err := policy.Check(checkForm, q.bucket, time.Now()); err != nil {
			return policyErr(err)
		}
	}
	q.info.Principal = principal
	q.key = key
	if _, err := h.authorize(q, "s3:PutObject"); err != nil {
		return err
	}
	q.info.Operation = "PostObject"
	in := &objstore.PutInput{Bucket: q.bucket, Key: key, Size: -1, Owner: principal.Account.ID,
		Headers: objstore.Headers{ContentType: get("Content-Type"), ContentEncoding: get("Content-Encoding"),
			ContentDisposition: get("Content-Disposition"), CacheControl: get("Cache-Control"), Expires: get("Expires")},
		StorageClass: get("x-amz-storage-class")}
	for k, v := range form {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, metaPrefix) && len(lk) > len(metaPrefix) {
			if in.UserMeta == nil {
				in.UserMeta = map[string]string{}
			}
			in.UserMeta[lk[len(metaPrefix):]] = v
		}
	}
	if t := get("tagging"); t != "" {
		var tg tagging
		if err := xml.Unmarshal([]byte(t), &tg); err != nil {
			return awserr.New("MalformedXML")
		}
		for _, x := range tg.TagSet {
			in.Tags = append(in.Tags, objstore.Tag{Key: x.Key, Value: x.Value})
		}
	}
	in.Body = &lengthRange{r: file, policy: policy}
	o, err := h.store.PutObject(q.r.Context(), in)
	if err != nil {
		var pe *postpolicy.PolicyError
		if errors.As(err, &pe) {
			return policyErr(pe)
		}
		return err
	}
	location := "/" + q.bucket + "/" + url.PathEscape(key)
	etag := `"` + o.ETag + `"`
	q.w.Header().Set("ETag", etag)
	q.w.Header().Set("Location", location)
	if redirect := get("success_action_redirect"); redirect != "" {
		if u, err := url.Parse(redirect); err == nil && u.Scheme != "" {
			v := u.Query()
			v.Set("bucket", q.bucket)
			v.Set("key", key)
			v.Set("etag", etag)
			u.RawQuery = v.Encode()
			q.w.Header().Set("Location", u.String())
			q.w.WriteHeader(http.StatusSeeOther)
			return nil
		}
	}
	switch get("success_action_status") {
	case "200":
		q.w.WriteHeader(http.StatusOK)
	case "201":
		scheme := "http"
		if q.r.TLS != nil {
			scheme = "https"
		}
		q.w.WriteHeader(http.StatusCreated)
		b, _ := xml.Marshal(postResponse{Location: scheme + "://" + q.r.Host + location, Bucket: q.bucket, Key: key, ETag: etag})
		q.w.Write([]byte(xml.Header))
		q.w.Write(b)
	default:
		q.w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

func policyErr(err error) error {
	var pe *postpolicy.PolicyError
	if errors.As(err, &pe) {
		return awserr.New(pe.Code, "%s", pe.Message).WithStatus(pe.HTTPStatus())
	}
	return awserr.New("InvalidPolicyDocument", "%s", err.Error())
}

// lengthRange enforces a policy's content-length-range while streaming:
// the upload fails before its commit if the file is too large or small.
type lengthRange struct {
	r      io.Reader
	policy *postpolicy.Policy
	n      int64
}

func (l *lengthRange) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.policy != nil && l.policy.HasLengthRange {
		if l.n > l.policy.ContentLengthMax {
			return n, l.policy.CheckLength(l.n)
		}
		if err == io.EOF {
			if cerr := l.policy.CheckLength(l.n); cerr != nil {
				return n, cerr
			}
		}
	}
	return n, err
}
