package iam

import (
	"context"
	"testing"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta/mem"
)

func TestStore(t *testing.T) {
	ctx := context.Background()
	m := mem.New()
	s, err := Open(ctx, m, "ROOTKEY", "root-secret")
	if err != nil {
		t.Fatal(err)
	}
	if sec, ok := s.Lookup("ROOTKEY"); !ok || sec != "root-secret" {
		t.Fatal("root lookup")
	}
	p, ok := s.Principal("ROOTKEY")
	if !ok || !p.Root || p.Account.ID != RootAccountID {
		t.Fatalf("root principal %+v", p)
	}
	a, ak, sk, err := s.CreateAccount(ctx, "alt", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.ID) != 12 || a.CanonicalID != CanonicalID(a.ID) || len(ak) != 20 || len(sk) != 40 {
		t.Fatalf("account %+v key %q secret %q", a, ak, sk)
	}
	for name, call := range map[string]func() error{
		"dup name":   func() error { _, _, _, err := s.CreateAccount(ctx, "alt", "", ""); return err },
		"bad name":   func() error { _, _, _, err := s.CreateAccount(ctx, "has space", "", ""); return err },
		"dup key":    func() error { _, _, _, err := s.CreateAccount(ctx, "other", ak, ""); return err },
		"root key":   func() error { _, _, _, err := s.CreateAccount(ctx, "other2", "ROOTKEY", ""); return err },
		"short sec":  func() error { _, _, _, err := s.CreateAccount(ctx, "other3", "", "short"); return err },
		"no account": func() error { _, _, err := s.CreateAccessKey(ctx, "123", "", ""); return err },
		"no key":     func() error { return s.DeleteAccessKey(ctx, "NOPE") },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
	ak2, _, err := s.CreateAccessKey(ctx, a.ID, "SECONDKEY", "second-secret")
	if err != nil || ak2 != "SECONDKEY" {
		t.Fatal(err)
	}
	// Reopen: accounts and keys persist; root credentials are not stored.
	s2, err := Open(ctx, m, "NEWROOT", "new-root-secret")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := s2.Principal("SECONDKEY"); !ok || p.Account.ID != a.ID || p.Root {
		t.Fatalf("reopened principal %+v", p)
	}
	if _, ok := s2.Lookup("ROOTKEY"); ok {
		t.Fatal("old root key survived a change of root credentials")
	}
	if err := s2.DeleteAccessKey(ctx, "SECONDKEY"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s2.Lookup("SECONDKEY"); ok {
		t.Fatal("deleted key still resolves")
	}
	if n := len(s2.Accounts()); n != 2 {
		t.Fatalf("%d accounts, want 2 (root, alt)", n)
	}
}

func TestOwnerAuthorizer(t *testing.T) {
	ctx := context.Background()
	var az OwnerAuthorizer
	root := &Principal{Root: true, Account: Account{ID: RootAccountID}}
	alt := &Principal{Account: Account{ID: "111111111111"}}
	for _, c := range []struct {
		p     *Principal
		owner string
		allow bool
	}{
		{root, "111111111111", true},
		{alt, "111111111111", true},
		{alt, RootAccountID, false},
		{alt, "", true},
		{Anonymous, "", false},
		{Anonymous, RootAccountID, false},
		{nil, "", false},
	} {
		err := az.Authorize(ctx, Request{Principal: c.p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Owner: c.owner})
		if (err == nil) != c.allow {
			t.Errorf("%+v owner %q: err %v, want allow=%v", c.p, c.owner, err, c.allow)
		}
		if err != nil && (!errs.Is(errs.Permission, err) || errs.CodeOf(err) != "AccessDenied") {
			t.Errorf("denial is %v", err)
		}
	}
}
