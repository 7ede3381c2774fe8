package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tarnhq/tarn/internal/auth/iam"
	"github.com/tarnhq/tarn/internal/awsproto/reqctx"
	"github.com/tarnhq/tarn/internal/objstore"
	blobmem "github.com/tarnhq/tarn/internal/storage/blob/mem"
	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
)

type fakeAccounts struct{}

func (fakeAccounts) Account(id string) (iam.Account, bool) {
	return iam.Account{ID: id, Name: "root", CanonicalID: iam.CanonicalID(id)}, true
}
func (fakeAccounts) Principal(string) (*iam.Principal, bool) { return nil, false }

const nops = 14

// FuzzXMLBodies sends arbitrary bodies to every operation that parses an
// XML document. The handler must never panic or answer 5xx, and a rejected
// document must change nothing.
func FuzzXMLBodies(f *testing.F) {
	seeds := []string{
		`<Delete><Object><Key>k</Key></Object><Quiet>true</Quiet></Delete>`,
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`,
		`<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`,
		`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`,
		`<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`,
		`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`,
		`<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`,
		`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
		`<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate></Retention>`,
		`<LegalHold><Status>ON</Status></LegalHold>`,
		`<Delete><Object><Key>k</Key><VersionId>null</VersionId></Object><Object><Key>k</Key><VersionId>x</VersionId></Object></Delete>`,
		`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Tagging>&a;</Tagging>`,
		`<LifecycleConfiguration><Rule><ID>r</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>a</Key><Value>b</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition><Expiration><Days>365</Days></Expiration><NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER</StorageClass><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionTransition><NoncurrentVersionExpiration><NoncurrentDays>90</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>`,
		`<LifecycleConfiguration><Rule><Prefix></Prefix><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`,
		`<LifecycleConfiguration><Rule><Filter><Prefix/></Filter><Status>Enabled</Status><Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>`,
		`<RestoreRequest><Days>2</Days><GlacierJobParameters><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>`,
		`<RestoreRequest><Days>-1</Days></RestoreRequest>`,
		`<IntelligentTieringConfiguration><Id>a</Id><Filter><Prefix>p/</Prefix></Filter><Status>Enabled</Status><Tiering><Days>90</Days><AccessTier>ARCHIVE_ACCESS</AccessTier></Tiering></IntelligentTieringConfiguration>`,
		``, `<`, `<Delete>`, "\x00\xff",
	}
	for _, s := range seeds {
		for op := 0; op < nops; op++ {
			f.Add(op, []byte(s))
		}
	}
	ctx := context.Background()
	store, err := objstore.New(ctx, metamem.New(), blobmem.New(), objstore.Options{InlineLimit: 1024})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := store.CreateBucket(ctx, iam.RootAccountID, "fuzz-bucket", ""); err != nil {
		f.Fatal(err)
	}
	if _, err := store.PutObject(ctx, &objstore.PutInput{Bucket: "fuzz-bucket", Key: "k", Body: bytes.NewReader([]byte("v")), Size: 1}); err != nil {
		f.Fatal(err)
	}
	u, err := store.CreateUpload(ctx, &objstore.PutInput{Bucket: "fuzz-bucket", Key: "mp"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := store.PutObject(ctx, &objstore.PutInput{Bucket: "fuzz-bucket", Key: "g", Body: bytes.NewReader([]byte("v")), Size: 1, StorageClass: "GLACIER"}); err != nil {
		f.Fatal(err)
	}
	h := New(store, iam.OwnerAuthorizer{}, fakeAccounts{}, nil, Options{})
	root := &iam.Principal{Account: iam.Account{ID: iam.RootAccountID}, Root: true}
	// The lock bucket's object has a legal hold: no rejected request may
	// remove it.
	if _, err := store.CreateBucketWith(ctx, objstore.CreateBucketInput{Owner: iam.RootAccountID, Name: "fuzz-lock", ObjectLock: true}); err != nil {
		f.Fatal(err)
	}
	held, err := store.PutObject(ctx, &objstore.PutInput{Bucket: "fuzz-lock", Key: "k", Body: bytes.NewReader([]byte("v")), Size: 1,
		SignedPayload: true, Lock: &objstore.LockRequest{LegalHold: "ON"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op int, body []byte) {
		op = ((op % nops) + nops) % nops
		var method, target string
		switch op {
		case 0:
			method, target = http.MethodPost, "/fuzz-bucket?delete"
		case 1:
			method, target = http.MethodPost, "/fuzz-bucket/mp?uploadId="+u.ID
		case 2:
			method, target = http.MethodPut, "/fuzz-bucket?tagging"
		case 3:
			method, target = http.MethodPut, "/fuzz-bucket?cors"
		case 4:
			method, target = http.MethodPut, "/fuzz-new-bucket"
		case 5:
			method, target = http.MethodPut, "/fuzz-bucket/k?tagging"
		case 6:
			method, target = http.MethodPut, "/fuzz-bucket?versioning"
		case 7:
			method, target = http.MethodPut, "/fuzz-lock?object-lock"
		case 8:
			method, target = http.MethodPut, "/fuzz-lock/k?retention"
		case 9:
			method, target = http.MethodPut, "/fuzz-lock/k?legal-hold"
		case 10:
			method, target = http.MethodPost, "/fuzz-lock?delete"
		case 11:
			method, target = http.MethodPut, "/fuzz-bucket?lifecycle"
		case 12:
			method, target = http.MethodPost, "/fuzz-bucket/g?restore"
		case 13:
			method, target = http.MethodPut, "/fuzz-bucket?intelligent-tiering&id=a"
		}
		r := httptest.NewRequest(method, target, bytes.NewReader(body))
		sum := md5.Sum(body)
		r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		r = r.WithContext(reqctx.With(r.Context(), &reqctx.Info{ID: "FUZZ", Principal: root}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 && w.Code != http.StatusNotImplemented {
			t.Fatalf("op %d: status %d: %s", op, w.Code, w.Body.String())
		}
		if w.Code >= 400 {
			// Nothing changed: the object and the upload are still there.
			if _, err := store.HeadObject(ctx, &objstore.GetInput{Bucket: "fuzz-bucket", Key: "k"}); err != nil {
				t.Fatalf("op %d rejected (%d) but object k is gone: %v", op, w.Code, err)
			}
			if _, err := store.GetUpload(ctx, "fuzz-bucket", "mp", u.ID); err != nil {
				t.Fatalf("op %d rejected (%d) but the upload is gone: %v", op, w.Code, err)
			}
			if _, err := store.GetBucketLifecycle(ctx, "fuzz-bucket"); err == nil {
				t.Fatalf("op %d rejected (%d) but a lifecycle configuration was stored", op, w.Code)
			}
			if g, err := store.Stat(ctx, "fuzz-bucket", "g"); err != nil || g.Restore != nil {
				t.Fatalf("op %d rejected (%d) but the archived object changed: %v", op, w.Code, err)
			}
			if list, _ := store.ListBucketITiering(ctx, "fuzz-bucket"); len(list) != 0 {
				t.Fatalf("op %d rejected (%d) but an Intelligent-Tiering configuration was stored", op, w.Code)
			}
		}
		// Whatever happened, the held version of fuzz-lock/k survives.
		o, err := store.StatVersion(ctx, "fuzz-lock", "k", held.VersionID)
		if err != nil {
			t.Fatalf("op %d: the held version is gone: %v", op, err)
		}
		if o.LegalHold != "ON" { // a successful PutObjectLegalHold OFF
			store.PutObjectLegalHold(ctx, "fuzz-lock", "k", held.VersionID, "ON")
		}
		// Restore state a successful operation changed.
		store.PutObject(ctx, &objstore.PutInput{Bucket: "fuzz-bucket", Key: "k", Body: bytes.NewReader([]byte("v")), Size: 1})
		store.DeleteBucket(ctx, "fuzz-new-bucket")
		store.DeleteBucketLifecycle(ctx, "fuzz-bucket")
		store.DeleteBucketITiering(ctx, "fuzz-bucket", "a")
		store.PutObject(ctx, &objstore.PutInput{Bucket: "fuzz-bucket", Key: "g", Body: bytes.NewReader([]byte("v")), Size: 1, StorageClass: "GLACIER"})
		if _, err := store.GetUpload(ctx, "fuzz-bucket", "mp", u.ID); err != nil {
			u, _ = store.CreateUpload(ctx, &objstore.PutInput{Bucket: "fuzz-bucket", Key: "mp"})
		}
	})
}
