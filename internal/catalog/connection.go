package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

// Connection is a Glue connection (JDBC, Kafka, network, ...).
type Connection struct {
	Name                           string                          `json:"Name"`
	Description                    string                          `json:"Description,omitempty"`
	ConnectionType                 string                          `json:"ConnectionType"`
	MatchCriteria                  []string                        `json:"MatchCriteria,omitempty"`
	ConnectionProperties           map[string]string               `json:"ConnectionProperties,omitempty"`
	PhysicalConnectionRequirements *PhysicalConnectionRequirements `json:"PhysicalConnectionRequirements,omitempty"`
	CreationTime                   time.Time                       `json:"CreationTime,omitzero"`
	LastUpdatedTime                time.Time                       `json:"LastUpdatedTime,omitzero"`
	LastUpdatedBy                  string                          `json:"LastUpdatedBy,omitempty"`
	Status                         string                          `json:"Status,omitempty"`
}

// ConnectionInput is what CreateConnection and UpdateConnection take.
type ConnectionInput struct {
	Name                           string                          `json:"Name"`
	Description                    string                          `json:"Description,omitempty"`
	ConnectionType                 string                          `json:"ConnectionType"`
	MatchCriteria                  []string                        `json:"MatchCriteria,omitempty"`
	ConnectionProperties           map[string]string               `json:"ConnectionProperties,omitempty"`
	PhysicalConnectionRequirements *PhysicalConnectionRequirements `json:"PhysicalConnectionRequirements,omitempty"`
}

// PhysicalConnectionRequirements place a connection in a VPC.
type PhysicalConnectionRequirements struct {
	SubnetId            string   `json:"SubnetId,omitempty"`
	SecurityGroupIdList []string `json:"SecurityGroupIdList,omitempty"`
	AvailabilityZone    string   `json:"AvailabilityZone,omitempty"`
}

// ConnectionFilter narrows GetConnections.
type ConnectionFilter struct {
	MatchCriteria  []string
	ConnectionType string
}

var connectionTypes = map[string]bool{"JDBC": true, "SFTP": true, "MONGODB": true, "KAFKA": true, "NETWORK": true,
	"MARKETPLACE": true, "CUSTOM": true, "SALESFORCE": true, "VIEW_VALIDATION_REDSHIFT": true, "VIEW_VALIDATION_ATHENA": true}

func checkConnectionInput(op string, in *ConnectionInput) (string, error) {
	name, err := normName(op, "connectionInput.name", in.Name)
	if err != nil {
		return "", err
	}
	if err := checkLen(op, "connectionInput.description", in.Description, 2048); err != nil {
		return "", err
	}
	if in.ConnectionType == "" {
		return "", errInvalid(op, "ConnectionType is required.")
	}
	if !connectionTypes[in.ConnectionType] {
		return "", errInvalid(op, "Connection type %s is not supported.", in.ConnectionType)
	}
	if in.ConnectionType == "JDBC" {
		for _, k := range []string{"JDBC_CONNECTION_URL"} {
			if in.ConnectionProperties[k] == "" {
				return "", errInvalid(op, "Connection property %s is required for JDBC connections.", k)
			}
		}
	}
	if len(in.ConnectionProperties) > 100 {
		return "", errInvalid(op, "A connection can have at most 100 properties.")
	}
	return name, checkParams(op, "connectionInput.connectionProperties", in.ConnectionProperties)
}

// CreateConnection creates a connection.
func (c *Catalog) CreateConnection(ctx context.Context, cat string, in ConnectionInput) error {
	const op = "catalog.CreateConnection"
	name, err := checkConnectionInput(op, &in)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var old json.RawMessage
	if found, err := c.getJSON(ctx, op, key("cn", cat, name), &old); err != nil {
		return err
	} else if found {
		return errExists(op, fmt.Sprintf("Connection %s", name))
	}
	now := c.now0()
	conn := Connection{Name: name, Description: in.Description, ConnectionType: in.ConnectionType, MatchCriteria: in.MatchCriteria,
		ConnectionProperties: cloneMap(in.ConnectionProperties), PhysicalConnectionRequirements: in.PhysicalConnectionRequirements,
		CreationTime: now, LastUpdatedTime: now, Status: "READY"}
	var b meta.Batch
	setJSON(&b, key("cn", cat, name), &conn)
	return c.apply(ctx, op, &b)
}

func (c *Catalog) connection(ctx context.Context, op, cat, name string) (*Connection, error) {
	var conn Connection
	found, err := c.getJSON(ctx, op, key("cn", cat, name), &conn)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, gerr(op, errs.NotExist, CodeNotFound, "Connection %s not found.", name)
	}
	return &conn, nil
}

func hidePassword(conn *Connection) {
	if _, ok := conn.ConnectionProperties["PASSWORD"]; ok {
		conn.ConnectionProperties = cloneMap(conn.ConnectionProperties)
		delete(conn.ConnectionProperties, "PASSWORD")
	}
}

// GetConnection returns a connection; hidePass leaves out the password.
func (c *Catalog) GetConnection(ctx context.Context, cat, name string, hidePass bool) (Connection, error) {
	const op = "catalog.GetConnection"
	n, err := normName(op, "name", name)
	if err != nil {
		return Connection{}, err
	}
	conn, err := c.connection(ctx, op, cat, n)
	if err != nil {
		return Connection{}, err
	}
	if hidePass {
		hidePassword(conn)
	}
	return *conn, nil
}

// GetConnections lists connections in name order.
func (c *Catalog) GetConnections(ctx context.Context, cat string, f ConnectionFilter, hidePass bool, p Page) ([]Connection, string, error) {
	const op = "catalog.GetConnections"
	n, err := pageSize(op, p.MaxResults, 100, 1000)
	if err != nil {
		return nil, "", err
	}
	lower := prefix("cn", cat)
	upper := upperBound(lower)
	start, err := tokenKey(op, p.NextToken, lower, upper)
	if err != nil {
		return nil, "", err
	}
	var out []Connection
	next, err := c.page(ctx, op, lower, upper, start, n, func(_, v []byte) (bool, error) {
		var conn Connection
		if err := json.Unmarshal(v, &conn); err != nil {
			return false, errIO(op, err)
		}
		if f.ConnectionType != "" && conn.ConnectionType != f.ConnectionType {
			return false, nil
		}
		for _, m := range f.MatchCriteria {
			found := false
			for _, x := range conn.MatchCriteria {
				found = found || x == m
			}
			if !found {
				return false, nil
			}
		}
		if hidePass {
			hidePassword(&conn)
		}
		out = append(out, conn)
		return true, nil
	})
	return out, next, err
}

// UpdateConnection replaces a connection's definition; in.Name may rename it.
func (c *Catalog) UpdateConnection(ctx context.Context, cat, name string, in ConnectionInput) error {
	const op = "catalog.UpdateConnection"
	n, err := normName(op, "name", name)
	if err != nil {
		return err
	}
	newName, err := checkConnectionInput(op, &in)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old, err := c.connection(ctx, op, cat, n)
	if err != nil {
		return err
	}
	var b meta.Batch
	if newName != n {
		var x json.RawMessage
		if found, err := c.getJSON(ctx, op, key("cn", cat, newName), &x); err != nil {
			return err
		} else if found {
			return errExists(op, fmt.Sprintf("Connection %s", newName))
		}
		b.Delete(key("cn", cat, n))
		b.Delete(key("tg", cat, c.connectionARN(cat, n)))
	}
	conn := Connection{Name: newName, Description: in.Description, ConnectionType: in.ConnectionType, MatchCriteria: in.MatchCriteria,
		ConnectionProperties: cloneMap(in.ConnectionProperties), PhysicalConnectionRequirements: in.PhysicalConnectionRequirements,
		CreationTime: old.CreationTime, LastUpdatedTime: c.now0(), Status: old.Status}
	setJSON(&b, key("cn", cat, newName), &conn)
	return c.apply(ctx, op, &b)
}

// DeleteConnection removes a connection.
func (c *Catalog) DeleteConnection(ctx context.Context, cat, name string) error {
	const op = "catalog.DeleteConnection"
	bad, err := c.deleteConnections(ctx, op, cat, []string{name}, 1)
	if err == nil && len(bad) > 0 {
		return gerr(op, kindOfCode(bad[0].Code), bad[0].Code, "%s", bad[0].Msg)
	}
	return err
}

// BatchDeleteConnection removes up to 25 connections; it returns the
// names deleted and the per-name errors.
func (c *Catalog) BatchDeleteConnection(ctx context.Context, cat string, names []string) ([]string, []TableError, error) {
	const op = "catalog.BatchDeleteConnection"
	bad, err := c.deleteConnections(ctx, op, cat, names, 25)
	if err != nil {
		return nil, nil, err
	}
	failed := map[string]bool{}
	for _, e := range bad {
		failed[e.TableName] = true
	}
	var ok []string
	for _, n := range names {
		if !failed[n] {
			ok = append(ok, n)
		}
	}
	return ok, bad, nil
}

func (c *Catalog) deleteConnections(ctx context.Context, op, cat string, names []string, max int) ([]TableError, error) {
	if len(names) == 0 || len(names) > max {
		return nil, errInvalid(op, "1 validation error detected: Value at 'connectionNameList' failed to satisfy constraint: Member must have length between 0 and %d", max)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var b meta.Batch
	var bad []TableError
	for _, name := range names {
		n, err := normName(op, "connectionName", name)
		if err == nil {
			_, err = c.connection(ctx, op, cat, n)
		}
		if err != nil {
			if k := errs.KindOf(err); k == errs.IO || k == errs.Corrupt {
				return nil, err
			}
			bad = append(bad, itemError(name, "", err))
			continue
		}
		b.Delete(key("cn", cat, n))
		b.Delete(key("tg", cat, c.connectionARN(cat, n)))
	}
	return bad, c.apply(ctx, op, &b)
}
