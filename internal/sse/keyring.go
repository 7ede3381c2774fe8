package sse

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/tarnhq/tarn/internal/storage/meta"
)

const masterPrefix = "sse/master/" // + %08d version → masterRecord JSON

type masterRecord struct {
	Version int       `json:"version"`
	Sealed  []byte    `json:"sealed"` // the master key sealed by the root key
	Created time.Time `json:"created"`
}

// Keyring holds the SSE-S3 master keys: versioned, each sealed by the
// server's root key in the metadata store. New data keys are sealed by the
// newest version; older versions stay for data keys not yet re-wrapped.
type Keyring struct {
	meta meta.Store
	root Key
	now  func() time.Time

	mu       sync.RWMutex
	versions map[int]Key
	created  map[int]time.Time
	current  int
}

// OpenKeyring loads the keyring, creating version 1 on first use.
func OpenKeyring(ctx context.Context, m meta.Store, root Key, now func() time.Time) (*Keyring, error) {
	if now == nil {
		now = time.Now
	}
	k := &Keyring{meta: m, root: root.Derive("sse-s3-master"), now: now, versions: map[int]Key{}, created: map[int]time.Time{}}
	it, err := m.NewIter(ctx, []byte(masterPrefix), []byte("sse/master0"))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		var r masterRecord
		if err := json.Unmarshal(it.Value(), &r); err != nil {
			return nil, fmt.Errorf("sse: master key record %s: %w", it.Key(), err)
		}
		key, err := OpenKey(k.root, r.Sealed, []byte(fmt.Sprint(r.Version)))
		if err != nil {
			return nil, fmt.Errorf("sse: master key %d does not open with this root key (was the root key replaced?)", r.Version)
		}
		k.versions[r.Version], k.created[r.Version] = key, r.Created
		k.current = max(k.current, r.Version)
	}
	if err := it.Error(); err != nil {
		return nil, err
	}
	if k.current == 0 {
		if _, err := k.Rotate(ctx); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// Current returns the newest master key and its version.
func (k *Keyring) Current() (int, Key) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current, k.versions[k.current]
}

// CurrentCreated is when the newest version was made.
func (k *Keyring) CurrentCreated() time.Time {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.created[k.current]
}

// Get returns a master key version.
func (k *Keyring) Get(version int) (Key, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	key, ok := k.versions[version]
	return key, ok
}

// Rotate adds a new master key version and makes it current. It returns
// the new version.
func (k *Keyring) Rotate(ctx context.Context) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v := k.current + 1
	key := NewKey()
	now := k.now().UTC()
	rec, _ := json.Marshal(masterRecord{Version: v, Sealed: SealKey(k.root, key, []byte(fmt.Sprint(v))), Created: now})
	var b meta.Batch
	b.Set([]byte(fmt.Sprintf("%s%08d", masterPrefix, v)), rec)
	if err := k.meta.Apply(ctx, &b); err != nil {
		return 0, err
	}
	k.versions[v], k.created[v] = key, now
	k.current = v
	return v, nil
}

// Versions lists the versions held.
func (k *Keyring) Versions() []int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]int, 0, len(k.versions))
	for v := 1; v <= k.current; v++ {
		if _, ok := k.versions[v]; ok {
			out = append(out, v)
		}
	}
	return out
}
