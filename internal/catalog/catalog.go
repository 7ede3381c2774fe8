package catalog

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Options configure a Catalog.
type Options struct {
	// Region names the region in ARNs (default us-east-1).
	Region string
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Catalog is the Glue Data Catalog engine. Reads go straight to the
// metadata store; writes are serialized by one mutex so that each
// check-then-write is atomic, and each is a single meta batch.
type Catalog struct {
	meta   meta.Store
	region string
	now    func() time.Time
	log    *slog.Logger
	mu     sync.Mutex
}

// Open returns a catalog over m.
func Open(ctx context.Context, m meta.Store, opts Options) (*Catalog, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Catalog{meta: m, region: opts.Region, now: opts.Now, log: opts.Logger}, nil
}

// Region is the region of the catalog's ARNs.
func (c *Catalog) Region() string { return c.region }

const sep = "\x00"

// key builds a metadata key from a kind and its parts.
func key(kind string, parts ...string) []byte {
	return []byte("glue/" + kind + "/" + strings.Join(parts, sep))
}

// prefix is key(...) + sep: the range of everything below those parts.
func prefix(kind string, parts ...string) []byte {
	return append(key(kind, parts...), sep...)
}

// upperBound is the smallest key greater than every key with prefix p.
func upperBound(p []byte) []byte {
	u := bytes.Clone(p)
	for i := len(u) - 1; i >= 0; i-- {
		if u[i] < 0xff {
			u[i]++
			return u[:i+1]
		}
	}
	return nil
}

func (c *Catalog) now0() time.Time { return c.now().UTC().Truncate(time.Millisecond) }

// getJSON loads key into v; found is false for a missing key.
func (c *Catalog) getJSON(ctx context.Context, op string, k []byte, v any) (bool, error) {
	b, err := c.meta.Get(ctx, k)
	if meta.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, errIO(op, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, errs.E(op, errs.Corrupt, errs.Code(CodeInternal), "Internal service error.", err)
	}
	return true, nil
}

func setJSON(b *meta.Batch, k []byte, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic("catalog: marshal: " + err.Error()) // only plain data types are stored
	}
	b.Set(k, data)
}

func (c *Catalog) apply(ctx context.Context, op string, b *meta.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if err := c.meta.Apply(ctx, b); err != nil {
		return errIO(op, err)
	}
	return nil
}

// scan calls fn for each key/value in [lower, upper) from start (exclusive
// of start itself when after is true) until fn returns false.
func (c *Catalog) scan(ctx context.Context, op string, lower, upper, start []byte, fn func(k, v []byte) (bool, error)) error {
	it, err := c.meta.NewIter(ctx, lower, upper)
	if err != nil {
		return errIO(op, err)
	}
	defer it.Close()
	var ok bool
	if start != nil {
		ok = it.SeekGE(start)
		if ok && bytes.Equal(it.Key(), start) {
			ok = it.Next()
		}
	} else {
		ok = it.First()
	}
	for ; ok; ok = it.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		more, err := fn(it.Key(), it.Value())
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	if err := it.Error(); err != nil {
		return errIO(op, err)
	}
	return nil
}

// tokenKey decodes a NextToken into the key it resumes after; the key must
// lie within [lower, upper).
func tokenKey(op, token string, lower, upper []byte) ([]byte, error) {
	if token == "" {
		return nil, nil
	}
	k, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !bytes.HasPrefix(k, lower) || (upper != nil && bytes.Compare(k, upper) >= 0) {
		return nil, errInvalid(op, "Invalid NextToken.")
	}
	return k, nil
}

func keyToken(k []byte) string { return base64.RawURLEncoding.EncodeToString(k) }

// pageSize bounds MaxResults to [1, max] with def for 0.
func pageSize(op string, n, def, max int) (int, error) {
	if n == 0 {
		return def, nil
	}
	if n < 0 || n > max {
		return 0, errInvalid(op, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to %d", n, max)
	}
	return n, nil
}

// normName lower-cases and validates a Glue NameString (1..255, one line).
func normName(op, field, name string) (string, error) {
	if err := checkName(op, field, name); err != nil {
		return "", err
	}
	return strings.ToLower(name), nil
}

func checkName(op, field, name string) error {
	if name == "" {
		return errInvalid(op, "%s cannot be empty.", field)
	}
	if utf8.RuneCountInString(name) > 255 {
		return errInvalid(op, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 255", name, field)
	}
	if !validLine(name) {
		return errInvalid(op, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*", name, field)
	}
	return nil
}

// validLine reports whether s matches Glue's single-line string pattern.
func validLine(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

func checkLen(op, field, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return errInvalid(op, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, max)
	}
	return nil
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// page scans [lower, upper) after start, calling fn for each entry; fn
// reports whether it kept the entry. After n kept entries the scan stops
// and, if any key follows, next is a token resuming after the last kept one.
func (c *Catalog) page(ctx context.Context, op string, lower, upper, start []byte, n int, fn func(k, v []byte) (bool, error)) (string, error) {
	kept := 0
	var last []byte
	var next string
	err := c.scan(ctx, op, lower, upper, start, func(k, v []byte) (bool, error) {
		if kept == n {
			next = keyToken(last)
			return false, nil
		}
		ok, err := fn(k, v)
		if err != nil {
			return false, err
		}
		if ok {
			kept++
			last = append(last[:0], k...)
		}
		return true, nil
	})
	return next, err
}
