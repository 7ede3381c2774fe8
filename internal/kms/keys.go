package kms

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tarnhq/tarn/internal/errs"
)

// newKeyID returns a random UUID (version 4), the shape of AWS key ids.
func (s *Store) newKeyID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// CreateKey creates a customer managed SYMMETRIC_DEFAULT key.
func (s *Store) CreateKey(ctx context.Context, account string, in CreateKeyInput) (KeyMetadata, error) {
	const op = "CreateKey"
	if len(in.Description) > MaxDescription {
		return KeyMetadata{}, errValidation(op, "description", in.Description[:32]+"...",
			fmt.Sprintf("Member must have length less than or equal to %d", MaxDescription))
	}
	tags, err := mergeTags(op, nil, in.Tags)
	if err != nil {
		return KeyMetadata{}, err
	}
	id, err := s.newKeyID()
	if err != nil {
		return KeyMetadata{}, errs.E(op, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.newKeyLocked(account, id, ManagerCustomer, nil)
	if err != nil {
		return KeyMetadata{}, errs.E(op, err)
	}
	k.Description, k.Tags, k.Policy = in.Description, tags, in.Policy
	if err := s.putKeyLocked(ctx, k, nil); err != nil {
		return KeyMetadata{}, err
	}
	return s.metadata(k), nil
}

// createManaged creates the AWS managed key behind alias/aws/SERVICE on its
// first use, as AWS does.
func (s *Store) createManaged(op, account string, r ref) (*keyRecord, error) {
	ctx := context.Background() // the creation must not be torn by a cancelled request
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, err := s.lookupLocked(op, account, r); err == nil {
		return k, nil
	}
	id, err := s.newKeyID()
	if err != nil {
		return nil, errs.E(op, err)
	}
	k, err := s.newKeyLocked(account, id, ManagerAWS, nil)
	if err != nil {
		return nil, errs.E(op, err)
	}
	service := strings.TrimPrefix(r.alias, "alias/aws/")
	k.Description = fmt.Sprintf("Default key that protects my %s resources when no other key is defined", service)
	k.RotationEnabled, k.RotationDays = true, awsManagedRotationPeriod
	k.NextRotation = k.Created.AddDate(0, 0, awsManagedRotationPeriod)
	now := k.Created
	a := &aliasRecord{Account: account, Name: r.alias, Target: id, Created: now, Updated: now}
	if err := s.putAliasLocked(ctx, a); err != nil {
		return nil, err
	}
	if err := s.putKeyLocked(ctx, k, nil); err != nil {
		return nil, err
	}
	return k, nil
}

// DescribeKey returns a key's metadata; id may be a key id, key ARN, alias
// or alias ARN. An alias/aws/SERVICE name creates its AWS managed key.
func (s *Store) DescribeKey(ctx context.Context, account, id string) (KeyMetadata, error) {
	k, err := s.find("DescribeKey", account, id, true, true)
	if err != nil {
		return KeyMetadata{}, err
	}
	return s.metadata(k), nil
}

// ListKeys lists the account's keys in key-id order.
func (s *Store) ListKeys(ctx context.Context, account string, p Page) ([]KeyListEntry, string, error) {
	const op = "ListKeys"
	limit, err := pageLimit(op, p.Limit, 1000, 100)
	if err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	var ids []string
	for _, k := range s.keys {
		if k.Account == account && !s.expired(k) && k.ID > p.Marker {
			ids = append(ids, k.ID)
		}
	}
	s.mu.RUnlock()
	sort.Strings(ids)
	next := ""
	if len(ids) > limit {
		ids, next = ids[:limit], ids[limit-1]
	}
	out := make([]KeyListEntry, len(ids))
	for i, id := range ids {
		out[i] = KeyListEntry{KeyID: id, ARN: s.keyARN(account, id)}
	}
	return out, next, nil
}

func pageLimit(op string, limit, max, def int) (int, error) {
	if limit == 0 {
		return def, nil
	}
	if limit < 1 || limit > max {
		return 0, errValidation(op, "limit", limit, fmt.Sprintf("Member must have value between 1 and %d", max))
	}
	return limit, nil
}

// mutate applies fn to a clone of the key id names (key id or ARN only),
// persists it and publishes it. fn sees the key after expired keys were
// swept.
func (s *Store) mutate(ctx context.Context, op, account, id string, fn func(k *keyRecord) error) (*keyRecord, error) {
	r, err := s.parseRef(op, account, id, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.sweepLocked(ctx); err != nil {
		return nil, err
	}
	k, err := s.lookupLocked(op, account, r)
	if err != nil {
		return nil, err
	}
	c := k.clone()
	if err := fn(c); err != nil {
		return nil, err
	}
	if err := s.putKeyLocked(ctx, c, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// customerOnly refuses changes to AWS managed keys.
func (s *Store) customerOnly(op string, k *keyRecord) error {
	if k.Manager == ManagerAWS {
		return errAWSManaged(op, s.keyARN(k.Account, k.ID))
	}
	return nil
}

// EnableKey makes a disabled key usable.
func (s *Store) EnableKey(ctx context.Context, account, id string) error {
	const op = "EnableKey"
	_, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if err := s.customerOnly(op, k); err != nil {
			return err
		}
		if k.State == PendingDeletion {
			return errPendingDeletion(op, s.keyARN(k.Account, k.ID))
		}
		k.State = Enabled
		return nil
	})
	return err
}

// DisableKey makes a key unusable for cryptographic operations until it is
// enabled again.
func (s *Store) DisableKey(ctx context.Context, account, id string) error {
	const op = "DisableKey"
	_, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if err := s.customerOnly(op, k); err != nil {
			return err
		}
		if k.State == PendingDeletion {
			return errPendingDeletion(op, s.keyARN(k.Account, k.ID))
		}
		k.State = Disabled
		return nil
	})
	return err
}

// UpdateKeyDescription replaces a key's description.
func (s *Store) UpdateKeyDescription(ctx context.Context, account, id, desc string) error {
	const op = "UpdateKeyDescription"
	if len(desc) > MaxDescription {
		return errValidation(op, "description", desc[:32]+"...",
			fmt.Sprintf("Member must have length less than or equal to %d", MaxDescription))
	}
	_, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if err := s.customerOnly(op, k); err != nil {
			return err
		}
		if k.State == PendingDeletion {
			return errPendingDeletion(op, s.keyARN(k.Account, k.ID))
		}
		k.Description = desc
		return nil
	})
	return err
}

// ScheduleKeyDeletion puts a key in PendingDeletion for days (0 means the
// default, 30); when the window passes the key and its aliases are gone.
func (s *Store) ScheduleKeyDeletion(ctx context.Context, account, id string, days int) (KeyMetadata, error) {
	const op = "ScheduleKeyDeletion"
	if days == 0 {
		days = MaxPendingWindowDays
	}
	if days < MinPendingWindowDays || days > MaxPendingWindowDays {
		return KeyMetadata{}, errValidation(op, "pendingWindowInDays", days,
			fmt.Sprintf("Member must have value between %d and %d", MinPendingWindowDays, MaxPendingWindowDays))
	}
	k, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if err := s.customerOnly(op, k); err != nil {
			return err
		}
		if k.State == PendingDeletion {
			return errPendingDeletion(op, s.keyARN(k.Account, k.ID))
		}
		k.State, k.PendingWindowDays = PendingDeletion, days
		k.DeletionDate = s.now().UTC().Add(time.Duration(days) * 24 * time.Hour)
		return nil
	})
	if err != nil {
		return KeyMetadata{}, err
	}
	return s.metadata(k), nil
}

// CancelKeyDeletion takes a key out of PendingDeletion; like AWS, the key
// comes back Disabled.
func (s *Store) CancelKeyDeletion(ctx context.Context, account, id string) (KeyMetadata, error) {
	const op = "CancelKeyDeletion"
	k, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if k.State != PendingDeletion {
			return kerr(op, errs.Precondition, CodeInvalidState, "%s is not pending deletion.", s.keyARN(k.Account, k.ID))
		}
		k.State, k.DeletionDate, k.PendingWindowDays = Disabled, time.Time{}, 0
		return nil
	})
	if err != nil {
		return KeyMetadata{}, err
	}
	return s.metadata(k), nil
}

// TagResource adds or replaces tags on a key.
func (s *Store) TagResource(ctx context.Context, account, id string, tags []Tag) error {
	const op = "TagResource"
	_, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if err := s.customerOnly(op, k); err != nil {
			return err
		}
		if k.State == PendingDeletion {
			return errPendingDeletion(op, s.keyARN(k.Account, k.ID))
		}
		merged, err := mergeTags(op, k.Tags, tags)
		k.Tags = merged
		return err
	})
	return err
}

// UntagResource removes tags by key; absent keys are ignored.
func (s *Store) UntagResource(ctx context.Context, account, id string, keys []string) error {
	const op = "UntagResource"
	for _, tk := range keys {
		if err := checkTagKey(op, tk); err != nil {
			return err
		}
	}
	_, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if err := s.customerOnly(op, k); err != nil {
			return err
		}
		if k.State == PendingDeletion {
			return errPendingDeletion(op, s.keyARN(k.Account, k.ID))
		}
		k.Tags = slices.DeleteFunc(k.Tags, func(t Tag) bool { return slices.Contains(keys, t.Key) })
		return nil
	})
	return err
}

// ListResourceTags lists a key's tags in tag-key order.
func (s *Store) ListResourceTags(ctx context.Context, account, id string, p Page) ([]Tag, string, error) {
	const op = "ListResourceTags"
	limit, err := pageLimit(op, p.Limit, 50, 50)
	if err != nil {
		return nil, "", err
	}
	k, err := s.find(op, account, id, false, false)
	if err != nil {
		return nil, "", err
	}
	tags := slices.Clone(k.Tags)
	slices.SortFunc(tags, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	tags = slices.DeleteFunc(tags, func(t Tag) bool { return t.Key <= p.Marker })
	next := ""
	if len(tags) > limit {
		tags, next = tags[:limit], tags[limit-1].Key
	}
	return tags, next, nil
}

func checkTagKey(op, key string) error {
	if key == "" || utf8.RuneCountInString(key) > 128 {
		return kerr(op, errs.Invalid, CodeTag, "Tag key must be 1 to 128 characters long.")
	}
	if strings.HasPrefix(key, "aws:") {
		return kerr(op, errs.Invalid, CodeTag, "Tags beginning with aws: are reserved.")
	}
	return nil
}

// mergeTags applies add on top of have (same key replaces), checking AWS's
// tag rules; have is not modified.
func mergeTags(op string, have, add []Tag) ([]Tag, error) {
	out := slices.Clone(have)
	for _, t := range add {
		if err := checkTagKey(op, t.Key); err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			return nil, kerr(op, errs.Invalid, CodeTag, "Tag value must be at most 256 characters long.")
		}
		if i := slices.IndexFunc(out, func(o Tag) bool { return o.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, kerr(op, errs.Invalid, CodeTag, "A key can have at most %d tags.", MaxTags)
	}
	return out, nil
}

// GenerateRandom returns n (1–1024) random bytes.
func (s *Store) GenerateRandom(ctx context.Context, n int) ([]byte, error) {
	if n < 1 || n > MaxRandomBytes {
		return nil, errValidation("GenerateRandom", "numberOfBytes", n,
			fmt.Sprintf("Member must have value between 1 and %d", MaxRandomBytes))
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, errs.E("GenerateRandom", err)
	}
	return b, nil
}
