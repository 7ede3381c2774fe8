package s3api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/objstore"
)

// preflight answers a browser's CORS preflight (OPTIONS) from the bucket's
// CORS rules. It needs no authentication.
func (h *Handler) preflight(q *request) error {
	q.info.Operation = "PreflightRequest"
	origin := q.r.Header.Get("Origin")
	method := q.r.Header.Get("Access-Control-Request-Method")
	if origin == "" {
		return awserr.New("BadRequest", "Insufficient information. Origin request header needed.").WithStatus(http.StatusBadRequest)
	}
	if method == "" {
		return awserr.New("BadRequest", "Invalid Access-Control-Request-Method: null").WithStatus(http.StatusBadRequest)
	}
	b, err := h.store.Bucket(q.r.Context(), q.bucket)
	if err != nil {
		return err
	}
	if !b.HasCORS {
		return awserr.New("CORSForbidden", "CORSResponse: CORS is not enabled for this bucket.").WithStatus(http.StatusForbidden)
	}
	var headers []string
	if v := q.r.Header.Get("Access-Control-Request-Headers"); v != "" {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				headers = append(headers, x)
			}
		}
	}
	rule := objstore.MatchCORS(b.CORS, origin, method, headers)
	if rule == nil {
		return awserr.New("CORSForbidden")
	}
	hd := q.w.Header()
	setAllowOrigin(hd, rule, origin)
	hd.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(headers) > 0 {
		hd.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	if len(rule.ExposeHeaders) > 0 {
		hd.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		hd.Set("Access-Control-Max-Age", strconv.Itoa(*rule.MaxAgeSeconds))
	}
	hd.Add("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func setAllowOrigin(hd http.Header, rule *objstore.CORSRule, origin string) {
	for _, o := range rule.AllowedOrigins {
		if o == "*" {
			hd.Set("Access-Control-Allow-Origin", "*")
			return
		}
	}
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Allow-Credentials", "true")
}

// corsHeaders adds CORS response headers to an actual (non-preflight)
// request from a browser, when the bucket's rules allow it.
func (h *Handler) corsHeaders(q *request) {
	origin := q.r.Header.Get("Origin")
	if origin == "" || q.bucket == "" || q.r.Method == http.MethodOptions {
		return
	}
	b, err := h.store.Bucket(q.r.Context(), q.bucket)
	if err != nil || !b.HasCORS {
		return
	}
	rule := objstore.MatchCORS(b.CORS, origin, q.r.Method, nil)
	if rule == nil {
		return
	}
	hd := q.w.Header()
	if hd.Get("Access-Control-Allow-Origin") != "" {
		return
	}
	setAllowOrigin(hd, rule, origin)
	hd.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(rule.ExposeHeaders) > 0 {
		hd.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		hd.Set("Access-Control-Max-Age", strconv.Itoa(*rule.MaxAgeSeconds))
	}
	hd.Add("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
}
