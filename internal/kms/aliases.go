package kms

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

func validAliasChars(s string) bool {
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '/', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// checkAliasName applies AWS's alias rules; customer aliases may not use
// the reserved alias/aws/ prefix.
func checkAliasName(op, name string) error {
	if name == "" {
		return errValidation(op, "aliasName", name, "Member must have length greater than or equal to 1")
	}
	if len(name) > MaxAliasName {
		return errValidation(op, "aliasName", name, fmt.Sprintf("Member must have length less than or equal to %d", MaxAliasName))
	}
	rest, ok := strings.CutPrefix(name, "alias/")
	if !ok || rest == "" {
		return kerr(op, errs.Invalid, CodeInvalidAlias,
			"Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
	}
	if !validAliasChars(rest) {
		return errValidation(op, "aliasName", name, "Member must satisfy regular expression pattern: ^[a-zA-Z0-9/_-]+$")
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return kerr(op, errs.Permission, CodeNotAuthorized, "Cannot create, update or delete an alias with the reserved prefix alias/aws/.")
	}
	return nil
}

// aliasTarget resolves the key an alias is to point at (key id or ARN).
func (s *Store) aliasTargetLocked(op, account, target string) (*keyRecord, error) {
	r, err := s.parseRef(op, account, target, false)
	if err != nil {
		return nil, err
	}
	k, err := s.lookupLocked(op, account, r)
	if err != nil {
		return nil, err
	}
	if k.Manager == ManagerAWS {
		return nil, errAWSManaged(op, s.keyARN(k.Account, k.ID))
	}
	if k.State == PendingDeletion {
		return nil, errPendingDeletion(op, s.keyARN(k.Account, k.ID))
	}
	return k, nil
}

// CreateAlias points a new alias at a customer managed key.
func (s *Store) CreateAlias(ctx context.Context, account, name, target string) error {
	const op = "CreateAlias"
	if err := checkAliasName(op, name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.sweepLocked(ctx); err != nil {
		return err
	}
	if _, ok := s.aliases[mapKey(account, name)]; ok {
		return kerr(op, errs.Exist, CodeAlreadyExists, "An alias with the name %s already exists", s.aliasARN(account, name))
	}
	k, err := s.aliasTargetLocked(op, account, target)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	return s.putAliasLocked(ctx, &aliasRecord{Account: account, Name: name, Target: k.ID, Created: now, Updated: now})
}

// UpdateAlias points an existing alias at another customer managed key.
func (s *Store) UpdateAlias(ctx context.Context, account, name, target string) error {
	const op = "UpdateAlias"
	if err := checkAliasName(op, name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.sweepLocked(ctx); err != nil {
		return err
	}
	a, ok := s.aliases[mapKey(account, name)]
	if !ok {
		return errAliasNotFound(op, s.aliasARN(account, name))
	}
	k, err := s.aliasTargetLocked(op, account, target)
	if err != nil {
		return err
	}
	c := *a
	c.Target, c.Updated = k.ID, s.now().UTC()
	return s.putAliasLocked(ctx, &c)
}

// DeleteAlias removes an alias; its key is untouched.
func (s *Store) DeleteAlias(ctx context.Context, account, name string) error {
	const op = "DeleteAlias"
	if err := checkAliasName(op, name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.aliases[mapKey(account, name)]; !ok {
		return errAliasNotFound(op, s.aliasARN(account, name))
	}
	var b meta.Batch
	b.Delete(aliasMetaKey(account, name))
	if err := s.meta.Apply(ctx, &b); err != nil {
		return errs.E(op, errs.IO, err)
	}
	delete(s.aliases, mapKey(account, name))
	return nil
}

// ListAliases lists the account's aliases in name order, only those of
// keyID (a key id or ARN) when it is set.
func (s *Store) ListAliases(ctx context.Context, account, keyID string, p Page) ([]Alias, string, error) {
	const op = "ListAliases"
	limit, err := pageLimit(op, p.Limit, 100, 50)
	if err != nil {
		return nil, "", err
	}
	filter := ""
	if keyID != "" {
		k, err := s.find(op, account, keyID, false, false)
		if err != nil {
			return nil, "", err
		}
		filter = k.ID
	}
	var out []Alias
	s.mu.RLock()
	for _, a := range s.aliases {
		if a.Account != account || a.Name <= p.Marker || filter != "" && a.Target != filter {
			continue
		}
		if k, ok := s.keys[mapKey(account, a.Target)]; !ok || s.expired(k) {
			continue
		}
		out = append(out, Alias{Name: a.Name, ARN: s.aliasARN(account, a.Name), TargetKeyID: a.Target,
			Created: a.Created, Updated: a.Updated})
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	next := ""
	if len(out) > limit {
		out, next = out[:limit], out[limit-1].Name
	}
	return out, next, nil
}
