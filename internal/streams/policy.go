package streams

import (
	"context"
	"slices"
	"strings"

	"github.com/tarnhq/tarn/internal/auth/iam"
)

// Resource policies (Put/Get/DeleteResourcePolicy) attach to a stream or
// a consumer ARN, are stored durably with the stream's metadata, and
// decide what other accounts may do there, as on AWS:
//
//   - A call on another account's stream or consumer (named by its ARN;
//     a name always means one of the caller's own streams) is allowed only
//     when the action is one a policy of that kind of resource may grant
//     (StreamPolicyActions, ConsumerPolicyActions) and the resource's
//     policy allows it for the caller, with no Deny applying. Everything
//     else is AccessDeniedException.
//   - An explicit Deny in a resource's policy also denies its owner's own
//     calls, except the three policy operations: the owner (tarn's
//     principals are accounts, AWS's account root user) may always get,
//     replace or delete the policy, so no policy can lock a stream.
//   - A consumer action (SubscribeToShard, DescribeStreamConsumer) is
//     decided by the consumer's policy alone; the stream's policy is the
//     policy of another resource.
//
// The evaluation itself is iam.Policy's.

// MaxPolicyBytes bounds a resource policy document (20 KiB).
const MaxPolicyBytes = 20 << 10

// StreamPolicyActions are the actions a stream's policy may name: what
// producers and consumers of another account need (AWS's list for data
// streams). ConsumerPolicyActions are those of a consumer's policy.
var (
	StreamPolicyActions   = []string{"DescribeStream", "DescribeStreamSummary", "GetRecords", "GetShardIterator", "ListShards", "PutRecord", "PutRecords"}
	ConsumerPolicyActions = []string{"DescribeStreamConsumer", "SubscribeToShard"}
)

// policyOps only the resource's owner may call, whatever its policy says.
var policyOps = map[string]bool{"PutResourcePolicy": true, "GetResourcePolicy": true, "DeleteResourcePolicy": true}

const resourceTagPrefix = "aws:resourcetag/"

// policy is a parsed resource policy; tags is set when its conditions
// test aws:ResourceTag keys, so evaluation must supply the resource's tags.
type policy struct {
	p    *iam.Policy
	tags bool
}

// compilePolicy parses a stored policy ("" is none). Stored policies
// passed validatePolicy when they were put, but one stored by an older
// tarn that checked less may not parse: it is logged and grants nothing
// (as before, when no policy granted anything).
func (e *Engine) compilePolicy(doc, arn string) *policy {
	if doc == "" {
		return nil
	}
	p, err := iam.ParsePolicy(doc)
	if err != nil {
		e.log.Warn("kinesis: resource policy does not parse; it grants nothing", "resource", arn, "err", iam.PolicyMessage(err))
		return &policy{p: &iam.Policy{}}
	}
	return newPolicy(p)
}

func newPolicy(p *iam.Policy) *policy {
	c := &policy{p: p}
	for _, s := range p.Statements {
		for _, cond := range s.Conditions {
			if strings.HasPrefix(cond.Key, resourceTagPrefix) {
				c.tags = true
			}
		}
	}
	return c
}

// validatePolicy checks a policy for a stream (consumer false) or a
// consumer before it is stored: a well-formed policy document (iam's
// checks) whose actions are Kinesis actions that a policy of that kind of
// resource may grant, and whose resources are Kinesis ARNs.
func validatePolicy(op, doc string, consumer bool) (*policy, error) {
	p, err := iam.ParsePolicy(doc)
	if err != nil {
		return nil, fail(op, CodeInvalidArgument, "Invalid policy: %s", iam.PolicyMessage(err))
	}
	kind, allowed := "stream", StreamPolicyActions
	if consumer {
		kind, allowed = "consumer", ConsumerPolicyActions
	}
	for _, s := range p.Statements {
		for _, a := range s.Actions {
			if !grantsSome(a, allowed) {
				return nil, fail(op, CodeInvalidArgument, "Invalid policy: action %s cannot be granted by the resource policy of a %s; it may name kinesis:%s.",
					a, kind, strings.Join(allowed, ", kinesis:"))
			}
		}
		for _, a := range s.NotActions {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "kinesis:") {
				return nil, fail(op, CodeInvalidArgument, "Invalid policy: NotAction %s is not a Kinesis action.", a)
			}
		}
		for _, r := range append(append([]string{}, s.Resources...), s.NotResources...) {
			if !kinesisPattern(r) {
				return nil, fail(op, CodeInvalidArgument, "Invalid policy: resource %s is not a Kinesis resource.", r)
			}
		}
	}
	return newPolicy(p), nil
}

// grantsSome reports whether an action pattern names one of the actions.
func grantsSome(pattern string, actions []string) bool {
	for _, a := range actions {
		if iam.MatchAction(pattern, "kinesis:"+a) {
			return true
		}
	}
	return false
}

// kinesisPattern reports whether a Resource pattern may name a Kinesis
// resource: "*", or an ARN whose service part is kinesis or a wildcard.
func kinesisPattern(r string) bool {
	if r == "*" {
		return true
	}
	parts := strings.SplitN(r, ":", 4) // arn partition service …
	if len(parts) < 3 {
		return strings.HasSuffix(r, "*")
	}
	return parts[2] == "kinesis" || strings.ContainsAny(parts[2], "*?") || strings.HasSuffix(parts[1], "*")
}

// denied is the error for a call no policy allows.
func denied(op, account, arn string) error {
	return fail(op, CodeAccessDenied, "User: %s is not authorized to perform: kinesis:%s on resource: %s because no resource-based policy allows the kinesis:%s action",
		iam.AccountARN(account), op, arn, op)
}

// deniedExplicitly is the error for a call a policy's Deny refuses.
func deniedExplicitly(op, account, arn string) error {
	return fail(op, CodeAccessDenied, "User: %s is not authorized to perform: kinesis:%s on resource: %s with an explicit deny in a resource-based policy",
		iam.AccountARN(account), op, arn)
}

// authorize decides a call of op by account on stream s, found by its key
// k (s.mu not held).
func (e *Engine) authorize(op, account string, s *stream, k streamKey) error {
	pol := s.pol.Load()
	owner := k.account
	if pol == nil && account == owner {
		return nil
	}
	var tags map[string]string
	if pol != nil && pol.tags {
		s.mu.RLock()
		tags = make(map[string]string, len(s.rec.Tags))
		for k, v := range s.rec.Tags {
			tags[k] = v
		}
		s.mu.RUnlock()
	}
	return decide(op, account, owner, e.ARN(owner, k.name), pol, StreamPolicyActions, tags)
}

// authorizeConsumer decides a call of op by account on consumer c of s
// (s.mu held). Another account must name the consumer by its ARN (AWS:
// "When making a cross-account call with DescribeStreamConsumer, make
// sure to provide the ARN of the consumer").
func (e *Engine) authorizeConsumer(op, account string, s *stream, c *consumerRec, byARN bool) error {
	owner := s.rec.Account
	arn := e.consumerARN(owner, s.rec.Name, c)
	if account != owner && !byARN && !policyOps[op] {
		return denied(op, account, arn)
	}
	return decide(op, account, owner, arn, e.compilePolicy(c.Policy, arn), ConsumerPolicyActions, c.Tags)
}

// decide is the rule of the file comment for one call.
func decide(op, account, owner, arn string, pol *policy, shareable []string, tags map[string]string) error {
	switch {
	case policyOps[op] && account == owner:
		return nil
	case policyOps[op], account != owner && (pol == nil || !slices.Contains(shareable, op)):
		return denied(op, account, arn)
	case pol == nil:
		return nil
	}
	req := &iam.PolicyRequest{Account: account, Principal: iam.AccountARN(account), Action: "kinesis:" + op, Resource: arn, Owner: owner}
	if pol.tags {
		req.KnownPrefixes = []string{resourceTagPrefix}
		req.Context = make(map[string][]string, len(tags))
		for k, v := range tags {
			key := resourceTagPrefix + strings.ToLower(k)
			req.Context[key] = append(req.Context[key], v)
		}
	}
	switch pol.p.Evaluate(req) {
	case iam.Denied:
		return deniedExplicitly(op, account, arn)
	case iam.Allowed:
		return nil
	}
	if account == owner {
		return nil
	}
	return denied(op, account, arn)
}

// withPolicy finds the stream or consumer arn names and calls fn with a
// pointer to its policy, s.mu held exclusively; save persists a change,
// after which fn's compiled policy (if any) takes effect.
func (e *Engine) withPolicy(ctx context.Context, op, account, arn string, save bool, fn func(p *string, consumer bool) (*policy, error)) error {
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
	consumer := strings.Contains(arn, "/consumer/")
	if consumer {
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
	compiled, err := fn(p, consumer)
	if err != nil {
		return err
	}
	if !save {
		return nil
	}
	if err := e.save(ctx, s); err != nil {
		*p = before
		return err
	}
	if !consumer {
		s.pol.Store(compiled)
	}
	return nil
}

// PutResourcePolicy attaches (replaces) the policy of a stream or
// consumer, after validatePolicy's checks (InvalidArgumentException).
func (e *Engine) PutResourcePolicy(ctx context.Context, account string, arn, doc string) error {
	const op = "PutResourcePolicy"
	if doc == "" {
		var v validation
		v.add(nil, "policy", "Member must not be null")
		return v.err(op)
	}
	if len(doc) > MaxPolicyBytes {
		return fail(op, CodeInvalidArgument, "Policy size %d bytes exceeds the maximum of %d bytes.", len(doc), MaxPolicyBytes)
	}
	return e.withPolicy(ctx, op, account, arn, true, func(p *string, consumer bool) (*policy, error) {
		compiled, err := validatePolicy(op, doc, consumer)
		if err != nil {
			return nil, err
		}
		*p = doc
		return compiled, nil
	})
}

// GetResourcePolicy returns the policy of a stream or consumer ("{}" when
// none is attached).
func (e *Engine) GetResourcePolicy(ctx context.Context, account, arn string) (string, error) {
	out := "{}"
	err := e.withPolicy(ctx, "GetResourcePolicy", account, arn, false, func(p *string, _ bool) (*policy, error) {
		if *p != "" {
			out = *p
		}
		return nil, nil
	})
	return out, err
}

// DeleteResourcePolicy detaches the policy of a stream or consumer.
func (e *Engine) DeleteResourcePolicy(ctx context.Context, account, arn string) error {
	const op = "DeleteResourcePolicy"
	return e.withPolicy(ctx, op, account, arn, true, func(p *string, _ bool) (*policy, error) {
		if *p == "" {
			return nil, fail(op, CodeNotFound, "No resource policy found for resource %s.", arn)
		}
		*p = ""
		return nil, nil
	})
}
