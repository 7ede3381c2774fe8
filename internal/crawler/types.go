package crawler

import "time"

// The domain types carry Glue's field names so that the stored form, the
// engine API and the wire shapes line up; times are time.Time (the front
// end renders them as epoch seconds).

// Crawler states, schedule states, last-crawl statuses and run states.
const (
	StateReady    = "READY"
	StateRunning  = "RUNNING"
	StateStopping = "STOPPING"

	ScheduleScheduled    = "SCHEDULED"
	ScheduleNotScheduled = "NOT_SCHEDULED"

	CrawlSucceeded = "SUCCEEDED"
	CrawlCancelled = "CANCELLED"
	CrawlFailed    = "FAILED"

	RunRunning   = "RUNNING"
	RunCompleted = "COMPLETED"
	RunFailed    = "FAILED"
	RunStopped   = "STOPPED"
)

// Schema change and recrawl behaviours.
const (
	UpdateInDatabase     = "UPDATE_IN_DATABASE"
	UpdateLog            = "LOG"
	DeprecateInDatabase  = "DEPRECATE_IN_DATABASE"
	DeleteFromDatabase   = "DELETE_FROM_DATABASE"
	DeleteLog            = "LOG"
	CrawlEverything      = "CRAWL_EVERYTHING"
	CrawlNewFoldersOnly  = "CRAWL_NEW_FOLDERS_ONLY"
	CrawlEventMode       = "CRAWL_EVENT_MODE"
	paramUpdatedBy       = "UPDATED_BY_CRAWLER"
	paramDeprecatedBy    = "DEPRECATED_BY_CRAWLER"
	crawlerSchemaVersion = "1.0"
)

// S3Target is one include path of a crawler.
type S3Target struct {
	Path             string   `json:"Path,omitempty"`
	Exclusions       []string `json:"Exclusions,omitempty"`
	ConnectionName   string   `json:"ConnectionName,omitempty"`
	SampleSize       *int     `json:"SampleSize,omitempty"`
	EventQueueArn    string   `json:"EventQueueArn,omitempty"`
	DlqEventQueueArn string   `json:"DlqEventQueueArn,omitempty"`
}

// JdbcTarget is a JDBC include path: a connection and
// database/schema/table, where schema and table may be % wildcards
// (jdbc.go). Only PostgreSQL connections are crawled.
type JdbcTarget struct {
	ConnectionName           string   `json:"ConnectionName,omitempty"`
	Path                     string   `json:"Path,omitempty"`
	Exclusions               []string `json:"Exclusions,omitempty"`
	EnableAdditionalMetadata []string `json:"EnableAdditionalMetadata,omitempty"`
}

// CatalogTarget re-crawls the S3 locations of existing catalog tables.
type CatalogTarget struct {
	DatabaseName   string   `json:"DatabaseName"`
	Tables         []string `json:"Tables"`
	ConnectionName string   `json:"ConnectionName,omitempty"`
	EventQueueArn  string   `json:"EventQueueArn,omitempty"`
}

// Targets are what a crawler crawls.
type Targets struct {
	S3Targets      []S3Target      `json:"S3Targets,omitempty"`
	JdbcTargets    []JdbcTarget    `json:"JdbcTargets,omitempty"`
	CatalogTargets []CatalogTarget `json:"CatalogTargets,omitempty"`
}

// SchemaChangePolicy says what a crawl does to changed and vanished tables.
type SchemaChangePolicy struct {
	UpdateBehavior string `json:"UpdateBehavior,omitempty"`
	DeleteBehavior string `json:"DeleteBehavior,omitempty"`
}

// RecrawlPolicy says whether a crawl revisits folders crawled before.
type RecrawlPolicy struct {
	RecrawlBehavior string `json:"RecrawlBehavior,omitempty"`
}

// LineageConfiguration is stored and returned.
type LineageConfiguration struct {
	CrawlerLineageSettings string `json:"CrawlerLineageSettings,omitempty"`
}

// LakeFormationConfiguration is stored and returned.
type LakeFormationConfiguration struct {
	UseLakeFormationCredentials *bool  `json:"UseLakeFormationCredentials,omitempty"`
	AccountId                   string `json:"AccountId,omitempty"`
}

// Schedule is a crawler's cron schedule.
type Schedule struct {
	ScheduleExpression string `json:"ScheduleExpression,omitempty"`
	State              string `json:"State,omitempty"`
}

// LastCrawl is the outcome of a crawler's latest run.
type LastCrawl struct {
	Status        string    `json:"Status,omitempty"`
	ErrorMessage  string    `json:"ErrorMessage,omitempty"`
	LogGroup      string    `json:"LogGroup,omitempty"`
	LogStream     string    `json:"LogStream,omitempty"`
	MessagePrefix string    `json:"MessagePrefix,omitempty"`
	StartTime     time.Time `json:"StartTime,omitzero"`
}

// Crawler is a crawler definition with its state.
type Crawler struct {
	Name                         string                      `json:"Name"`
	Role                         string                      `json:"Role,omitempty"`
	Targets                      Targets                     `json:"Targets"`
	DatabaseName                 string                      `json:"DatabaseName,omitempty"`
	Description                  string                      `json:"Description,omitempty"`
	Classifiers                  []string                    `json:"Classifiers"`
	RecrawlPolicy                RecrawlPolicy               `json:"RecrawlPolicy"`
	SchemaChangePolicy           SchemaChangePolicy          `json:"SchemaChangePolicy"`
	LineageConfiguration         LineageConfiguration        `json:"LineageConfiguration"`
	State                        string                      `json:"State"`
	TablePrefix                  string                      `json:"TablePrefix,omitempty"`
	Schedule                     *Schedule                   `json:"Schedule,omitempty"`
	CrawlElapsedTime             int64                       `json:"CrawlElapsedTime"`
	CreationTime                 time.Time                   `json:"CreationTime,omitzero"`
	LastUpdated                  time.Time                   `json:"LastUpdated,omitzero"`
	LastCrawl                    *LastCrawl                  `json:"LastCrawl,omitempty"`
	Version                      int64                       `json:"Version"`
	Configuration                string                      `json:"Configuration,omitempty"`
	CrawlerSecurityConfiguration string                      `json:"CrawlerSecurityConfiguration,omitempty"`
	LakeFormationConfiguration   *LakeFormationConfiguration `json:"LakeFormationConfiguration,omitempty"`
	Tags                         map[string]string           `json:"-"`
}

// CrawlerInput is what CreateCrawler and UpdateCrawler take. Nil pointers
// and nil slices leave a field unchanged on update.
type CrawlerInput struct {
	Name                         string
	Role                         *string
	DatabaseName                 *string
	Description                  *string
	Targets                      *Targets
	Schedule                     *string
	Classifiers                  []string
	TablePrefix                  *string
	SchemaChangePolicy           *SchemaChangePolicy
	RecrawlPolicy                *RecrawlPolicy
	LineageConfiguration         *LineageConfiguration
	LakeFormationConfiguration   *LakeFormationConfiguration
	Configuration                *string
	CrawlerSecurityConfiguration *string
	Tags                         map[string]string
}

// CrawlerMetrics are GetCrawlerMetrics' figures for one crawler.
type CrawlerMetrics struct {
	CrawlerName          string  `json:"CrawlerName"`
	TimeLeftSeconds      float64 `json:"TimeLeftSeconds"`
	StillEstimating      bool    `json:"StillEstimating"`
	LastRuntimeSeconds   float64 `json:"LastRuntimeSeconds"`
	MedianRuntimeSeconds float64 `json:"MedianRuntimeSeconds"`
	TablesCreated        int     `json:"TablesCreated"`
	TablesUpdated        int     `json:"TablesUpdated"`
	TablesDeleted        int     `json:"TablesDeleted"`
}

// CrawlHistory is one run of a crawler (ListCrawls).
type CrawlHistory struct {
	CrawlId       string    `json:"CrawlId"`
	State         string    `json:"State"`
	StartTime     time.Time `json:"StartTime,omitzero"`
	EndTime       time.Time `json:"EndTime,omitzero"`
	Summary       string    `json:"Summary,omitempty"`
	ErrorMessage  string    `json:"ErrorMessage,omitempty"`
	LogGroup      string    `json:"LogGroup,omitempty"`
	LogStream     string    `json:"LogStream,omitempty"`
	MessagePrefix string    `json:"MessagePrefix,omitempty"`
	DPUHour       float64   `json:"DPUHour"`
	// Counts of the run (also in Summary).
	TablesCreated int `json:"tablesCreated,omitempty"`
	TablesUpdated int `json:"tablesUpdated,omitempty"`
	TablesDeleted int `json:"tablesDeleted,omitempty"`
}

// CrawlsFilter is one ListCrawls filter.
type CrawlsFilter struct {
	FieldName      string
	FilterOperator string
	FieldValue     string
}

// Custom classifier definitions, as Glue names them.

// GrokClassifier classifies log lines by a grok pattern.
type GrokClassifier struct {
	Name           string    `json:"Name"`
	Classification string    `json:"Classification"`
	CreationTime   time.Time `json:"CreationTime,omitzero"`
	LastUpdated    time.Time `json:"LastUpdated,omitzero"`
	Version        int64     `json:"Version"`
	GrokPattern    string    `json:"GrokPattern"`
	CustomPatterns string    `json:"CustomPatterns,omitempty"`
}

// XMLClassifier classifies XML by a row tag.
type XMLClassifier struct {
	Name           string    `json:"Name"`
	Classification string    `json:"Classification"`
	CreationTime   time.Time `json:"CreationTime,omitzero"`
	LastUpdated    time.Time `json:"LastUpdated,omitzero"`
	Version        int64     `json:"Version"`
	RowTag         string    `json:"RowTag,omitempty"`
}

// JsonClassifier classifies JSON whose records a JsonPath selects.
type JsonClassifier struct {
	Name         string    `json:"Name"`
	CreationTime time.Time `json:"CreationTime,omitzero"`
	LastUpdated  time.Time `json:"LastUpdated,omitzero"`
	Version      int64     `json:"Version"`
	JsonPath     string    `json:"JsonPath"`
}

// CsvClassifier classifies delimited text with given options.
type CsvClassifier struct {
	Name                     string    `json:"Name"`
	CreationTime             time.Time `json:"CreationTime,omitzero"`
	LastUpdated              time.Time `json:"LastUpdated,omitzero"`
	Version                  int64     `json:"Version"`
	Delimiter                string    `json:"Delimiter,omitempty"`
	QuoteSymbol              string    `json:"QuoteSymbol,omitempty"`
	ContainsHeader           string    `json:"ContainsHeader,omitempty"`
	Header                   []string  `json:"Header,omitempty"`
	DisableValueTrimming     *bool     `json:"DisableValueTrimming,omitempty"`
	AllowSingleColumn        *bool     `json:"AllowSingleColumn,omitempty"`
	CustomDatatypeConfigured *bool     `json:"CustomDatatypeConfigured,omitempty"`
	CustomDatatypes          []string  `json:"CustomDatatypes,omitempty"`
	Serde                    string    `json:"Serde,omitempty"`
}

// ClassifierDef is a stored custom classifier: exactly one member is set.
type ClassifierDef struct {
	GrokClassifier *GrokClassifier `json:"GrokClassifier,omitempty"`
	XMLClassifier  *XMLClassifier  `json:"XMLClassifier,omitempty"`
	JsonClassifier *JsonClassifier `json:"JsonClassifier,omitempty"`
	CsvClassifier  *CsvClassifier  `json:"CsvClassifier,omitempty"`
}

// Page is a pagination request; MaxResults 0 means the operation default.
type Page struct {
	NextToken  string
	MaxResults int
}
