package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/tarnhq/tarn/internal/storage/meta"
)

func checkParams(op, field string, m map[string]string) error {
	for k, v := range m {
		if k == "" || len(k) > 255 || !validLine(k) {
			return errInvalid(op, "1 validation error detected: Value at '%s' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 1]", field)
		}
		if len(v) > 512000 {
			return errInvalid(op, "1 validation error detected: Value at '%s' failed to satisfy constraint: Map value must have length less than or equal to 512000", field)
		}
	}
	return nil
}

func checkDatabaseInput(op string, in *DatabaseInput) (string, error) {
	name, err := normName(op, "databaseInput.name", in.Name)
	if err != nil {
		return "", err
	}
	if err := checkLen(op, "databaseInput.description", in.Description, 2048); err != nil {
		return "", err
	}
	if err := checkLen(op, "databaseInput.locationUri", in.LocationUri, 1024); err != nil {
		return "", err
	}
	return name, checkParams(op, "databaseInput.parameters", in.Parameters)
}

// CreateDatabase creates a database in catalog cat.
func (c *Catalog) CreateDatabase(ctx context.Context, cat string, in DatabaseInput) error {
	const op = "catalog.CreateDatabase"
	name, err := checkDatabaseInput(op, &in)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var old Database
	if found, err := c.getJSON(ctx, op, key("db", cat, name), &old); err != nil {
		return err
	} else if found {
		return errExists(op, fmt.Sprintf("Database %s", name))
	}
	db := Database{Name: name, Description: in.Description, LocationUri: in.LocationUri, Parameters: cloneMap(in.Parameters),
		CreateTime: c.now0(), CreateTableDefaultPermissions: in.CreateTableDefaultPermissions,
		TargetDatabase: in.TargetDatabase, FederatedDatabase: in.FederatedDatabase, CatalogId: cat}
	if db.CreateTableDefaultPermissions == nil {
		// Glue grants ALL to IAM_ALLOWED_PRINCIPALS when none are given.
		db.CreateTableDefaultPermissions = []PrincipalPermissions{{
			Principal:   &DataLakePrincipal{DataLakePrincipalIdentifier: "IAM_ALLOWED_PRINCIPALS"},
			Permissions: []string{"ALL"}}}
	}
	var b meta.Batch
	setJSON(&b, key("db", cat, name), &db)
	return c.apply(ctx, op, &b)
}

// GetDatabase returns one database.
func (c *Catalog) GetDatabase(ctx context.Context, cat, name string) (Database, error) {
	const op = "catalog.GetDatabase"
	n, err := normName(op, "name", name)
	if err != nil {
		return Database{}, err
	}
	return c.database(ctx, op, cat, n)
}

func (c *Catalog) database(ctx context.Context, op, cat, name string) (Database, error) {
	var db Database
	found, err := c.getJSON(ctx, op, key("db", cat, name), &db)
	if err != nil {
		return Database{}, err
	}
	if !found {
		return Database{}, errNoDatabase(op, name)
	}
	return db, nil
}

// GetDatabases lists the databases of cat in name order.
func (c *Catalog) GetDatabases(ctx context.Context, cat string, p Page) ([]Database, string, error) {
	const op = "catalog.GetDatabases"
	n, err := pageSize(op, p.MaxResults, 100, 100)
	if err != nil {
		return nil, "", err
	}
	lower := prefix("db", cat)
	upper := upperBound(lower)
	start, err := tokenKey(op, p.NextToken, lower, upper)
	if err != nil {
		return nil, "", err
	}
	var out []Database
	next, err := c.page(ctx, op, lower, upper, start, n, func(k, v []byte) (bool, error) {
		var db Database
		if err := json.Unmarshal(v, &db); err != nil {
			return false, errIO(op, err)
		}
		out = append(out, db)
		return true, nil
	})
	return out, next, err
}

// UpdateDatabase replaces a database's definition; the name cannot change.
func (c *Catalog) UpdateDatabase(ctx context.Context, cat, name string, in DatabaseInput) error {
	const op = "catalog.UpdateDatabase"
	n, err := normName(op, "name", name)
	if err != nil {
		return err
	}
	newName, err := checkDatabaseInput(op, &in)
	if err != nil {
		return err
	}
	if newName != n {
		return errInvalid(op, "Database name cannot be changed: %s != %s.", newName, n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	db, err := c.database(ctx, op, cat, n)
	if err != nil {
		return err
	}
	db.Description, db.LocationUri, db.Parameters = in.Description, in.LocationUri, cloneMap(in.Parameters)
	if in.CreateTableDefaultPermissions != nil {
		db.CreateTableDefaultPermissions = in.CreateTableDefaultPermissions
	}
	db.TargetDatabase, db.FederatedDatabase = in.TargetDatabase, in.FederatedDatabase
	var b meta.Batch
	setJSON(&b, key("db", cat, n), &db)
	return c.apply(ctx, op, &b)
}

// DeleteDatabase removes a database with all its tables, their versions,
// partitions and statistics, and its functions, in one batch.
func (c *Catalog) DeleteDatabase(ctx context.Context, cat, name string) error {
	const op = "catalog.DeleteDatabase"
	n, err := normName(op, "name", name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.database(ctx, op, cat, n); err != nil {
		return err
	}
	var b meta.Batch
	b.Delete(key("db", cat, n))
	for _, kind := range []string{"tb", "tv", "pt", "cs", "ps", "fn"} {
		if err := c.deleteRange(ctx, op, &b, prefix(kind, cat, n)); err != nil {
			return err
		}
	}
	b.Delete(key("tg", cat, c.databaseARN(cat, n)))
	if err := c.deleteTagsUnder(ctx, op, &b, cat, c.tableARN(cat, n, "")); err != nil {
		return err
	}
	return c.apply(ctx, op, &b)
}

// deleteRange queues deletion of every key with prefix p.
func (c *Catalog) deleteRange(ctx context.Context, op string, b *meta.Batch, p []byte) error {
	return c.scan(ctx, op, p, upperBound(p), nil, func(k, _ []byte) (bool, error) {
		b.Delete(bytes.Clone(k))
		return true, nil
	})
}
