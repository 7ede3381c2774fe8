package kms

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Metadata key layout (docs/format/kms.md):
//
//	kms/root                      → root-key check value (sealed constant)
//	kms/k/<account>/<key id>      → keyRecord JSON (material sealed)
//	kms/a/<account>/<alias name>  → aliasRecord JSON
const (
	rootCheckKey = "kms/root"
	keyPrefix    = "kms/k/"
	aliasPrefix  = "kms/a/"
)

var rootCheckPlain = []byte("tarn kms root key check v1")

// Store is the KMS engine. Keys are few, so the whole key set lives in
// memory (material unsealed) and every change is written through to the
// metadata store before it is made visible.
type Store struct {
	meta   meta.Store
	seal   *sealer
	region string
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger

	mu      sync.RWMutex
	keys    map[string]*keyRecord   // account/id
	aliases map[string]*aliasRecord // account/alias name
}

// keyRecord is a key as stored. Records are never mutated once published in
// Store.keys: changes clone, persist, then swap.
type keyRecord struct {
	Account           string       `json:"account"`
	ID                string       `json:"id"`
	Description       string       `json:"description,omitempty"`
	State             KeyState     `json:"state"`
	Created           time.Time    `json:"created"`
	DeletionDate      time.Time    `json:"deletion_date,omitzero"`
	PendingWindowDays int          `json:"pending_window_days,omitempty"`
	Manager           string       `json:"manager"`
	Static            bool         `json:"static,omitempty"`
	Policy            string       `json:"policy,omitempty"`
	Tags              []Tag        `json:"tags,omitempty"`
	RotationEnabled   bool         `json:"rotation_enabled,omitempty"`
	RotationDays      int          `json:"rotation_days,omitempty"`
	NextRotation      time.Time    `json:"next_rotation,omitzero"`
	OnDemandRotations int          `json:"on_demand_rotations,omitempty"`
	Versions          []keyVersion `json:"versions"`
}

type keyVersion struct {
	N        uint32    `json:"n"`
	Created  time.Time `json:"created"`
	Type     string    `json:"type,omitempty"` // "" for the original material
	Sealed   []byte    `json:"sealed"`
	material []byte
}

type aliasRecord struct {
	Account string    `json:"account"`
	Name    string    `json:"name"`
	Target  string    `json:"target"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

func (k *keyRecord) clone() *keyRecord {
	c := *k
	c.Tags = slices.Clone(k.Tags)
	c.Versions = slices.Clone(k.Versions)
	return &c
}

func (k *keyRecord) current() *keyVersion { return &k.Versions[len(k.Versions)-1] }

func (k *keyRecord) version(n uint32) *keyVersion {
	for i := range k.Versions {
		if k.Versions[i].N == n {
			return &k.Versions[i]
		}
	}
	return nil
}

func mapKey(account, name string) string { return account + "/" + name }

func keyMetaKey(account, id string) []byte { return []byte(keyPrefix + account + "/" + id) }

func aliasMetaKey(account, name string) []byte { return []byte(aliasPrefix + account + "/" + name) }

// Open loads the keys from m, resolving the root key from opts, and creates
// the static keys that are absent. A root key that does not open this
// store's keys is an error, never a silent re-key.
func Open(ctx context.Context, m meta.Store, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	s := &Store{meta: m, region: opts.Region, now: opts.Now, rand: opts.Rand, log: opts.Logger,
		keys: map[string]*keyRecord{}, aliases: map[string]*aliasRecord{}}
	check, err := m.Get(ctx, []byte(rootCheckKey))
	if err != nil && !meta.IsNotFound(err) {
		return nil, fmt.Errorf("kms: %w", err)
	}
	root, source, err := loadRootKey(opts, check == nil)
	if err != nil {
		return nil, err
	}
	if s.seal, err = newSealer(root, opts.Rand); err != nil {
		return nil, err
	}
	if check == nil {
		sealed, err := s.seal.seal([]byte(rootCheckKey), rootCheckPlain)
		if err != nil {
			return nil, err
		}
		var b meta.Batch
		b.Set([]byte(rootCheckKey), sealed)
		if err := m.Apply(ctx, &b); err != nil {
			return nil, fmt.Errorf("kms: %w", err)
		}
	} else if p, err := s.seal.open([]byte(rootCheckKey), check); err != nil || !bytes.Equal(p, rootCheckPlain) {
		return nil, fmt.Errorf("kms: the root key from %s is not the one that sealed this data dir's KMS keys; "+
			"supply the original key (TARN_KMS_ROOT_KEY, --kms-root-key-file or %s)", source, RootKeyFile)
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	if err := s.Sweep(ctx); err != nil {
		return nil, err
	}
	for _, sk := range opts.StaticKeys {
		if err := s.ensureStatic(ctx, opts.StaticAccount, sk); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Store) load(ctx context.Context) error {
	if err := scan(ctx, s.meta, keyPrefix, func(v []byte) error {
		k := new(keyRecord)
		if err := json.Unmarshal(v, k); err != nil {
			return err
		}
		if len(k.Versions) == 0 {
			return fmt.Errorf("key %s has no versions", k.ID)
		}
		for i := range k.Versions {
			v := &k.Versions[i]
			m, err := s.seal.open(materialAAD(k.Account, k.ID, v.N), v.Sealed)
			if err != nil || len(m) != 32 {
				return fmt.Errorf("key %s version %d: sealed material does not open", k.ID, v.N)
			}
			v.material = m
		}
		s.keys[mapKey(k.Account, k.ID)] = k
		return nil
	}); err != nil {
		return err
	}
	return scan(ctx, s.meta, aliasPrefix, func(v []byte) error {
		a := new(aliasRecord)
		if err := json.Unmarshal(v, a); err != nil {
			return err
		}
		s.aliases[mapKey(a.Account, a.Name)] = a
		return nil
	})
}

func scan(ctx context.Context, m meta.Store, prefix string, fn func([]byte) error) error {
	upper := []byte(prefix)
	upper[len(upper)-1]++
	it, err := m.NewIter(ctx, []byte(prefix), upper)
	if err != nil {
		return fmt.Errorf("kms: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if err := fn(it.Value()); err != nil {
			return errs.E("kms.Open", errs.Corrupt, fmt.Errorf("%s: %w", it.Key(), err))
		}
	}
	return it.Error()
}

func (s *Store) ensureStatic(ctx context.Context, account string, sk StaticKey) error {
	if len(sk.Material) != 32 {
		return fmt.Errorf("kms: static key %s: material is %d bytes, want 32", sk.ID, len(sk.Material))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[mapKey(account, sk.ID)]; ok {
		if !bytes.Equal(k.Versions[0].material, sk.Material) {
			return fmt.Errorf("kms: static key %s: the configured material differs from the stored key's; "+
				"ciphertexts made with the stored key would no longer decrypt", sk.ID)
		}
		return nil
	}
	k, err := s.newKeyLocked(account, sk.ID, ManagerCustomer, sk.Material)
	if err != nil {
		return err
	}
	k.Static = true
	k.Description = "static key defined by --kms-static-key"
	return s.putKeyLocked(ctx, k, nil)
}

// newKeyLocked builds a key record with version 1 (material random when
// nil); it is not stored.
func (s *Store) newKeyLocked(account, id, manager string, material []byte) (*keyRecord, error) {
	if material == nil {
		material = make([]byte, 32)
		if _, err := io.ReadFull(s.rand, material); err != nil {
			return nil, err
		}
	}
	now := s.now().UTC()
	k := &keyRecord{Account: account, ID: id, State: Enabled, Created: now, Manager: manager}
	if err := s.addVersion(k, now, ""); err != nil {
		return nil, err
	}
	k.Versions[0].material = material
	sealed, err := s.seal.seal(materialAAD(account, id, 1), material)
	if err != nil {
		return nil, err
	}
	k.Versions[0].Sealed = sealed
	return k, nil
}

// addVersion appends a fresh random version to k.
func (s *Store) addVersion(k *keyRecord, now time.Time, typ string) error {
	n := uint32(1)
	if len(k.Versions) > 0 {
		n = k.current().N + 1
	}
	m := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, m); err != nil {
		return err
	}
	sealed, err := s.seal.seal(materialAAD(k.Account, k.ID, n), m)
	if err != nil {
		return err
	}
	k.Versions = append(k.Versions, keyVersion{N: n, Created: now, Type: typ, Sealed: sealed, material: m})
	return nil
}

// putKeyLocked persists k (and the alias changes in extra) and publishes it.
func (s *Store) putKeyLocked(ctx context.Context, k *keyRecord, extra *meta.Batch) error {
	v, err := json.Marshal(k)
	if err != nil {
		return err
	}
	b := extra
	if b == nil {
		b = &meta.Batch{}
	}
	b.Set(keyMetaKey(k.Account, k.ID), v)
	if err := s.meta.Apply(ctx, b); err != nil {
		return errs.E("kms", errs.IO, err)
	}
	s.keys[mapKey(k.Account, k.ID)] = k
	return nil
}

func (s *Store) putAliasLocked(ctx context.Context, a *aliasRecord) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	var b meta.Batch
	b.Set(aliasMetaKey(a.Account, a.Name), v)
	if err := s.meta.Apply(ctx, &b); err != nil {
		return errs.E("kms", errs.IO, err)
	}
	s.aliases[mapKey(a.Account, a.Name)] = a
	return nil
}

// expired reports whether k's deletion date has passed.
func (s *Store) expired(k *keyRecord) bool {
	return k.State == PendingDeletion && !s.now().Before(k.DeletionDate)
}

// Sweep removes keys whose pending-deletion window has passed, with their
// aliases. Reads already treat such keys as gone; Sweep reclaims them.
func (s *Store) Sweep(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sweepLocked(ctx)
}

func (s *Store) sweepLocked(ctx context.Context) error {
	var b meta.Batch
	var gone []*keyRecord
	for _, k := range s.keys {
		if s.expired(k) {
			gone = append(gone, k)
			b.Delete(keyMetaKey(k.Account, k.ID))
		}
	}
	if len(gone) == 0 {
		return nil
	}
	var goneAliases []string
	for mk, a := range s.aliases {
		for _, k := range gone {
			if a.Account == k.Account && a.Target == k.ID {
				goneAliases = append(goneAliases, mk)
				b.Delete(aliasMetaKey(a.Account, a.Name))
			}
		}
	}
	if err := s.meta.Apply(ctx, &b); err != nil {
		return errs.E("kms.Sweep", errs.IO, err)
	}
	for _, k := range gone {
		delete(s.keys, mapKey(k.Account, k.ID))
		s.log.Info("kms key deleted after its pending window", "account", k.Account, "key", k.ID)
	}
	for _, mk := range goneAliases {
		delete(s.aliases, mk)
	}
	return nil
}

func (s *Store) keyARN(account, id string) string {
	return "arn:aws:kms:" + s.region + ":" + account + ":key/" + id
}

func (s *Store) aliasARN(account, name string) string {
	return "arn:aws:kms:" + s.region + ":" + account + ":" + name
}

func (s *Store) metadata(k *keyRecord) KeyMetadata {
	m := KeyMetadata{AccountID: k.Account, KeyID: k.ID, ARN: s.keyARN(k.Account, k.ID), Description: k.Description,
		State: k.State, Enabled: k.State == Enabled, Created: k.Created, KeyManager: k.Manager,
		CurrentVersion: k.current().N}
	if k.State == PendingDeletion {
		m.DeletionDate, m.PendingWindowDays = k.DeletionDate, k.PendingWindowDays
	}
	return m
}
