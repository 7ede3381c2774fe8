package s3api

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/objstore"
)

// Wire forms of PutBucketLifecycleConfiguration, RestoreObject and the
// Intelligent-Tiering configuration; the engine validates the rules.

type lcTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type lcAnd struct {
	Prefix *string `xml:"Prefix"`
	Tags   []lcTag `xml:"Tag"`
	GT     *int64  `xml:"ObjectSizeGreaterThan"`
	LT     *int64  `xml:"ObjectSizeLessThan"`
}

type lcFilter struct {
	Prefix *string `xml:"Prefix,omitempty"`
	Tag    *lcTag  `xml:"Tag,omitempty"`
	GT     *int64  `xml:"ObjectSizeGreaterThan,omitempty"`
	LT     *int64  `xml:"ObjectSizeLessThan,omitempty"`
	And    *lcAnd  `xml:"And,omitempty"`
}

type lcExpiration struct {
	Date *string `xml:"Date,omitempty"`
	Days *int    `xml:"Days,omitempty"`
	EODM *bool   `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

type lcTransition struct {
	Date         *string `xml:"Date,omitempty"`
	Days         *int    `xml:"Days,omitempty"`
	StorageClass string  `xml:"StorageClass"`
}

type lcNCTransition struct {
	NoncurrentDays int    `xml:"NoncurrentDays"`
	StorageClass   string `xml:"StorageClass"`
	Newer          *int   `xml:"NewerNoncurrentVersions,omitempty"`
}

type lcNCExpiration struct {
	NoncurrentDays int  `xml:"NoncurrentDays"`
	Newer          *int `xml:"NewerNoncurrentVersions,omitempty"`
}

type lcAbort struct {
	DaysAfterInitiation int `xml:"DaysAfterInitiation"`
}

type lcRule struct {
	ID                    string           `xml:"ID,omitempty"`
	Filter                *lcFilter        `xml:"Filter,omitempty"`
	Prefix                *string          `xml:"Prefix,omitempty"`
	Status                string           `xml:"Status"`
	Transitions           []lcTransition   `xml:"Transition,omitempty"`
	NoncurrentTransitions []lcNCTransition `xml:"NoncurrentVersionTransition,omitempty"`
	Expiration            *lcExpiration    `xml:"Expiration,omitempty"`
	NoncurrentExpiration  *lcNCExpiration  `xml:"NoncurrentVersionExpiration,omitempty"`
	Abort                 *lcAbort         `xml:"AbortIncompleteMultipartUpload,omitempty"`
}

type lifecycleConfiguration struct {
	XMLName xml.Name `xml:"LifecycleConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []lcRule `xml:"Rule"`
}

func malformed() error { return awserr.New("MalformedXML") }

func parseLCDate(s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(*s)); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, awserr.New("InvalidArgument", "Invalid date or time: %s", *s)
}

func toFilter(f *lcFilter) (*objstore.LifecycleFilter, error) {
	out := &objstore.LifecycleFilter{}
	n := 0
	if f.Prefix != nil {
		n++
		out.Prefix = *f.Prefix
	}
	if f.Tag != nil {
		n++
		out.Tags = []objstore.Tag{{Key: f.Tag.Key, Value: f.Tag.Value}}
	}
	if f.GT != nil {
		n++
		out.SizeGreaterThan = f.GT
	}
	if f.LT != nil {
		n++
		out.SizeLessThan = f.LT
	}
	if a := f.And; a != nil {
		n++
		if a.Prefix != nil {
			out.Prefix = *a.Prefix
		}
		for _, t := range a.Tags {
			out.Tags = append(out.Tags, objstore.Tag{Key: t.Key, Value: t.Value})
		}
		out.SizeGreaterThan, out.SizeLessThan = a.GT, a.LT
	}
	if n > 1 {
		return nil, malformed() // Filter holds one of Prefix, Tag, sizes, And
	}
	return out, nil
}

func toLifecycle(c *lifecycleConfiguration) (*objstore.LifecycleConfig, error) {
	out := &objstore.LifecycleConfig{}
	for _, r := range c.Rules {
		rule := objstore.LifecycleRule{ID: r.ID, Status: r.Status, Prefix: r.Prefix}
		if r.Filter != nil {
			f, err := toFilter(r.Filter)
			if err != nil {
				return nil, err
			}
			rule.Filter = f
		}
		if e := r.Expiration; e != nil {
			d, err := parseLCDate(e.Date)
			if err != nil {
				return nil, err
			}
			rule.Expiration = &objstore.LifecycleExpiration{Days: e.Days, Date: d, ExpiredObjectDeleteMarker: e.EODM}
		}
		for _, t := range r.Transitions {
			d, err := parseLCDate(t.Date)
			if err != nil {
				return nil, err
			}
			rule.Transitions = append(rule.Transitions, objstore.LifecycleTransition{Days: t.Days, Date: d, StorageClass: t.StorageClass})
		}
		for _, t := range r.NoncurrentTransitions {
			nt := objstore.NoncurrentTransition{NoncurrentDays: t.NoncurrentDays, StorageClass: t.StorageClass}
			if t.Newer != nil {
				if *t.Newer < 1 {
					return nil, awserr.New("InvalidArgument", "'NewerNoncurrentVersions' must be between 1 and 100")
				}
				nt.NewerNoncurrentVersions = *t.Newer
			}
			rule.NoncurrentTransitions = append(rule.NoncurrentTransitions, nt)
		}
		if e := r.NoncurrentExpiration; e != nil {
			ne := &objstore.NoncurrentExpiration{NoncurrentDays: e.NoncurrentDays}
			if e.Newer != nil {
				if *e.Newer < 1 {
					return nil, awserr.New("InvalidArgument", "'NewerNoncurrentVersions' must be between 1 and 100")
				}
				ne.NewerNoncurrentVersions = *e.Newer
			}
			rule.NoncurrentExpiration = ne
		}
		if r.Abort != nil {
			rule.AbortIncomplete = &objstore.AbortIncompleteUploads{DaysAfterInitiation: r.Abort.DaysAfterInitiation}
		}
		out.Rules = append(out.Rules, rule)
	}
	return out, nil
}

func lcDate(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}

func fromFilter(f *objstore.LifecycleFilter) *lcFilter {
	n := 0
	if f.Prefix != "" {
		n++
	}
	n += len(f.Tags)
	if f.SizeGreaterThan != nil {
		n++
	}
	if f.SizeLessThan != nil {
		n++
	}
	switch {
	case n > 1:
		a := &lcAnd{GT: f.SizeGreaterThan, LT: f.SizeLessThan}
		if f.Prefix != "" {
			a.Prefix = &f.Prefix
		}
		for _, t := range f.Tags {
			a.Tags = append(a.Tags, lcTag{t.Key, t.Value})
		}
		return &lcFilter{And: a}
	case len(f.Tags) == 1:
		return &lcFilter{Tag: &lcTag{f.Tags[0].Key, f.Tags[0].Value}}
	case f.SizeGreaterThan != nil || f.SizeLessThan != nil:
		return &lcFilter{GT: f.SizeGreaterThan, LT: f.SizeLessThan}
	}
	p := f.Prefix
	return &lcFilter{Prefix: &p}
}

func fromLifecycle(c *objstore.LifecycleConfig) *lifecycleConfiguration {
	out := &lifecycleConfiguration{Xmlns: s3ns}
	for _, r := range c.Rules {
		x := lcRule{ID: r.ID, Status: r.Status, Prefix: r.Prefix}
		if r.Filter != nil {
			x.Filter = fromFilter(r.Filter)
		}
		if e := r.Expiration; e != nil {
			x.Expiration = &lcExpiration{Days: e.Days, Date: lcDate(e.Date), EODM: e.ExpiredObjectDeleteMarker}
		}
		for _, t := range r.Transitions {
			x.Transitions = append(x.Transitions, lcTransition{Days: t.Days, Date: lcDate(t.Date), StorageClass: t.StorageClass})
		}
		for _, t := range r.NoncurrentTransitions {
			nt := lcNCTransition{NoncurrentDays: t.NoncurrentDays, StorageClass: t.StorageClass}
			if t.NewerNoncurrentVersions > 0 {
				n := t.NewerNoncurrentVersions
				nt.Newer = &n
			}
			x.NoncurrentTransitions = append(x.NoncurrentTransitions, nt)
		}
		if e := r.NoncurrentExpiration; e != nil {
			x.NoncurrentExpiration = &lcNCExpiration{NoncurrentDays: e.NoncurrentDays}
			if e.NewerNoncurrentVersions > 0 {
				n := e.NewerNoncurrentVersions
				x.NoncurrentExpiration.Newer = &n
			}
		}
		if r.AbortIncomplete != nil {
			x.Abort = &lcAbort{r.AbortIncomplete.DaysAfterInitiation}
		}
		out.Rules = append(out.Rules, x)
	}
	return out
}

const minSizeHeader = "x-amz-transition-default-minimum-object-size"

func (h *Handler) putBucketLifecycle(q *request) error {
	if _, err := h.authorize(q, "s3:PutLifecycleConfiguration"); err != nil {
		return err
	}
	var x lifecycleConfiguration
	if err := readXML(q, &x); err != nil {
		return err
	}
	c, err := toLifecycle(&x)
	if err != nil {
		return err
	}
	c.TransitionMinSize = q.r.Header.Get(minSizeHeader)
	if err := h.store.PutBucketLifecycle(q.r.Context(), q.bucket, c); err != nil {
		return err
	}
	q.w.Header().Set(minSizeHeader, c.TransitionMinSize)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getBucketLifecycle(q *request) error {
	if _, err := h.authorize(q, "s3:GetLifecycleConfiguration"); err != nil {
		return err
	}
	c, err := h.store.GetBucketLifecycle(q.r.Context(), q.bucket)
	if err != nil {
		return err
	}
	q.w.Header().Set(minSizeHeader, c.TransitionMinSize)
	return writeXML(q, fromLifecycle(c))
}

func (h *Handler) deleteBucketLifecycle(q *request) error {
	if _, err := h.authorize(q, "s3:PutLifecycleConfiguration"); err != nil {
		return err
	}
	if err := h.store.DeleteBucketLifecycle(q.r.Context(), q.bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// expirationHeader sets x-amz-expiration when a lifecycle rule expires o.
func (h *Handler) expirationHeader(w http.ResponseWriter, o *objstore.Object) {
	if at, id := h.store.ExpirationOf(o); !at.IsZero() {
		w.Header().Set("x-amz-expiration", `expiry-date="`+at.UTC().Format(http.TimeFormat)+`", rule-id="`+id+`"`)
	}
}

type restoreRequest struct {
	XMLName xml.Name `xml:"RestoreRequest"`
	Days    *int     `xml:"Days"`
	Type    string   `xml:"Type"`
	Tier    string   `xml:"Tier"`
	Glacier *struct {
		Tier string `xml:"Tier"`
	} `xml:"GlacierJobParameters"`
}

func (h *Handler) restoreObject(q *request) error {
	if _, err := h.authorize(q, "s3:RestoreObject"); err != nil {
		return err
	}
	vid, err := versionID(q)
	if err != nil {
		return err
	}
	var x restoreRequest
	if err := readXML(q, &x); err != nil {
		return err
	}
	if x.Type != "" {
		return awserr.New("NotImplemented", "S3 Select restores are not supported.").WithStatus(http.StatusNotImplemented)
	}
	if x.Days == nil {
		return awserr.New("MalformedXML")
	}
	tier := x.Tier
	if x.Glacier != nil {
		tier = x.Glacier.Tier
	}
	started, err := h.store.RestoreObject(q.r.Context(), &objstore.RestoreInput{Bucket: q.bucket, Key: q.key, VersionID: vid, Days: *x.Days, Tier: tier})
	if err != nil {
		return err
	}
	if started {
		q.w.WriteHeader(http.StatusAccepted)
	} else {
		q.w.WriteHeader(http.StatusOK)
	}
	return nil
}

type itFilter struct {
	Prefix *string `xml:"Prefix,omitempty"`
	Tag    *lcTag  `xml:"Tag,omitempty"`
	And    *lcAnd  `xml:"And,omitempty"`
}

type itTiering struct {
	Days       int    `xml:"Days"`
	AccessTier string `xml:"AccessTier"`
}

type itConfiguration struct {
	XMLName  xml.Name    `xml:"IntelligentTieringConfiguration"`
	Xmlns    string      `xml:"xmlns,attr,omitempty"`
	ID       string      `xml:"Id"`
	Filter   *itFilter   `xml:"Filter,omitempty"`
	Status   string      `xml:"Status"`
	Tierings []itTiering `xml:"Tiering"`
}

type itList struct {
	XMLName     xml.Name          `xml:"ListBucketIntelligentTieringConfigurationsOutput"`
	Xmlns       string            `xml:"xmlns,attr"`
	IsTruncated bool              `xml:"IsTruncated"`
	Configs     []itConfiguration `xml:"IntelligentTieringConfiguration"`
}

func toITiering(x *itConfiguration) (*objstore.ITieringConfig, error) {
	c := &objstore.ITieringConfig{ID: x.ID, Status: x.Status}
	if f := x.Filter; f != nil {
		lf, err := toFilter(&lcFilter{Prefix: f.Prefix, Tag: f.Tag, And: f.And})
		if err != nil {
			return nil, err
		}
		if lf.SizeGreaterThan != nil || lf.SizeLessThan != nil {
			return nil, malformed()
		}
		c.Filter = *lf
	}
	for _, t := range x.Tierings {
		c.Tierings = append(c.Tierings, objstore.ITiering{AccessTier: t.AccessTier, Days: t.Days})
	}
	return c, nil
}

func fromITiering(c *objstore.ITieringConfig) itConfiguration {
	x := itConfiguration{ID: c.ID, Status: c.Status}
	if c.Filter.Prefix != "" || len(c.Filter.Tags) > 0 {
		f := fromFilter(&c.Filter)
		x.Filter = &itFilter{Prefix: f.Prefix, Tag: f.Tag, And: f.And}
	}
	for _, t := range c.Tierings {
		x.Tierings = append(x.Tierings, itTiering{Days: t.Days, AccessTier: t.AccessTier})
	}
	return x
}

func (h *Handler) intelligentTiering(q *request) error {
	id := q.q.Get("id")
	switch q.r.Method {
	case http.MethodPut:
		if _, err := h.authorize(q, "s3:PutIntelligentTieringConfiguration"); err != nil {
			return err
		}
		var x itConfiguration
		if err := readXML(q, &x); err != nil {
			return err
		}
		if id == "" || x.ID != id {
			return awserr.New("InvalidArgument", "The Id in the configuration must match the id query parameter")
		}
		c, err := toITiering(&x)
		if err != nil {
			return err
		}
		if err := h.store.PutBucketITiering(q.r.Context(), q.bucket, c); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusNoContent)
		return nil
	case http.MethodGet:
		if _, err := h.authorize(q, "s3:GetIntelligentTieringConfiguration"); err != nil {
			return err
		}
		if id == "" {
			list, err := h.store.ListBucketITiering(q.r.Context(), q.bucket)
			if err != nil {
				return err
			}
			out := itList{Xmlns: s3ns}
			for i := range list {
				out.Configs = append(out.Configs, fromITiering(&list[i]))
			}
			return writeXML(q, out)
		}
		c, err := h.store.GetBucketITiering(q.r.Context(), q.bucket, id)
		if err != nil {
			return err
		}
		x := fromITiering(c)
		x.Xmlns = s3ns
		return writeXML(q, x)
	case http.MethodDelete:
		if _, err := h.authorize(q, "s3:PutIntelligentTieringConfiguration"); err != nil {
			return err
		}
		if err := h.store.DeleteBucketITiering(q.r.Context(), q.bucket, id); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return awserr.New("MethodNotAllowed")
}
