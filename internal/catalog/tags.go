package catalog

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

func (c *Catalog) arn(cat, rest string) string {
	return "arn:aws:glue:" + c.region + ":" + cat + ":" + rest
}

func (c *Catalog) databaseARN(cat, db string) string { return c.arn(cat, "database/"+db) }

// tableARN is a table's ARN; with table "" it is the prefix of every table
// ARN in db.
func (c *Catalog) tableARN(cat, db, table string) string { return c.arn(cat, "table/"+db+"/"+table) }

func (c *Catalog) connectionARN(cat, name string) string { return c.arn(cat, "connection/"+name) }

func (c *Catalog) functionARN(cat, db, fn string) string {
	return c.arn(cat, "userDefinedFunction/"+db+"/"+fn)
}

// deleteTagsUnder queues deletion of the tags of every resource whose ARN
// starts with arnPrefix.
func (c *Catalog) deleteTagsUnder(ctx context.Context, op string, b *meta.Batch, cat, arnPrefix string) error {
	p := key("tg", cat, arnPrefix)
	return c.deleteRange(ctx, op, b, p)
}

// checkResource resolves a Glue ARN of catalog cat to the key of the
// resource it names and checks that the resource exists.
func (c *Catalog) checkResource(ctx context.Context, op, cat, arn string) error {
	const pre = "arn:aws:glue:"
	bad := func() error { return errInvalid(op, "Invalid resource ARN: %s.", arn) }
	if !strings.HasPrefix(arn, pre) {
		return bad()
	}
	parts := strings.SplitN(arn[len(pre):], ":", 3)
	if len(parts) != 3 {
		return bad()
	}
	if parts[0] != c.region || parts[1] != cat {
		return gerr(op, errs.NotExist, CodeNotFound, "Resource %s not found.", arn)
	}
	kind, path, _ := strings.Cut(parts[2], "/")
	seg := strings.Split(path, "/")
	var k []byte
	switch {
	case kind == "database" && len(seg) == 1:
		k = key("db", cat, seg[0])
	case kind == "table" && len(seg) == 2:
		k = key("tb", cat, seg[0], seg[1])
	case kind == "connection" && len(seg) == 1:
		k = key("cn", cat, seg[0])
	case kind == "userDefinedFunction" && len(seg) == 2:
		k = key("fn", cat, seg[0], seg[1])
	case kind == "catalog" && path == "":
		return nil
	default:
		return bad()
	}
	var v json.RawMessage
	found, err := c.getJSON(ctx, op, k, &v)
	if err != nil {
		return err
	}
	if !found {
		return gerr(op, errs.NotExist, CodeNotFound, "Resource %s not found.", arn)
	}
	return nil
}

// TagResource adds or replaces tags on a catalog resource (database,
// table, connection, user-defined function) named by its ARN.
func (c *Catalog) TagResource(ctx context.Context, cat, arn string, tags map[string]string) error {
	const op = "catalog.TagResource"
	if len(tags) == 0 {
		return errInvalid(op, "TagsToAdd cannot be empty.")
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 {
			return errInvalid(op, "Tag keys must be 1 to 128 characters and values at most 256 characters.")
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkResource(ctx, op, cat, arn); err != nil {
		return err
	}
	cur, err := c.tags(ctx, op, cat, arn)
	if err != nil {
		return err
	}
	for k, v := range tags {
		cur[k] = v
	}
	if len(cur) > 50 {
		return gerr(op, errs.Invalid, CodeInvalidInput, "A resource can have at most 50 tags.")
	}
	var b meta.Batch
	setJSON(&b, key("tg", cat, arn), cur)
	return c.apply(ctx, op, &b)
}

// UntagResource removes tag keys from a resource.
func (c *Catalog) UntagResource(ctx context.Context, cat, arn string, keys []string) error {
	const op = "catalog.UntagResource"
	if len(keys) == 0 {
		return errInvalid(op, "TagsToRemove cannot be empty.")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkResource(ctx, op, cat, arn); err != nil {
		return err
	}
	cur, err := c.tags(ctx, op, cat, arn)
	if err != nil {
		return err
	}
	for _, k := range keys {
		delete(cur, k)
	}
	var b meta.Batch
	if len(cur) == 0 {
		b.Delete(key("tg", cat, arn))
	} else {
		setJSON(&b, key("tg", cat, arn), cur)
	}
	return c.apply(ctx, op, &b)
}

// GetTags returns a resource's tags.
func (c *Catalog) GetTags(ctx context.Context, cat, arn string) (map[string]string, error) {
	const op = "catalog.GetTags"
	if err := c.checkResource(ctx, op, cat, arn); err != nil {
		return nil, err
	}
	return c.tags(ctx, op, cat, arn)
}

func (c *Catalog) tags(ctx context.Context, op, cat, arn string) (map[string]string, error) {
	m := map[string]string{}
	if _, err := c.getJSON(ctx, op, key("tg", cat, arn), &m); err != nil {
		return nil, err
	}
	return m, nil
}

// ARN returns the Glue ARN of a resource: kind is "database", "table",
// "connection" or "userDefinedFunction"; path is its name(s) joined by "/".
func (c *Catalog) ARN(cat, kind, path string) string {
	return c.arn(cat, kind+"/"+strings.ToLower(path))
}
