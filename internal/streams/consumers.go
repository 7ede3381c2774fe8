package streams

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxConsumers is the enhanced fan-out consumer quota per stream.
const MaxConsumers = 20

type consumerRec struct {
	Name    string            `json:"name"`
	Created time.Time         `json:"created"`
	Status  string            `json:"status"`
	Until   time.Time         `json:"until,omitzero"`
	Policy  string            `json:"policy,omitempty"` // resource policy
	Tags    map[string]string `json:"tags,omitempty"`
}

// Consumer is an enhanced fan-out consumer.
type Consumer struct {
	Name      string
	ARN       string
	Status    string // CREATING, ACTIVE, DELETING
	Created   time.Time
	StreamARN string
}

func (c *consumerRec) status(now time.Time) string {
	if !c.Until.IsZero() && !now.Before(c.Until) {
		if c.Status == StatusDeleting {
			return ""
		}
		return StatusActive
	}
	return c.Status
}

func (e *Engine) consumerARN(account, stream string, c *consumerRec) string {
	return fmt.Sprintf("%s/consumer/%s:%d", e.ARN(account, stream), c.Name, c.Created.Unix())
}

var consumerNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// liveConsumers drops consumers whose deregistration finished; called
// with s.mu held exclusively.
func (s *stream) liveConsumers(now time.Time) {
	keep := s.rec.Consumers[:0]
	for _, c := range s.rec.Consumers {
		if c.status(now) != "" {
			keep = append(keep, c)
		}
	}
	s.rec.Consumers = keep
}

func (e *Engine) consumerInfo(account, stream string, c *consumerRec, now time.Time) Consumer {
	return Consumer{Name: c.Name, ARN: e.consumerARN(account, stream, c), Status: c.status(now), Created: c.Created, StreamARN: e.ARN(account, stream)}
}

// RegisterConsumer registers an enhanced fan-out consumer on a stream,
// with tags (at most 50, as a stream's).
func (e *Engine) RegisterConsumer(ctx context.Context, account string, streamARN, name string, tags map[string]string) (Consumer, error) {
	const op = "RegisterStreamConsumer"
	var v validation
	if streamARN == "" {
		v.add(nil, "streamARN", "Member must not be null")
	}
	if name == "" {
		v.add(nil, "consumerName", "Member must not be null")
	} else {
		if !consumerNameRE.MatchString(name) {
			v.add(name, "consumerName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
		}
		if len(name) > 128 {
			v.add(name, "consumerName", "Member must have length less than or equal to 128")
		}
	}
	validateTags(&v, tags, "tags")
	k, err := e.resolve(op, account, Ref{ARN: streamARN}, &v)
	if err != nil {
		return Consumer{}, err
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return Consumer{}, err
	}
	if len(tags) > MaxTags {
		return Consumer{}, fail(op, CodeInvalidArgument, "Failed to register consumer %s under stream %s under account %s because a given consumer cannot have more than %d tags associated with it.",
			name, k.name, account, MaxTags)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := e.now()
	if st := s.status(now); st != StatusActive && st != StatusUpdating {
		return Consumer{}, fail(op, CodeInUse, "Stream %s under account %s not ACTIVE, instead in state %s", k.name, account, st)
	}
	s.liveConsumers(now)
	for _, c := range s.rec.Consumers {
		if c.Name == name {
			return Consumer{}, fail(op, CodeInUse, "Consumer %s under stream %s already exists for account %s.", e.consumerARN(account, k.name, &c), k.name, account)
		}
	}
	if len(s.rec.Consumers) >= MaxConsumers {
		return Consumer{}, fail(op, CodeLimitExceeded, "Consumer limit of %d exceeded for stream %s under account %s.", MaxConsumers, k.name, account)
	}
	c := consumerRec{Name: name, Created: now, Status: StatusCreating, Until: now.Add(e.opts.StateDelay)}
	if len(tags) > 0 {
		c.Tags = make(map[string]string, len(tags))
		for tk, tv := range tags {
			c.Tags[tk] = tv
		}
	}
	s.rec.Consumers = append(s.rec.Consumers, c)
	if err := e.save(ctx, s); err != nil {
		s.rec.Consumers = s.rec.Consumers[:len(s.rec.Consumers)-1]
		return Consumer{}, err
	}
	return e.consumerInfo(account, k.name, &c, now), nil
}

// findConsumer locates a consumer by ARN, or by stream ARN and name, and
// authorizes op on it for account (authorizeConsumer). It returns with
// s.mu held exclusively. Another account's consumer that does not exist
// is AccessDeniedException.
func (e *Engine) findConsumer(ctx context.Context, op, account, streamARN, name, consumerARN string) (*stream, int, error) {
	var v validation
	byARN := consumerARN != ""
	if byARN {
		i := strings.Index(consumerARN, "/consumer/")
		colon := strings.LastIndex(consumerARN, ":")
		if i < 0 || colon < i {
			return nil, 0, fail(op, CodeInvalidArgument, "Invalid ConsumerARN %s.", consumerARN)
		}
		if streamARN != "" && streamARN != consumerARN[:i] {
			return nil, 0, fail(op, CodeInvalidArgument, "ConsumerARN %s does not belong to stream %s.", consumerARN, streamARN)
		}
		streamARN, name = consumerARN[:i], consumerARN[i+len("/consumer/"):colon]
		if _, err := strconv.ParseInt(consumerARN[colon+1:], 10, 64); err != nil {
			return nil, 0, fail(op, CodeInvalidArgument, "Invalid ConsumerARN %s.", consumerARN)
		}
	} else if streamARN == "" || name == "" {
		return nil, 0, fail(op, CodeInvalidArgument, "Either ConsumerARN or both ConsumerName and StreamARN must be provided.")
	}
	k, err := e.resolve(op, account, Ref{ARN: streamARN}, &v)
	if err != nil {
		return nil, 0, err
	}
	target := consumerARN
	if target == "" {
		target = name
	}
	missing := func() error {
		if k.account != account {
			if consumerARN == "" {
				return denied(op, account, streamARN)
			}
			return denied(op, account, consumerARN)
		}
		return fail(op, CodeNotFound, "Consumer %s under stream %s not found for account %s.", target, k.name, account)
	}
	s, err := e.get(ctx, op, k)
	if err != nil {
		if k.account != account {
			return nil, 0, missing()
		}
		return nil, 0, err
	}
	now := e.now()
	s.mu.Lock()
	s.liveConsumers(now)
	for i := range s.rec.Consumers {
		c := &s.rec.Consumers[i]
		if c.Name == name && (consumerARN == "" || e.consumerARN(k.account, k.name, c) == consumerARN) {
			if err := e.authorizeConsumer(op, account, s, c, byARN); err != nil {
				s.mu.Unlock()
				return nil, 0, err
			}
			return s, i, nil // s.mu stays locked for the caller
		}
	}
	s.mu.Unlock()
	return nil, 0, missing()
}

// DescribeConsumer describes a consumer.
func (e *Engine) DescribeConsumer(ctx context.Context, account string, streamARN, name, consumerARN string) (Consumer, error) {
	s, i, err := e.findConsumer(ctx, "DescribeStreamConsumer", account, streamARN, name, consumerARN)
	if err != nil {
		return Consumer{}, err
	}
	defer s.mu.Unlock()
	return e.consumerInfo(s.rec.Account, s.rec.Name, &s.rec.Consumers[i], e.now()), nil
}

// DeregisterConsumer starts deregistering a consumer (DELETING, then gone).
func (e *Engine) DeregisterConsumer(ctx context.Context, account string, streamARN, name, consumerARN string) error {
	s, i, err := e.findConsumer(ctx, "DeregisterStreamConsumer", account, streamARN, name, consumerARN)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	c := &s.rec.Consumers[i]
	if c.status(e.now()) != StatusDeleting {
		c.Status, c.Until = StatusDeleting, e.now().Add(e.opts.StateDelay)
	}
	return e.save(ctx, s)
}

// ListConsumers lists a stream's consumers by name.
func (e *Engine) ListConsumers(ctx context.Context, account string, streamARN string) ([]Consumer, error) {
	const op = "ListStreamConsumers"
	var v validation
	if streamARN == "" {
		v.add(nil, "streamARN", "Member must not be null")
	}
	k, err := e.resolve(op, account, Ref{ARN: streamARN}, &v)
	if err != nil {
		return nil, err
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := e.now()
	out := []Consumer{}
	for i := range s.rec.Consumers {
		if c := e.consumerInfo(k.account, k.name, &s.rec.Consumers[i], now); c.Status != "" {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
