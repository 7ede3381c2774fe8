package kms

import (
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
)

// ref is a parsed key reference: a key id or an alias name.
type ref struct {
	keyID string
	alias string // alias/NAME
	arn   string // the ARN to name in errors
}

// parseRef parses a KeyId parameter: key id, key ARN, alias name or alias
// ARN. ARNs of another account or region name nothing the caller owns and
// are reported as not found.
func (s *Store) parseRef(op, account, id string, allowAlias bool) (ref, error) {
	if id == "" {
		return ref{}, errValidation(op, "keyId", id, "Member must have length greater than or equal to 1")
	}
	if len(id) > 2048 {
		return ref{}, errValidation(op, "keyId", id[:32]+"...", "Member must have length less than or equal to 2048")
	}
	if rest, ok := strings.CutPrefix(id, "arn:"); ok {
		parts := strings.SplitN(rest, ":", 5) // partition:service:region:account:resource
		if len(parts) != 5 || parts[1] != "kms" || parts[0] == "" {
			return ref{}, kerr(op, errs.Invalid, CodeInvalidArn, "%s is not a valid ARN.", id)
		}
		res := parts[4]
		if parts[2] != s.region || parts[3] != account {
			if strings.HasPrefix(res, "alias/") {
				return ref{}, errAliasNotFound(op, id)
			}
			return ref{}, errKeyNotFound(op, id)
		}
		if kid, ok := strings.CutPrefix(res, "key/"); ok && kid != "" {
			return ref{keyID: kid, arn: s.keyARN(account, kid)}, nil
		}
		if strings.HasPrefix(res, "alias/") && allowAlias {
			return ref{alias: res, arn: s.aliasARN(account, res)}, nil
		}
		return ref{}, kerr(op, errs.Invalid, CodeInvalidArn, "%s is not a valid key ARN.", id)
	}
	if strings.HasPrefix(id, "alias/") {
		if !allowAlias {
			return ref{}, errValidation(op, "keyId", id, "an alias is not accepted here; use a key ID or key ARN")
		}
		return ref{alias: id, arn: s.aliasARN(account, id)}, nil
	}
	return ref{keyID: id, arn: s.keyARN(account, id)}, nil
}

// lookupLocked finds the key r names, treating expired keys as gone.
// s.mu must be held (read or write).
func (s *Store) lookupLocked(op, account string, r ref) (*keyRecord, error) {
	id := r.keyID
	if r.alias != "" {
		a, ok := s.aliases[mapKey(account, r.alias)]
		if !ok {
			return nil, errAliasNotFound(op, r.arn)
		}
		id = a.Target
	}
	k, ok := s.keys[mapKey(account, id)]
	if !ok || s.expired(k) {
		if r.alias != "" {
			return nil, errAliasNotFound(op, r.arn)
		}
		return nil, errKeyNotFound(op, r.arn)
	}
	return k, nil
}

// find resolves id under the read lock; alias/aws/NAME that does not exist
// yet is created as an AWS managed key when createManaged.
func (s *Store) find(op, account, id string, allowAlias, createManaged bool) (*keyRecord, error) {
	r, err := s.parseRef(op, account, id, allowAlias)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	k, err := s.lookupLocked(op, account, r)
	s.mu.RUnlock()
	if err != nil && createManaged && isManagedAlias(r.alias) {
		return s.createManaged(op, account, r)
	}
	return k, err
}

// usable checks that k may encrypt or decrypt.
func (s *Store) usable(op string, k *keyRecord) error {
	switch k.State {
	case Disabled:
		return errDisabled(op, s.keyARN(k.Account, k.ID))
	case PendingDeletion:
		return errPendingDeletion(op, s.keyARN(k.Account, k.ID))
	}
	return nil
}

func isManagedAlias(name string) bool {
	rest, ok := strings.CutPrefix(name, "alias/aws/")
	return ok && rest != "" && validAliasChars(rest)
}
