package streams

import (
	"context"
	"maps"
	"sort"
	"strings"
	"unicode/utf8"
)

// Tags of streams (AddTagsToStream, RemoveTagsFromStream,
// ListTagsForStream, or TagResource and friends with a stream ARN) and of
// consumers (TagResource and friends with a consumer ARN, and
// RegisterStreamConsumer's Tags): at most MaxTags per resource, keys of 1
// to 128 characters, values of at most 256, kept with the stream's
// metadata.

func validateTags(v *validation, tags map[string]string, field string) {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			v.add(k, field+".key", "Member must have length between 1 and 128")
		}
		if utf8.RuneCountInString(tags[k]) > 256 {
			v.add(tags[k], field+".value", "Member must have length less than or equal to 256")
		}
	}
}

func validateAddTags(v *validation, tags map[string]string) {
	if len(tags) == 0 {
		v.add("{}", "tags", "Member must have length greater than or equal to 1")
	}
	validateTags(v, tags, "tags")
}

func validateTagKeys(v *validation, keys []string) {
	if len(keys) == 0 {
		v.add("[]", "tagKeys", "Member must have length greater than or equal to 1")
	}
	if len(keys) > MaxTags {
		v.add("[...]", "tagKeys", "Member must have length less than or equal to 50")
	}
}

// mergeTags returns old with tags added or replaced, or false when that
// would exceed MaxTags.
func mergeTags(old, tags map[string]string) (map[string]string, bool) {
	merged := make(map[string]string, len(old)+len(tags))
	maps.Copy(merged, old)
	maps.Copy(merged, tags)
	return merged, len(merged) <= MaxTags
}

// AddTags adds or replaces a stream's tags (at most 50 per stream).
func (e *Engine) AddTags(ctx context.Context, account string, ref Ref, tags map[string]string) error {
	return e.addTags(ctx, "AddTagsToStream", account, ref, tags)
}

func (e *Engine) addTags(ctx context.Context, op, account string, ref Ref, tags map[string]string) error {
	var v validation
	validateAddTags(&v, tags)
	k, err := e.resolve(op, account, ref, &v)
	if err != nil {
		return err
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	merged, ok := mergeTags(s.rec.Tags, tags)
	if !ok {
		return fail(op, CodeInvalidArgument, "Failed to add tags to stream %s under account %s because a given stream cannot have more than %d tags associated with it.", k.name, account, MaxTags)
	}
	before := s.rec.Tags
	s.rec.Tags = merged
	if err := e.save(ctx, s); err != nil {
		s.rec.Tags = before
		return err
	}
	return nil
}

// RemoveTags removes a stream's tags by key (absent keys are ignored).
func (e *Engine) RemoveTags(ctx context.Context, account string, ref Ref, keys []string) error {
	return e.removeTags(ctx, "RemoveTagsFromStream", account, ref, keys)
}

func (e *Engine) removeTags(ctx context.Context, op, account string, ref Ref, keys []string) error {
	var v validation
	validateTagKeys(&v, keys)
	k, err := e.resolve(op, account, ref, &v)
	if err != nil {
		return err
	}
	s, err := e.open(ctx, op, account, k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	before := s.rec.Tags
	s.rec.Tags = maps.Clone(before)
	for _, key := range keys {
		delete(s.rec.Tags, key)
	}
	if err := e.save(ctx, s); err != nil {
		s.rec.Tags = before
		return err
	}
	return nil
}

// Tags returns a stream's tags.
func (e *Engine) Tags(ctx context.Context, account string, ref Ref) (map[string]string, error) {
	return e.tags(ctx, "ListTagsForStream", account, ref)
}

func (e *Engine) tags(ctx context.Context, op, account string, ref Ref) (map[string]string, error) {
	s, err := e.lookup(ctx, op, account, ref)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]string, len(s.rec.Tags))
	maps.Copy(out, s.rec.Tags)
	return out, nil
}

// isConsumerARN reports whether a resource ARN names a consumer.
func isConsumerARN(arn string) bool { return strings.Contains(arn, "/consumer/") }

func checkResourceARN(op, arn string, v *validation) error {
	if arn == "" {
		v.add(nil, "resourceARN", "Member must not be null")
	} else if len(arn) > 2048 {
		v.add(arn, "resourceARN", "Member must have length less than or equal to 2048")
	}
	return v.err(op)
}

// TagResource adds or replaces the tags of a stream or consumer ARN.
func (e *Engine) TagResource(ctx context.Context, account, arn string, tags map[string]string) error {
	const op = "TagResource"
	if !isConsumerARN(arn) {
		if arn == "" {
			var v validation
			validateAddTags(&v, tags)
			return checkResourceARN(op, arn, &v)
		}
		return e.addTags(ctx, op, account, Ref{ARN: arn}, tags)
	}
	var v validation
	validateAddTags(&v, tags)
	if err := checkResourceARN(op, arn, &v); err != nil {
		return err
	}
	return e.withConsumerTags(ctx, op, account, arn, true, func(c *consumerRec) error {
		merged, ok := mergeTags(c.Tags, tags)
		if !ok {
			return fail(op, CodeInvalidArgument, "Failed to add tags to consumer %s under account %s because a given consumer cannot have more than %d tags associated with it.", arn, account, MaxTags)
		}
		c.Tags = merged
		return nil
	})
}

// UntagResource removes tags of a stream or consumer ARN by key.
func (e *Engine) UntagResource(ctx context.Context, account, arn string, keys []string) error {
	const op = "UntagResource"
	if !isConsumerARN(arn) {
		if arn == "" {
			var v validation
			validateTagKeys(&v, keys)
			return checkResourceARN(op, arn, &v)
		}
		return e.removeTags(ctx, op, account, Ref{ARN: arn}, keys)
	}
	var v validation
	validateTagKeys(&v, keys)
	if err := checkResourceARN(op, arn, &v); err != nil {
		return err
	}
	return e.withConsumerTags(ctx, op, account, arn, true, func(c *consumerRec) error {
		c.Tags = maps.Clone(c.Tags)
		for _, key := range keys {
			delete(c.Tags, key)
		}
		return nil
	})
}

// ListTagsForResource returns the tags of a stream or consumer ARN.
func (e *Engine) ListTagsForResource(ctx context.Context, account, arn string) (map[string]string, error) {
	const op = "ListTagsForResource"
	if !isConsumerARN(arn) {
		if arn == "" {
			var v validation
			return nil, checkResourceARN(op, arn, &v)
		}
		return e.tags(ctx, op, account, Ref{ARN: arn})
	}
	var v validation
	if err := checkResourceARN(op, arn, &v); err != nil {
		return nil, err
	}
	out := map[string]string{}
	err := e.withConsumerTags(ctx, op, account, arn, false, func(c *consumerRec) error {
		maps.Copy(out, c.Tags)
		return nil
	})
	return out, err
}

// withConsumerTags finds consumer arn (authorizing op) and calls fn on it
// with s.mu held; save persists what fn changed, or undoes it on failure.
func (e *Engine) withConsumerTags(ctx context.Context, op, account, arn string, save bool, fn func(c *consumerRec) error) error {
	s, i, err := e.findConsumer(ctx, op, account, "", "", arn)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	c := &s.rec.Consumers[i]
	before := c.Tags
	if err := fn(c); err != nil {
		c.Tags = before
		return err
	}
	if !save {
		return nil
	}
	if err := e.save(ctx, s); err != nil {
		c.Tags = before
		return err
	}
	return nil
}
