package iam

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"sync"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Key prefixes in the metadata store.
const (
	accountPrefix = "iam/account/" // + account id → Account JSON
	keyPrefix     = "iam/key/"     // + access key id → accessKey JSON
)

type accessKey struct {
	ID        string `json:"id"`
	Secret    string `json:"secret"`
	AccountID string `json:"account"`
}

// Store keeps accounts and access keys in the metadata store, cached in
// memory (every request looks up its key).
type Store struct {
	meta meta.Store

	mu       sync.RWMutex
	accounts map[string]Account    // by id
	keys     map[string]*accessKey // by access key id
	root     accessKey
}

// Open loads accounts and keys. rootKey/rootSecret are the root
// credentials (never stored in the metadata store).
func Open(ctx context.Context, m meta.Store, rootKey, rootSecret string) (*Store, error) {
	s := &Store{meta: m, accounts: map[string]Account{}, keys: map[string]*accessKey{},
		root: accessKey{ID: rootKey, Secret: rootSecret, AccountID: RootAccountID}}
	s.accounts[RootAccountID] = Account{ID: RootAccountID, Name: "root", CanonicalID: CanonicalID(RootAccountID)}
	if err := s.load(ctx, accountPrefix, func(v []byte) error {
		var a Account
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		s.accounts[a.ID] = a
		return nil
	}); err != nil {
		return nil, err
	}
	if err := s.load(ctx, keyPrefix, func(v []byte) error {
		var k accessKey
		if err := json.Unmarshal(v, &k); err != nil {
			return err
		}
		s.keys[k.ID] = &k
		return nil
	}); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) load(ctx context.Context, prefix string, fn func([]byte) error) error {
	it, err := s.meta.NewIter(ctx, []byte(prefix), prefixEnd(prefix))
	if err != nil {
		return err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if err := fn(it.Value()); err != nil {
			return errs.E("iam.Open", errs.Corrupt, fmt.Errorf("%s: %w", it.Key(), err))
		}
	}
	return it.Error()
}

func prefixEnd(p string) []byte {
	b := []byte(p)
	b[len(b)-1]++
	return b
}

// Lookup returns the secret of an access key (sigv4.Credentials).
func (s *Store) Lookup(id string) (string, bool) {
	if id == s.root.ID && id != "" {
		return s.root.Secret, true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[id]
	if !ok {
		return "", false
	}
	return k.Secret, true
}

// Principal returns the principal an access key acts as.
func (s *Store) Principal(id string) (*Principal, bool) {
	if id == s.root.ID && id != "" {
		s.mu.RLock()
		a := s.accounts[RootAccountID]
		s.mu.RUnlock()
		return &Principal{Account: a, AccessKey: id, Root: true}, true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[id]
	if !ok {
		return nil, false
	}
	return &Principal{Account: s.accounts[k.AccountID], AccessKey: id}, true
}

// Account returns an account by id.
func (s *Store) Account(id string) (Account, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.accounts[id]
	return a, ok
}

// Accounts lists accounts ordered by id.
func (s *Store) Accounts() []Account {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Account, 0, len(s.accounts))
	for _, a := range s.accounts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

var (
	accountNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	accessKeyRE   = regexp.MustCompile(`^[A-Za-z0-9]{3,128}$`)
)

// CreateAccount creates an account named name with one access key. Empty
// accessKey/secret are generated. It returns the account and the key pair.
func (s *Store) CreateAccount(ctx context.Context, name, accessKey, secret string) (Account, string, string, error) {
	const op = "iam.CreateAccount"
	if !accountNameRE.MatchString(name) {
		return Account{}, "", "", errs.E(op, errs.Invalid, "account name must be 1-63 letters, digits, '.', '_' or '-'")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if a.Name == name {
			return Account{}, "", "", errs.E(op, errs.Exist, fmt.Sprintf("account %q already exists", name))
		}
	}
	var id string
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(899999999999))
		if err != nil {
			return Account{}, "", "", errs.E(op, err)
		}
		id = fmt.Sprintf("%012d", n.Int64()+100000000000)
		if _, dup := s.accounts[id]; !dup {
			break
		}
	}
	a := Account{ID: id, Name: name, CanonicalID: CanonicalID(id)}
	k, err := s.newKeyLocked(op, id, accessKey, secret)
	if err != nil {
		return Account{}, "", "", err
	}
	av, _ := json.Marshal(a)
	kv, _ := json.Marshal(k)
	var b meta.Batch
	b.Set([]byte(accountPrefix+id), av)
	b.Set([]byte(keyPrefix+k.ID), kv)
	if err := s.meta.Apply(ctx, &b); err != nil {
		return Account{}, "", "", errs.E(op, errs.IO, err)
	}
	s.accounts[id] = a
	s.keys[k.ID] = k
	return a, k.ID, k.Secret, nil
}

// CreateAccessKey adds a key pair to an existing account.
func (s *Store) CreateAccessKey(ctx context.Context, accountID, accessKey, secret string) (string, string, error) {
	const op = "iam.CreateAccessKey"
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[accountID]; !ok {
		return "", "", errs.E(op, errs.NotExist, fmt.Sprintf("account %q does not exist", accountID))
	}
	k, err := s.newKeyLocked(op, accountID, accessKey, secret)
	if err != nil {
		return "", "", err
	}
	kv, _ := json.Marshal(k)
	var b meta.Batch
	b.Set([]byte(keyPrefix+k.ID), kv)
	if err := s.meta.Apply(ctx, &b); err != nil {
		return "", "", errs.E(op, errs.IO, err)
	}
	s.keys[k.ID] = k
	return k.ID, k.Secret, nil
}

// DeleteAccessKey removes a key pair.
func (s *Store) DeleteAccessKey(ctx context.Context, id string) error {
	const op = "iam.DeleteAccessKey"
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[id]; !ok {
		return errs.E(op, errs.NotExist, fmt.Sprintf("access key %q does not exist", id))
	}
	var b meta.Batch
	b.Delete([]byte(keyPrefix + id))
	if err := s.meta.Apply(ctx, &b); err != nil {
		return errs.E(op, errs.IO, err)
	}
	delete(s.keys, id)
	return nil
}

func (s *Store) newKeyLocked(op, accountID, id, secret string) (*accessKey, error) {
	if id == "" {
		id = "AKIA" + randomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
	}
	if secret == "" {
		secret = randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
	}
	if !accessKeyRE.MatchString(id) {
		return nil, errs.E(op, errs.Invalid, "access key id must be 3-128 letters and digits")
	}
	if len(secret) < 8 || len(secret) > 128 {
		return nil, errs.E(op, errs.Invalid, "secret key must be 8-128 characters")
	}
	if _, dup := s.keys[id]; dup || id == s.root.ID {
		return nil, errs.E(op, errs.Exist, fmt.Sprintf("access key %q already exists", id))
	}
	return &accessKey{ID: id, Secret: secret, AccountID: accountID}, nil
}

// RandomString returns n characters drawn uniformly from alphabet with
// crypto/rand.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand never fails on Linux
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// GenerateRootCredentials returns a fresh root key pair.
func GenerateRootCredentials() (string, string) {
	return "TARN" + randomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
		randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}
