package server

import (
	"net/http"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
)

// rootAccountOnly serves h only to principals of the root account: for
// services whose resources all live in that one account today (Kinesis),
// other accounts get AccessDeniedException rather than another tenant's
// data.
func rootAccountOnly(service string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := reqctx.From(r.Context())
		p := info.Principal
		if p == nil || p.Anonymous || (!p.Root && p.Account.ID != iam.RootAccountID) {
			info.Service = service
			e := awserr.New("AccessDeniedException", "User: arn:aws:iam::%s:root is not authorized to use %s on this server: its resources belong to account %s.",
				accountOf(p), service, iam.RootAccountID)
			info.Error = e.Code
			awserr.WriteJSON(w, e, r.Header.Get("Content-Type"), info.ID)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func accountOf(p *iam.Principal) string {
	if p == nil {
		return "anonymous"
	}
	return p.Account.ID
}
