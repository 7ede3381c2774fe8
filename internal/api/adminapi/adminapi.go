// Package adminapi is tarn's own administration API under /_tarn/admin/:
// accounts and access keys. Requests are SigV4-signed (any service name)
// with the root credentials; replies and errors are JSON.
//
//	POST   /_tarn/admin/accounts              {"name","access_key","secret_key"} → account + key pair
//	GET    /_tarn/admin/accounts              → {"accounts":[...]}
//	POST   /_tarn/admin/accounts/{id}/keys    {"access_key","secret_key"} → key pair
//	DELETE /_tarn/admin/keys/{access key}
package adminapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/auth/sigv4"
	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
	"github.com/tarnhq/tarn/internal/errs"
)

// Prefix is where the admin API is mounted.
const Prefix = "/_tarn/admin/"

// Handler serves the admin API.
type Handler struct {
	iam      *iam.Store
	verifier *sigv4.Verifier
}

// New returns the admin API handler.
func New(store *iam.Store, verifier *sigv4.Verifier) *Handler {
	return &Handler{iam: store, verifier: verifier}
}

// AccountReply is the reply to account creation and listing.
type AccountReply struct {
	Account   iam.Account `json:"account"`
	AccessKey string      `json:"access_key,omitempty"`
	SecretKey string      `json:"secret_key,omitempty"`
}

// KeyRequest is the body of account and key creation.
type KeyRequest struct {
	Name      string `json:"name,omitempty"`
	AccessKey string `json:"access_key,omitempty"`
	SecretKey string `json:"secret_key,omitempty"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := reqctx.From(r.Context())
	info.Service = "admin"
	if err := h.serve(w, r, info); err != nil {
		e, ok := awserr.As(err)
		if !ok {
			e = mapErr(err)
		}
		info.Error = e.Code
		awserr.WriteJSON(w, e, "application/json", info.ID)
	}
}

func mapErr(err error) *awserr.Error {
	var ee *errs.Error
	msg := "internal error"
	if errors.As(err, &ee) && ee.Msg != "" {
		msg = ee.Msg
	}
	switch errs.KindOf(err) {
	case errs.NotExist:
		return awserr.New("ResourceNotFoundException", "%s", msg).WithStatus(http.StatusNotFound)
	case errs.Exist:
		return awserr.New("ResourceInUseException", "%s", msg).WithStatus(http.StatusConflict)
	case errs.Invalid:
		return awserr.New("ValidationException", "%s", msg)
	}
	return awserr.New("InternalFailure")
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, info *reqctx.Info) error {
	res, err := h.verifier.Verify(r)
	if err != nil {
		return sigv4.JSONProtocolError(err)
	}
	if res.Anonymous {
		return awserr.New("MissingAuthenticationTokenException").WithStatus(http.StatusForbidden)
	}
	p, ok := h.iam.Principal(res.AccessKey)
	if !ok || !p.Root {
		return awserr.New("AccessDeniedException", "Only the root credentials may use the admin API.").WithStatus(http.StatusForbidden)
	}
	info.Principal = p
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	parts := strings.Split(strings.Trim(path, "/"), "/")
	ctx := r.Context()
	switch {
	case path == "accounts" && r.Method == http.MethodGet:
		info.Operation = "ListAccounts"
		var out struct {
			Accounts []iam.Account `json:"accounts"`
		}
		out.Accounts = h.iam.Accounts()
		return reply(w, http.StatusOK, out)
	case path == "accounts" && r.Method == http.MethodPost:
		info.Operation = "CreateAccount"
		var req KeyRequest
		if err := readJSON(r, &req); err != nil {
			return err
		}
		a, ak, sk, err := h.iam.CreateAccount(ctx, req.Name, req.AccessKey, req.SecretKey)
		if err != nil {
			return err
		}
		return reply(w, http.StatusCreated, AccountReply{Account: a, AccessKey: ak, SecretKey: sk})
	case len(parts) == 3 && parts[0] == "accounts" && parts[2] == "keys" && r.Method == http.MethodPost:
		info.Operation = "CreateAccessKey"
		var req KeyRequest
		if err := readJSON(r, &req); err != nil {
			return err
		}
		ak, sk, err := h.iam.CreateAccessKey(ctx, parts[1], req.AccessKey, req.SecretKey)
		if err != nil {
			return err
		}
		a, _ := h.iam.Account(parts[1])
		return reply(w, http.StatusCreated, AccountReply{Account: a, AccessKey: ak, SecretKey: sk})
	case len(parts) == 2 && parts[0] == "keys" && r.Method == http.MethodDelete:
		info.Operation = "DeleteAccessKey"
		if err := h.iam.DeleteAccessKey(ctx, parts[1]); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return awserr.New("UnknownOperationException", "No admin operation %s %s.", r.Method, r.URL.Path).WithStatus(http.StatusNotFound)
}

func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		if e, ok := awserr.As(err); ok {
			return e
		}
		return awserr.New("SerializationException", "cannot read body")
	}
	if len(b) == 0 {
		b = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return awserr.New("SerializationException", "%s", err.Error())
	}
	return nil
}

func reply(w http.ResponseWriter, status int, v any) error {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	return nil
}
