package streams

import (
	"context"
	"encoding/json"
	"strings"
)

// Resource policies (Put/Get/DeleteResourcePolicy) attach to a stream or a
// consumer ARN. They are validated and stored durably with the stream's
// metadata; they are not yet enforced (that is IAM's job).

// MaxPolicyBytes bounds a resource policy document (20 KiB).
const MaxPolicyBytes = 20 << 10

// validatePolicy checks a policy is a JSON object with Version and
// Statement, as Kinesis does before storing it.
func validatePolicy(op, policy string) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return fail(op, CodeInvalidArgument, "Invalid policy: the policy is not a valid JSON object.")
	}
	if _, ok := doc["Version"]; !ok {
		return fail(op, CodeInvalidArgument, "Invalid policy: missing required field Version.")
	}
	st, ok := doc["Statement"]
	if !ok {
		return fail(op, CodeInvalidArgument, "Invalid policy: missing required field Statement.")
	}
	var one map[string]json.RawMessage
	var many []map[string]json.RawMessage
	if json.Unmarshal(st, &many) != nil && json.Unmarshal(st, &one) != nil {
		return fail(op, CodeInvalidArgument, "Invalid policy: Statement must be an object or a list of objects.")
	}
	return nil
}

// withPolicy finds the stream or consumer arn names and calls fn with a
// pointer to its policy, s.mu held exclusively; save persists a change.
func (e *Engine) withPolicy(ctx context.Context, op, account, arn string, save bool, fn func(p *string) error) error {
	var v validation
	if arn == "" {
		v.add(nil, "resourceARN", "Member must not be null")
	} else if len(arn) > 2048 {
		v.add(arn, "resourceARN", "Member must have length less than or equal to 2048")
	}
	if err := v.err(op); err != nil {
		return err
	}
	var s *stream
	var p *string
	if strings.Contains(arn, "/consumer/") {
		cs, i, err := e.findConsumer(ctx, op, account, "", "", arn)
		if err != nil {
			return err
		}
		s, p = cs, &cs.rec.Consumers[i].Policy
	} else {
		if !arnRE.MatchString(arn) {
			return fail(op, CodeInvalidArgument, "Invalid ResourceARN %s.", arn)
		}
		var err error
		if s, err = e.lookup(ctx, op, account, Ref{ARN: arn}); err != nil {
			return err
		}
		s.mu.Lock()
		p = &s.rec.Policy
	}
	defer s.mu.Unlock()
	before := *p
	if err := fn(p); err != nil {
		return err
	}
	if !save {
		return nil
	}
	if err := e.save(ctx, s); err != nil {
		*p = before
		return err
	}
	return nil
}

// PutResourcePolicy attaches (replaces) the policy of a stream or consumer.
func (e *Engine) PutResourcePolicy(ctx context.Context, account string, arn, policy string) error {
	const op = "PutResourcePolicy"
	if policy == "" {
		var v validation
		v.add(nil, "policy", "Member must not be null")
		return v.err(op)
	}
	if len(policy) > MaxPolicyBytes {
		return fail(op, CodeInvalidArgument, "Policy size %d bytes exceeds the maximum of %d bytes.", len(policy), MaxPolicyBytes)
	}
	if err := validatePolicy(op, policy); err != nil {
		return err
	}
	return e.withPolicy(ctx, op, account, arn, true, func(p *string) error { *p = policy; return nil })
}

// GetResourcePolicy returns the policy of a stream or consumer ("{}" when
// none is attached).
func (e *Engine) GetResourcePolicy(ctx context.Context, account, arn string) (string, error) {
	out := "{}"
	err := e.withPolicy(ctx, "GetResourcePolicy", account, arn, false, func(p *string) error {
		if *p != "" {
			out = *p
		}
		return nil
	})
	return out, err
}

// DeleteResourcePolicy detaches the policy of a stream or consumer.
func (e *Engine) DeleteResourcePolicy(ctx context.Context, account, arn string) error {
	const op = "DeleteResourcePolicy"
	return e.withPolicy(ctx, op, account, arn, true, func(p *string) error {
		if *p == "" {
			return fail(op, CodeNotFound, "No resource policy found for resource %s.", arn)
		}
		*p = ""
		return nil
	})
}
