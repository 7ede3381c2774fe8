// Package objstore is tarn's S3 engine: buckets, objects, multipart uploads,
// tagging and CORS configuration, on a metadata store (meta.Store) and a
// blob store (blob.Store). It knows nothing of HTTP or XML: the s3api front
// end translates the wire protocol into calls on *Store.
//
// Durability: every mutating call returns only after its bytes and its
// metadata are on stable storage. Object bytes are written to a blob (or,
// when small, inlined into the metadata record) and committed before the
// metadata batch that makes them visible, so a crash never exposes a torn
// object; blobs orphaned by a crash are collected at start.
package objstore

import (
	"io"
	"time"

	"github.com/tarnhq/tarn/internal/sse"
)

// Limits that S3 enforces.
const (
	MaxKeyLength        = 1024
	MaxUserMetaSize     = 2 << 10 // user metadata keys + values
	MaxObjectTags       = 10
	MaxBucketTags       = 50
	MaxPutSize          = 5 << 30 // single PUT
	MaxPartSize         = 5 << 30
	MinPartSize         = 5 << 20 // all parts but the last
	MaxParts            = 10000
	MaxObjectSize       = 5 << 40
	MaxDeleteObjects    = 1000
	MaxListKeys         = 1000
	DefaultStorageClass = "STANDARD"
)

// Bucket is a bucket's record.
type Bucket struct {
	Name    string     `json:"name"`
	Owner   string     `json:"owner"` // account id
	Created time.Time  `json:"created"`
	Region  string     `json:"region"`
	Tags    []Tag      `json:"tags,omitempty"`
	CORS    []CORSRule `json:"cors,omitempty"`
	HasCORS bool       `json:"has_cors,omitempty"`
	// Encryption is the default encryption rule; nil uses the server's.
	Encryption *BucketEncryption `json:"sse,omitempty"`
	// Versioning is "" (never configured), VersioningEnabled or
	// VersioningSuspended. Once set it never returns to "".
	Versioning string `json:"ver,omitempty"`
	// ObjectLock is set when Object Lock is enabled (it cannot be turned
	// off); it holds the default retention, if any.
	ObjectLock *ObjectLockConfig `json:"lock,omitempty"`
	// Lifecycle is the lifecycle configuration, if any.
	Lifecycle *LifecycleConfig `json:"lc,omitempty"`
	// ITiering holds the Intelligent-Tiering configurations by id.
	ITiering []ITieringConfig `json:"itc,omitempty"`
}

// Bucket versioning states, as S3 names them.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// NullVersion is the version id S3 shows for the null version.
const NullVersion = "null"

// Tag is a key/value tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// CORSRule is one rule of a bucket's CORS configuration.
type CORSRule struct {
	ID             string   `json:"id,omitempty"`
	AllowedOrigins []string `json:"origins"`
	AllowedMethods []string `json:"methods"`
	AllowedHeaders []string `json:"headers,omitempty"`
	ExposeHeaders  []string `json:"expose,omitempty"`
	MaxAgeSeconds  *int     `json:"max_age,omitempty"`
}

// Headers are the standard HTTP headers S3 stores with an object.
type Headers struct {
	ContentType        string `json:"ct,omitempty"`
	ContentEncoding    string `json:"ce,omitempty"`
	ContentDisposition string `json:"cd,omitempty"`
	ContentLanguage    string `json:"cl,omitempty"`
	CacheControl       string `json:"cc,omitempty"`
	Expires            string `json:"ex,omitempty"`
}

// Checksum is an object's additional checksum.
type Checksum struct {
	Algorithm string `json:"alg"`            // CRC32, CRC32C, CRC64NVME, SHA1, SHA256
	Value     string `json:"val"`            // base64, with "-N" for composite
	Type      string `json:"type,omitempty"` // COMPOSITE or FULL_OBJECT
}

// Segment is a run of an object's bytes held in one blob (or inline).
type Segment struct {
	BlobID string `json:"blob,omitempty"` // "" = inline data of the record
	Size   int64  `json:"size"`
	// Part-level metadata, for multipart objects (GET ?partNumber, checksums).
	ETag     string `json:"etag,omitempty"`
	Checksum string `json:"sum,omitempty"`
	// Part is the part number whose derived key encrypts this segment
	// (0 for a simple object), when the object is encrypted.
	Part int `json:"part,omitempty"`
}

// Object is the record of one version of a key: an object or, when
// DeleteMarker is set, a delete marker (no data, no headers).
type Object struct {
	Bucket string `json:"-"`
	Key    string `json:"-"`
	// VersionID is the version's id; "" is the null version (every object
	// of a bucket that never had versioning, and versions written while it
	// was suspended).
	VersionID string `json:"vid,omitempty"`
	// Seq orders a key's versions: a unique, increasing stamp (Unix ns,
	// bumped past the key's newest). 0 in records written before
	// versioning existed: LastModified stands in.
	Seq          int64 `json:"seq,omitempty"`
	DeleteMarker bool  `json:"dm,omitempty"`
	// NoncurrentSince is when a newer version replaced this one (for
	// lifecycle's NoncurrentDays); nil while it is the current version.
	NoncurrentSince *time.Time `json:"ncs,omitempty"`
	// Object Lock state of this version: retention mode (LockGovernance or
	// LockCompliance) and date, and legal hold ("ON", "OFF", or "" if
	// never set).
	LockMode  string     `json:"lm,omitempty"`
	LockUntil *time.Time `json:"lu,omitempty"`
	LegalHold string     `json:"lh,omitempty"`
	// Versioned is set on records returned by the engine when the bucket
	// has a versioning state: S3 then reports version ids ("null"
	// included) in responses.
	Versioned bool `json:"-"`
	// IsLatest is set by ListObjectVersions.
	IsLatest bool `json:"-"`
	// CopySourceVersion is set on the result of a copy: the version of
	// the source that was read.
	CopySourceVersion string            `json:"-"`
	Size              int64             `json:"size"`
	ETag              string            `json:"etag"` // without quotes
	LastModified      time.Time         `json:"mtime"`
	Headers           Headers           `json:"hdr"`
	UserMeta          map[string]string `json:"meta,omitempty"` // lower-case names, without x-amz-meta-
	Tags              []Tag             `json:"tags,omitempty"`
	Checksum          *Checksum         `json:"sum,omitempty"`
	StorageClass      string            `json:"class,omitempty"`
	// ClassSince is when a tier move put the version in its storage class
	// (nil: since LastModified), for minimum storage durations.
	ClassSince *time.Time `json:"cs,omitempty"`
	Owner      string     `json:"owner"`
	// Segments hold the data: one for a simple object, one per part for a
	// multipart object. A single inline segment means the bytes follow the
	// record in the metadata store.
	Segments  []Segment `json:"segs"`
	PartCount int       `json:"parts,omitempty"` // >0 for multipart objects
	CRC       uint32    `json:"crc,omitempty"`   // CRC32C of inline data (as stored)
	// Encryption is set when the bytes are encrypted at rest.
	Encryption *Encryption `json:"sse,omitempty"`
	// Restore is the state of a restore of an archived object (GLACIER,
	// DEEP_ARCHIVE, or INTELLIGENT_TIERING in an archive access tier).
	Restore *RestoreState `json:"rst,omitempty"`
	// AccessTier is the Intelligent-Tiering access tier of an
	// INTELLIGENT_TIERING object: "" (frequent), AccessInfrequent,
	// AccessArchiveInstant, or an archive tier (then ArchiveStatus is set).
	AccessTier string `json:"at,omitempty"`
	// ArchiveStatus is ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS when an
	// INTELLIGENT_TIERING object was archived (a restore is then needed).
	ArchiveStatus string `json:"as,omitempty"`
	// LastAccess is the last read of an INTELLIGENT_TIERING object, as
	// last flushed from the engine's access tracker.
	LastAccess *time.Time `json:"la,omitempty"`

	inline []byte
}

// RestoreState is a restore of an archived object: requested (Ongoing,
// completing at ReadyAt) or done (a hot-tier copy of the bytes in
// Segments, deleted at Expiry).
type RestoreState struct {
	Ongoing  bool       `json:"on,omitempty"`
	Tier     string     `json:"tier,omitempty"` // Expedited, Standard or Bulk
	Days     int        `json:"days"`
	ReadyAt  time.Time  `json:"ready"`
	Expiry   *time.Time `json:"exp,omitempty"`
	Segments []Segment  `json:"segs,omitempty"`
}

// Version returns the version id as S3 shows it ("null" for the null
// version).
func (o *Object) Version() string {
	if o.VersionID == "" {
		return NullVersion
	}
	return o.VersionID
}

// Inline reports whether the object's bytes live in its metadata record.
func (o *Object) Inline() bool { return len(o.Segments) == 1 && o.Segments[0].BlobID == "" }

// Class returns the storage class, defaulting to STANDARD.
func (o *Object) Class() string {
	if o.StorageClass == "" {
		return DefaultStorageClass
	}
	return o.StorageClass
}

// Conditions are the HTTP preconditions of a read or write.
type Conditions struct {
	IfMatch           string // ETag (quoted or not) or "*"
	IfNoneMatch       string
	IfModifiedSince   *time.Time
	IfUnmodifiedSince *time.Time
}

// PutInput describes a PutObject.
type PutInput struct {
	Bucket, Key  string
	Body         io.Reader
	Size         int64 // declared length; -1 when unknown
	Headers      Headers
	UserMeta     map[string]string
	Tags         []Tag
	StorageClass string
	ContentMD5   []byte // expected MD5, or nil
	// ChecksumAlgorithm asks for a checksum to be computed and stored;
	// ChecksumValue, when set, is the client's value to verify (base64).
	// ChecksumTrailer, when set, is called after the body's EOF to fetch a
	// trailing checksum value (aws-chunked trailers).
	ChecksumAlgorithm string
	ChecksumValue     string
	ChecksumTrailer   func() string
	ChecksumType      string // COMPOSITE or FULL_OBJECT (multipart only)
	Cond              Conditions
	Owner             string
	// SSE is the encryption asked for; nil applies the bucket default.
	SSE *SSERequest
	// Lock is the Object Lock retention and legal hold asked for; nil
	// applies the bucket's default retention, if any.
	Lock *LockRequest
	// SignedPayload tells that the transport verified the body against a
	// signed SHA-256 (SigV4), which counts as the digest Object Lock
	// uploads need.
	SignedPayload bool
}

// Range is a byte range of a GET. Start<0 means a suffix of -Start bytes;
// End<0 means to the end.
type Range struct {
	Start, End int64
}

// GetInput describes a GetObject or HeadObject.
type GetInput struct {
	Bucket, Key string
	VersionID   string // "" = the current version
	Range       *Range
	PartNumber  int
	Cond        Conditions
	// Customer is the SSE-C key sent with the request, if any.
	Customer *sse.CustomerKey
}

// GetOutput is a GetObject's result. Body is nil for HEAD; Close it.
type GetOutput struct {
	Object *Object
	Body   io.ReadCloser
	// Start and Length are the returned byte range; Ranged tells whether
	// a range (or part) was asked for.
	Start, Length int64
	Ranged        bool
}

// ListInput describes a ListObjects / ListObjectsV2.
type ListInput struct {
	Bucket    string
	Prefix    string
	Delimiter string
	// After is the exclusive start: a marker, start-after, or the last
	// key or prefix of the previous page.
	After   string
	MaxKeys int
}

// ListOutput is a page of a listing.
type ListOutput struct {
	Objects        []*Object
	CommonPrefixes []string
	IsTruncated    bool
	// Next is the last key or common prefix returned when truncated.
	Next string
}

// CopyInput describes a CopyObject or UploadPartCopy source.
type CopyInput struct {
	SrcBucket, SrcKey string
	SrcVersionID      string // "" = the source's current version
	SrcCond           Conditions
	SrcCustomer       *sse.CustomerKey // SSE-C key of the source
	Range             *Range           // UploadPartCopy only
	// ReplaceMetadata selects the REPLACE metadata directive; otherwise
	// headers and user metadata are copied from the source.
	ReplaceMetadata bool
	ReplaceTags     bool
	Dst             PutInput // Body is ignored
}
