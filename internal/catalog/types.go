package catalog

import "time"

// The domain types below carry Glue's field names so that the stored form,
// the engine API and the wire shapes line up; times are time.Time (the
// front end renders them as epoch seconds).

// Database is a Glue database.
type Database struct {
	Name                          string                 `json:"Name"`
	Description                   string                 `json:"Description,omitempty"`
	LocationUri                   string                 `json:"LocationUri,omitempty"`
	Parameters                    map[string]string      `json:"Parameters,omitempty"`
	CreateTime                    time.Time              `json:"CreateTime,omitzero"`
	CreateTableDefaultPermissions []PrincipalPermissions `json:"CreateTableDefaultPermissions,omitempty"`
	TargetDatabase                *DatabaseIdentifier    `json:"TargetDatabase,omitempty"`
	FederatedDatabase             *FederatedDatabase     `json:"FederatedDatabase,omitempty"`
	CatalogId                     string                 `json:"CatalogId,omitempty"`
}

// DatabaseInput is what CreateDatabase and UpdateDatabase take.
type DatabaseInput struct {
	Name                          string                 `json:"Name"`
	Description                   string                 `json:"Description,omitempty"`
	LocationUri                   string                 `json:"LocationUri,omitempty"`
	Parameters                    map[string]string      `json:"Parameters,omitempty"`
	CreateTableDefaultPermissions []PrincipalPermissions `json:"CreateTableDefaultPermissions,omitempty"`
	TargetDatabase                *DatabaseIdentifier    `json:"TargetDatabase,omitempty"`
	FederatedDatabase             *FederatedDatabase     `json:"FederatedDatabase,omitempty"`
}

// PrincipalPermissions is a Lake Formation default permission grant; the
// catalog stores and returns it.
type PrincipalPermissions struct {
	Principal   *DataLakePrincipal `json:"Principal,omitempty"`
	Permissions []string           `json:"Permissions,omitempty"`
}

// DataLakePrincipal names a Lake Formation principal.
type DataLakePrincipal struct {
	DataLakePrincipalIdentifier string `json:"DataLakePrincipalIdentifier,omitempty"`
}

// DatabaseIdentifier points at a resource-link target database.
type DatabaseIdentifier struct {
	CatalogId    string `json:"CatalogId,omitempty"`
	DatabaseName string `json:"DatabaseName,omitempty"`
	Region       string `json:"Region,omitempty"`
}

// FederatedDatabase names a database in an external catalog.
type FederatedDatabase struct {
	Identifier     string `json:"Identifier,omitempty"`
	ConnectionName string `json:"ConnectionName,omitempty"`
	ConnectionType string `json:"ConnectionType,omitempty"`
}

// Column is a table or partition-key column.
type Column struct {
	Name       string            `json:"Name"`
	Type       string            `json:"Type,omitempty"`
	Comment    string            `json:"Comment,omitempty"`
	Parameters map[string]string `json:"Parameters,omitempty"`
}

// SerDeInfo names a serializer/deserializer and its parameters.
type SerDeInfo struct {
	Name                 string            `json:"Name,omitempty"`
	SerializationLibrary string            `json:"SerializationLibrary,omitempty"`
	Parameters           map[string]string `json:"Parameters,omitempty"`
}

// Order is a sort column: SortOrder 1 ascending, 0 descending.
type Order struct {
	Column    string `json:"Column"`
	SortOrder int    `json:"SortOrder"`
}

// SkewedInfo describes skewed column values.
type SkewedInfo struct {
	SkewedColumnNames             []string          `json:"SkewedColumnNames,omitempty"`
	SkewedColumnValues            []string          `json:"SkewedColumnValues,omitempty"`
	SkewedColumnValueLocationMaps map[string]string `json:"SkewedColumnValueLocationMaps,omitempty"`
}

// SchemaReference points at a schema registry version.
type SchemaReference struct {
	SchemaId            *SchemaId `json:"SchemaId,omitempty"`
	SchemaVersionId     string    `json:"SchemaVersionId,omitempty"`
	SchemaVersionNumber *int64    `json:"SchemaVersionNumber,omitempty"`
}

// SchemaId names a schema registry schema.
type SchemaId struct {
	RegistryName string `json:"RegistryName,omitempty"`
	SchemaArn    string `json:"SchemaArn,omitempty"`
	SchemaName   string `json:"SchemaName,omitempty"`
}

// StorageDescriptor is the physical layout of a table or partition.
type StorageDescriptor struct {
	Columns                []Column          `json:"Columns,omitempty"`
	Location               string            `json:"Location,omitempty"`
	AdditionalLocations    []string          `json:"AdditionalLocations,omitempty"`
	InputFormat            string            `json:"InputFormat,omitempty"`
	OutputFormat           string            `json:"OutputFormat,omitempty"`
	Compressed             bool              `json:"Compressed"`
	NumberOfBuckets        int               `json:"NumberOfBuckets"`
	SerdeInfo              *SerDeInfo        `json:"SerdeInfo,omitempty"`
	BucketColumns          []string          `json:"BucketColumns,omitempty"`
	SortColumns            []Order           `json:"SortColumns,omitempty"`
	Parameters             map[string]string `json:"Parameters,omitempty"`
	SkewedInfo             *SkewedInfo       `json:"SkewedInfo,omitempty"`
	StoredAsSubDirectories bool              `json:"StoredAsSubDirectories"`
	SchemaReference        *SchemaReference  `json:"SchemaReference,omitempty"`
}

// TableIdentifier points at a resource-link target table.
type TableIdentifier struct {
	CatalogId    string `json:"CatalogId,omitempty"`
	DatabaseName string `json:"DatabaseName,omitempty"`
	Name         string `json:"Name,omitempty"`
	Region       string `json:"Region,omitempty"`
}

// Table is a Glue table (the current version, or an archived one).
type Table struct {
	Name                          string             `json:"Name"`
	DatabaseName                  string             `json:"DatabaseName"`
	Description                   string             `json:"Description,omitempty"`
	Owner                         string             `json:"Owner,omitempty"`
	CreateTime                    time.Time          `json:"CreateTime,omitzero"`
	UpdateTime                    time.Time          `json:"UpdateTime,omitzero"`
	LastAccessTime                time.Time          `json:"LastAccessTime,omitzero"`
	LastAnalyzedTime              time.Time          `json:"LastAnalyzedTime,omitzero"`
	Retention                     int                `json:"Retention"`
	StorageDescriptor             *StorageDescriptor `json:"StorageDescriptor,omitempty"`
	PartitionKeys                 []Column           `json:"PartitionKeys,omitempty"`
	ViewOriginalText              string             `json:"ViewOriginalText,omitempty"`
	ViewExpandedText              string             `json:"ViewExpandedText,omitempty"`
	TableType                     string             `json:"TableType,omitempty"`
	Parameters                    map[string]string  `json:"Parameters,omitempty"`
	CreatedBy                     string             `json:"CreatedBy,omitempty"`
	IsRegisteredWithLakeFormation bool               `json:"IsRegisteredWithLakeFormation"`
	TargetTable                   *TableIdentifier   `json:"TargetTable,omitempty"`
	CatalogId                     string             `json:"CatalogId,omitempty"`
	VersionId                     string             `json:"VersionId,omitempty"`
}

// TableInput is what CreateTable and UpdateTable take.
type TableInput struct {
	Name              string             `json:"Name"`
	Description       string             `json:"Description,omitempty"`
	Owner             string             `json:"Owner,omitempty"`
	LastAccessTime    time.Time          `json:"LastAccessTime,omitzero"`
	LastAnalyzedTime  time.Time          `json:"LastAnalyzedTime,omitzero"`
	Retention         int                `json:"Retention"`
	StorageDescriptor *StorageDescriptor `json:"StorageDescriptor,omitempty"`
	PartitionKeys     []Column           `json:"PartitionKeys,omitempty"`
	ViewOriginalText  string             `json:"ViewOriginalText,omitempty"`
	ViewExpandedText  string             `json:"ViewExpandedText,omitempty"`
	TableType         string             `json:"TableType,omitempty"`
	Parameters        map[string]string  `json:"Parameters,omitempty"`
	TargetTable       *TableIdentifier   `json:"TargetTable,omitempty"`
}

// TableVersion is one archived version of a table.
type TableVersion struct {
	Table     Table
	VersionId string
}

// PartitionIndex is a partition index definition.
type PartitionIndex struct {
	IndexName string   `json:"IndexName"`
	Keys      []string `json:"Keys"`
}

// PartitionIndexDescriptor is an index as GetPartitionIndexes reports it.
type PartitionIndexDescriptor struct {
	IndexName   string             `json:"IndexName"`
	Keys        []KeySchemaElement `json:"Keys"`
	IndexStatus string             `json:"IndexStatus"`
}

// KeySchemaElement is one key of a partition index with its type.
type KeySchemaElement struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// Partition is one partition of a table.
type Partition struct {
	Values            []string           `json:"Values"`
	DatabaseName      string             `json:"DatabaseName"`
	TableName         string             `json:"TableName"`
	CreationTime      time.Time          `json:"CreationTime,omitzero"`
	LastAccessTime    time.Time          `json:"LastAccessTime,omitzero"`
	LastAnalyzedTime  time.Time          `json:"LastAnalyzedTime,omitzero"`
	StorageDescriptor *StorageDescriptor `json:"StorageDescriptor,omitempty"`
	Parameters        map[string]string  `json:"Parameters,omitempty"`
	CatalogId         string             `json:"CatalogId,omitempty"`
}

// PartitionInput is what the partition writes take.
type PartitionInput struct {
	Values            []string           `json:"Values"`
	LastAccessTime    time.Time          `json:"LastAccessTime,omitzero"`
	LastAnalyzedTime  time.Time          `json:"LastAnalyzedTime,omitzero"`
	StorageDescriptor *StorageDescriptor `json:"StorageDescriptor,omitempty"`
	Parameters        map[string]string  `json:"Parameters,omitempty"`
}

// PartitionError is a per-item failure of a batch partition operation.
type PartitionError struct {
	Values []string
	Code   string
	Msg    string
}

// Segment selects one of TotalSegments disjoint slices of a table's
// partitions, for parallel scans.
type Segment struct {
	SegmentNumber int
	TotalSegments int
}

// PartitionQuery is a GetPartitions request.
type PartitionQuery struct {
	Expression          string
	Segment             *Segment
	NextToken           string
	MaxResults          int
	ExcludeColumnSchema bool
}

// Page is a pagination request; MaxResults 0 means the operation default.
type Page struct {
	NextToken  string
	MaxResults int
}
