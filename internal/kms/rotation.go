package kms

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
)

// rotateDue performs a due automatic rotation of k: a new version becomes
// the one new encryptions use; older versions stay for decryption.
func (s *Store) rotateDue(ctx context.Context, op string, k *keyRecord) (*keyRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.keys[mapKey(k.Account, k.ID)]
	if !ok {
		return k, nil
	}
	now := s.now().UTC()
	if !cur.RotationEnabled || now.Before(cur.NextRotation) || cur.State != Enabled {
		return cur, nil
	}
	c := cur.clone()
	if err := s.addVersion(c, now, RotationAutomatic); err != nil {
		return nil, errs.E(op, err)
	}
	c.NextRotation = now.AddDate(0, 0, c.RotationDays)
	if err := s.putKeyLocked(context.WithoutCancel(ctx), c, nil); err != nil {
		return nil, err
	}
	return c, nil
}

// rotationState checks a key may have its rotation changed.
func (s *Store) rotationState(op string, k *keyRecord) error {
	if err := s.customerOnly(op, k); err != nil {
		return err
	}
	return s.usable(op, k)
}

// EnableKeyRotation turns on automatic rotation every periodDays (0 means
// 365; 90–2560); the first rotation is periodDays from now.
func (s *Store) EnableKeyRotation(ctx context.Context, account, id string, periodDays int) error {
	const op = "EnableKeyRotation"
	if periodDays == 0 {
		periodDays = DefaultRotationDays
	}
	if periodDays < MinRotationPeriodDays || periodDays > MaxRotationPeriodDays {
		return errValidation(op, "rotationPeriodInDays", periodDays,
			fmt.Sprintf("Member must have value between %d and %d", MinRotationPeriodDays, MaxRotationPeriodDays))
	}
	_, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if err := s.rotationState(op, k); err != nil {
			return err
		}
		k.RotationEnabled, k.RotationDays = true, periodDays
		k.NextRotation = s.now().UTC().AddDate(0, 0, periodDays)
		return nil
	})
	return err
}

// DisableKeyRotation turns automatic rotation off; versions made so far
// stay.
func (s *Store) DisableKeyRotation(ctx context.Context, account, id string) error {
	const op = "DisableKeyRotation"
	_, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if err := s.rotationState(op, k); err != nil {
			return err
		}
		k.RotationEnabled, k.RotationDays, k.NextRotation = false, 0, time.Time{}
		return nil
	})
	return err
}

// GetKeyRotationStatus reports whether automatic rotation is on.
func (s *Store) GetKeyRotationStatus(ctx context.Context, account, id string) (RotationStatus, error) {
	const op = "GetKeyRotationStatus"
	k, err := s.find(op, account, id, false, false)
	if err != nil {
		return RotationStatus{}, err
	}
	st := RotationStatus{KeyARN: s.keyARN(k.Account, k.ID), Enabled: k.RotationEnabled}
	if k.RotationEnabled {
		st.PeriodDays, st.NextRotation = k.RotationDays, k.NextRotation
	}
	for i := len(k.Versions) - 1; i > 0; i-- {
		if k.Versions[i].Type == RotationOnDemand {
			st.OnDemandStarted = k.Versions[i].Created
			break
		}
	}
	return st, nil
}

// RotateKeyOnDemand rotates a customer key now (at most 10 times per key).
func (s *Store) RotateKeyOnDemand(ctx context.Context, account, id string) (string, error) {
	const op = "RotateKeyOnDemand"
	k, err := s.mutate(ctx, op, account, id, func(k *keyRecord) error {
		if err := s.rotationState(op, k); err != nil {
			return err
		}
		if k.OnDemandRotations >= MaxOnDemandRotations {
			return kerr(op, errs.Conflict, CodeLimitExceeded,
				"The on-demand rotations limit has been reached for the given key (%d).", MaxOnDemandRotations)
		}
		k.OnDemandRotations++
		return s.addVersion(k, s.now().UTC(), RotationOnDemand)
	})
	if err != nil {
		return "", err
	}
	return s.keyARN(k.Account, k.ID), nil
}

// ListKeyRotations lists a key's completed rotations, oldest first; the
// marker is the last version number returned.
func (s *Store) ListKeyRotations(ctx context.Context, account, id string, p Page) ([]Rotation, string, error) {
	const op = "ListKeyRotations"
	limit, err := pageLimit(op, p.Limit, 1000, 100)
	if err != nil {
		return nil, "", err
	}
	after := uint64(0)
	if p.Marker != "" {
		if after, err = strconv.ParseUint(p.Marker, 10, 32); err != nil {
			return nil, "", kerr(op, errs.Invalid, CodeInvalidMarker, "The marker %q is not valid.", p.Marker)
		}
	}
	k, err := s.find(op, account, id, false, false)
	if err != nil {
		return nil, "", err
	}
	var out []Rotation
	for _, v := range k.Versions[1:] {
		if uint64(v.N) > after {
			out = append(out, Rotation{KeyID: s.keyARN(k.Account, k.ID), Date: v.Created, Type: v.Type, Version: v.N})
		}
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatUint(uint64(out[limit-1].Version), 10)
	}
	return out, next, nil
}
