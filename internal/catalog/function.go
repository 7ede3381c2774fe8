package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// UserDefinedFunction is a Hive UDF registered in a database.
type UserDefinedFunction struct {
	FunctionName string        `json:"FunctionName"`
	DatabaseName string        `json:"DatabaseName"`
	ClassName    string        `json:"ClassName,omitempty"`
	OwnerName    string        `json:"OwnerName,omitempty"`
	OwnerType    string        `json:"OwnerType,omitempty"`
	FunctionType string        `json:"FunctionType,omitempty"`
	CreateTime   time.Time     `json:"CreateTime,omitzero"`
	ResourceUris []ResourceUri `json:"ResourceUris,omitempty"`
	CatalogId    string        `json:"CatalogId,omitempty"`
}

// UserDefinedFunctionInput is what the UDF writes take.
type UserDefinedFunctionInput struct {
	FunctionName string        `json:"FunctionName"`
	ClassName    string        `json:"ClassName,omitempty"`
	OwnerName    string        `json:"OwnerName,omitempty"`
	OwnerType    string        `json:"OwnerType,omitempty"`
	FunctionType string        `json:"FunctionType,omitempty"`
	ResourceUris []ResourceUri `json:"ResourceUris,omitempty"`
}

// ResourceUri is a JAR, FILE or ARCHIVE a function needs.
type ResourceUri struct {
	ResourceType string `json:"ResourceType,omitempty"`
	Uri          string `json:"Uri,omitempty"`
}

func checkFunctionInput(op string, in *UserDefinedFunctionInput) (string, error) {
	name, err := normName(op, "functionInput.functionName", in.FunctionName)
	if err != nil {
		return "", err
	}
	if in.OwnerType != "" && in.OwnerType != "USER" && in.OwnerType != "ROLE" && in.OwnerType != "GROUP" {
		return "", errInvalid(op, "1 validation error detected: Value '%s' at 'functionInput.ownerType' failed to satisfy constraint: Member must satisfy enum value set: [USER, ROLE, GROUP]", in.OwnerType)
	}
	switch in.FunctionType {
	case "", "REGULAR_FUNCTION", "AGGREGATE_FUNCTION", "STORED_PROCEDURE":
	default:
		return "", errInvalid(op, "1 validation error detected: Value '%s' at 'functionInput.functionType' failed to satisfy constraint: Member must satisfy enum value set: [REGULAR_FUNCTION, AGGREGATE_FUNCTION, STORED_PROCEDURE]", in.FunctionType)
	}
	if len(in.ResourceUris) > 1000 {
		return "", errInvalid(op, "A function can have at most 1000 resource URIs.")
	}
	for _, r := range in.ResourceUris {
		switch r.ResourceType {
		case "JAR", "FILE", "ARCHIVE":
		default:
			return "", errInvalid(op, "1 validation error detected: Value '%s' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [JAR, FILE, ARCHIVE]", r.ResourceType)
		}
	}
	return name, checkLen(op, "functionInput.className", in.ClassName, 255)
}

func (c *Catalog) function(ctx context.Context, op, cat, d, n string) (*UserDefinedFunction, error) {
	var f UserDefinedFunction
	found, err := c.getJSON(ctx, op, key("fn", cat, d, n), &f)
	if err != nil {
		return nil, err
	}
	if !found {
		if _, err := c.database(ctx, op, cat, d); err != nil {
			return nil, err
		}
		return nil, gerr(op, errs.NotExist, CodeNotFound, "Function %s not found.", n)
	}
	return &f, nil
}

// CreateUserDefinedFunction registers a function in db.
func (c *Catalog) CreateUserDefinedFunction(ctx context.Context, cat, db string, in UserDefinedFunctionInput) error {
	const op = "catalog.CreateUserDefinedFunction"
	d, err := normName(op, "databaseName", db)
	if err != nil {
		return err
	}
	n, err := checkFunctionInput(op, &in)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.database(ctx, op, cat, d); err != nil {
		return err
	}
	var old json.RawMessage
	if found, err := c.getJSON(ctx, op, key("fn", cat, d, n), &old); err != nil {
		return err
	} else if found {
		return errExists(op, fmt.Sprintf("Function %s", n))
	}
	f := udfFromInput(in, n, d, cat)
	f.CreateTime = c.now0()
	var b meta.Batch
	setJSON(&b, key("fn", cat, d, n), &f)
	return c.apply(ctx, op, &b)
}

func udfFromInput(in UserDefinedFunctionInput, n, d, cat string) UserDefinedFunction {
	return UserDefinedFunction{FunctionName: n, DatabaseName: d, ClassName: in.ClassName, OwnerName: in.OwnerName,
		OwnerType: in.OwnerType, FunctionType: in.FunctionType, ResourceUris: in.ResourceUris, CatalogId: cat}
}

// GetUserDefinedFunction returns one function.
func (c *Catalog) GetUserDefinedFunction(ctx context.Context, cat, db, name string) (UserDefinedFunction, error) {
	const op = "catalog.GetUserDefinedFunction"
	d, n, err := names(op, db, name)
	if err != nil {
		return UserDefinedFunction{}, err
	}
	f, err := c.function(ctx, op, cat, d, n)
	if err != nil {
		return UserDefinedFunction{}, err
	}
	return *f, nil
}

// GetUserDefinedFunctions lists the functions matching pattern (a name
// pattern as in GetTables) in db, or in every database when db is "".
func (c *Catalog) GetUserDefinedFunctions(ctx context.Context, cat, db, pattern string, p Page) ([]UserDefinedFunction, string, error) {
	const op = "catalog.GetUserDefinedFunctions"
	match, err := NamePattern(pattern)
	if err != nil {
		return nil, "", errInvalid(op, "Invalid function name pattern %q: %v.", pattern, err)
	}
	n, err := pageSize(op, p.MaxResults, 100, 100)
	if err != nil {
		return nil, "", err
	}
	lower := prefix("fn", cat)
	if db != "" {
		d, err := normName(op, "databaseName", db)
		if err != nil {
			return nil, "", err
		}
		if _, err := c.database(ctx, op, cat, d); err != nil {
			return nil, "", err
		}
		lower = prefix("fn", cat, d)
	}
	upper := upperBound(lower)
	start, err := tokenKey(op, p.NextToken, lower, upper)
	if err != nil {
		return nil, "", err
	}
	var out []UserDefinedFunction
	next, err := c.page(ctx, op, lower, upper, start, n, func(_, v []byte) (bool, error) {
		var f UserDefinedFunction
		if err := json.Unmarshal(v, &f); err != nil {
			return false, errIO(op, err)
		}
		if !match(f.FunctionName) {
			return false, nil
		}
		out = append(out, f)
		return true, nil
	})
	return out, next, err
}

// UpdateUserDefinedFunction replaces a function; in.FunctionName may
// rename it.
func (c *Catalog) UpdateUserDefinedFunction(ctx context.Context, cat, db, name string, in UserDefinedFunctionInput) error {
	const op = "catalog.UpdateUserDefinedFunction"
	d, n, err := names(op, db, name)
	if err != nil {
		return err
	}
	newName, err := checkFunctionInput(op, &in)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old, err := c.function(ctx, op, cat, d, n)
	if err != nil {
		return err
	}
	var b meta.Batch
	if newName != n {
		var x json.RawMessage
		if found, err := c.getJSON(ctx, op, key("fn", cat, d, newName), &x); err != nil {
			return err
		} else if found {
			return errExists(op, fmt.Sprintf("Function %s", newName))
		}
		b.Delete(key("fn", cat, d, n))
	}
	f := udfFromInput(in, newName, d, cat)
	f.CreateTime = old.CreateTime
	setJSON(&b, key("fn", cat, d, newName), &f)
	return c.apply(ctx, op, &b)
}

// DeleteUserDefinedFunction removes a function.
func (c *Catalog) DeleteUserDefinedFunction(ctx context.Context, cat, db, name string) error {
	const op = "catalog.DeleteUserDefinedFunction"
	d, n, err := names(op, db, name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.function(ctx, op, cat, d, n); err != nil {
		return err
	}
	var b meta.Batch
	b.Delete(key("fn", cat, d, n))
	b.Delete(key("tg", cat, c.functionARN(cat, d, n)))
	return c.apply(ctx, op, &b)
}
