package crawler

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Config is a crawler's Configuration JSON (Version 1.0).
type Config struct {
	Version       float64 `json:"Version"`
	CrawlerOutput struct {
		Partitions struct {
			AddOrUpdateBehavior string `json:"AddOrUpdateBehavior"`
		} `json:"Partitions"`
		Tables struct {
			AddOrUpdateBehavior string `json:"AddOrUpdateBehavior"`
			TableThreshold      *int   `json:"TableThreshold"`
		} `json:"Tables"`
	} `json:"CrawlerOutput"`
	Grouping struct {
		TableGroupingPolicy     string `json:"TableGroupingPolicy"`
		TableLevelConfiguration int    `json:"TableLevelConfiguration"`
	} `json:"Grouping"`
	CreatePartitionIndex *bool `json:"CreatePartitionIndex"`
}

// InheritFromTable, MergeNewColumns and CombineCompatibleSchemas are the
// documented values of the configuration's behaviour fields.
const (
	InheritFromTable         = "InheritFromTable"
	MergeNewColumns          = "MergeNewColumns"
	CombineCompatibleSchemas = "CombineCompatibleSchemas"
)

// ParseConfig parses and checks a crawler Configuration; "" is the
// default configuration.
func ParseConfig(s string) (*Config, error) {
	c := &Config{Version: 1}
	if s == "" {
		return c, nil
	}
	if len(s) > 128*1024 {
		return nil, fmt.Errorf("Configuration is longer than 131072 characters")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("Crawler configuration not valid: %v", err)
	}
	if c.Version != 1 {
		return nil, fmt.Errorf("Crawler configuration not valid: Version %v is not supported (want 1.0)", c.Version)
	}
	if b := c.CrawlerOutput.Partitions.AddOrUpdateBehavior; b != "" && b != InheritFromTable {
		return nil, fmt.Errorf("Crawler configuration not valid: Partitions.AddOrUpdateBehavior %q (want %s)", b, InheritFromTable)
	}
	if b := c.CrawlerOutput.Tables.AddOrUpdateBehavior; b != "" && b != MergeNewColumns {
		return nil, fmt.Errorf("Crawler configuration not valid: Tables.AddOrUpdateBehavior %q (want %s)", b, MergeNewColumns)
	}
	if t := c.CrawlerOutput.Tables.TableThreshold; t != nil && *t <= 0 {
		return nil, fmt.Errorf("Crawler configuration not valid: TableThreshold must be a positive integer")
	}
	if p := c.Grouping.TableGroupingPolicy; p != "" && p != CombineCompatibleSchemas {
		return nil, fmt.Errorf("Crawler configuration not valid: TableGroupingPolicy %q (want %s)", p, CombineCompatibleSchemas)
	}
	if c.Grouping.TableLevelConfiguration < 0 {
		return nil, fmt.Errorf("Crawler configuration not valid: TableLevelConfiguration must be a positive integer")
	}
	return c, nil
}

func (c *Config) partitionIndex() bool {
	return c.CreatePartitionIndex == nil || *c.CreatePartitionIndex
}
