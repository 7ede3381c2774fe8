package kms

import (
	"io"
	"log/slog"
	"time"
)

// KeyState is a key's lifecycle state.
type KeyState string

// Key states tarn implements.
const (
	Enabled         KeyState = "Enabled"
	Disabled        KeyState = "Disabled"
	PendingDeletion KeyState = "PendingDeletion"
)

// Key managers: customer keys are created by CreateKey; AWS managed keys are
// created on first use of an alias/aws/SERVICE name and cannot be changed.
const (
	ManagerCustomer = "CUSTOMER"
	ManagerAWS      = "AWS"
)

// Rotation types reported by ListKeyRotations.
const (
	RotationAutomatic = "AUTOMATIC"
	RotationOnDemand  = "ON_DEMAND"
)

// Limits, as AWS documents them.
const (
	MinPendingWindowDays     = 7
	MaxPendingWindowDays     = 30
	MinRotationPeriodDays    = 90
	MaxRotationPeriodDays    = 2560
	DefaultRotationDays      = 365
	MaxOnDemandRotations     = 10
	MaxPlaintext             = 4096
	MaxDataKeyBytes          = 1024
	MaxRandomBytes           = 1024
	MaxTags                  = 50
	MaxDescription           = 8192
	MaxAliasName             = 256
	awsManagedRotationPeriod = 365
)

// StaticKey pre-defines a key with a fixed id and fixed material (for test
// suites and migrations).
type StaticKey struct {
	ID       string
	Material []byte // 32 bytes
}

// Options configure the engine.
type Options struct {
	// Region names the region in ARNs.
	Region string
	// RootKey is the base64 root key (TARN_KMS_ROOT_KEY); it wins over
	// RootKeyFile.
	RootKey string
	// RootKeyFile is a file holding the base64 (or raw 32-byte) root key.
	RootKeyFile string
	// DataDir is where a generated root key is kept (kms-root.key, 0600)
	// when neither RootKey nor RootKeyFile is set.
	DataDir string
	// StaticKeys are created in StaticAccount at Open when absent.
	StaticKeys    []StaticKey
	StaticAccount string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Rand is the randomness source; crypto/rand when nil.
	Rand   io.Reader
	Logger *slog.Logger
}

// Tag is a key tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// KeyMetadata describes a key, as DescribeKey returns it.
type KeyMetadata struct {
	AccountID         string
	KeyID             string
	ARN               string
	Description       string
	State             KeyState
	Enabled           bool
	Created           time.Time
	DeletionDate      time.Time // zero unless PendingDeletion
	PendingWindowDays int       // set while PendingDeletion
	KeyManager        string
	// CurrentVersion is the version new encryptions use (1 before any
	// rotation).
	CurrentVersion uint32
}

// KeyListEntry is one ListKeys row.
type KeyListEntry struct {
	KeyID, ARN string
}

// Alias is one alias.
type Alias struct {
	Name        string // alias/NAME
	ARN         string
	TargetKeyID string
	Created     time.Time
	Updated     time.Time
}

// RotationStatus is GetKeyRotationStatus's answer.
type RotationStatus struct {
	KeyARN          string
	Enabled         bool
	PeriodDays      int       // set when Enabled
	NextRotation    time.Time // set when Enabled
	OnDemandStarted time.Time // the last on-demand rotation, if any
}

// Rotation is one completed rotation (ListKeyRotations).
type Rotation struct {
	KeyID   string
	Date    time.Time
	Type    string // RotationAutomatic or RotationOnDemand
	Version uint32
}

// Page bounds a listing: Limit rows after Marker.
type Page struct {
	Limit  int
	Marker string
}

// CreateKeyInput is CreateKey's request.
type CreateKeyInput struct {
	Description string
	Tags        []Tag
	Policy      string
}

// DataKey is a generated data key.
type DataKey struct {
	Plaintext []byte // nil from GenerateDataKeyWithoutPlaintext
	Blob      []byte
	KeyARN    string
}
