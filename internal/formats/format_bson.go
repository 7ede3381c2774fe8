package formats

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// BSON files (mongodump's .bson) are BSON documents one after another, each
// prefixed by its int32 length. Documents are decoded with the MongoDB Go
// driver's raw BSON API and become records as in JSON: int32/int64 →
// bigint, double → double, decimal128 → double, string/symbol/JavaScript/
// regex/ObjectId (hex) → string, datetime/timestamp → timestamp, binary →
// binary, documents → struct, arrays → array, null/undefined/min/max key →
// null. Read-only.

// BSON is Glue's classification for binary JSON.
const BSON Format = "bson"

// MaxBSONDocument is the largest document MongoDB stores (16 MiB), plus
// the slack mongodump allows.
const MaxBSONDocument = 16<<20 + 16<<10

func init() {
	Default.Register(&Spec{
		Name:  BSON,
		Open:  openBSON,
		Infer: inferBSON,
		Exts:  []string{".bson"},
	})
}

type bsonSource struct {
	br    *bufio.Reader
	max   int
	bytes int64
	buf   []byte
}

func newBSONSource(src *Source, o *Options) *bsonSource {
	return &bsonSource{br: bufio.NewReaderSize(src.R, 64<<10), max: min(o.MaxRecordBytes, MaxBSONDocument)}
}

func (s *bsonSource) textual() bool { return false }

func (s *bsonSource) next() (any, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(s.br, hdr[:]); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("truncated document length")
	}
	n := int(int32(binary.LittleEndian.Uint32(hdr[:])))
	if n < 5 {
		return nil, fmt.Errorf("document length %d", n)
	}
	if n > s.max {
		return nil, fmt.Errorf("document of %d bytes: %w (%d bytes)", n, errRecordTooLarge, s.max)
	}
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	doc := s.buf[:n]
	copy(doc, hdr[:])
	if _, err := io.ReadFull(s.br, doc[4:]); err != nil {
		return nil, fmt.Errorf("truncated document (%d bytes declared)", n)
	}
	s.bytes += int64(n)
	v, err := bsonDocument(doc, 0)
	if err != nil {
		return nil, err
	}
	return v, nil
}

var errBSONDepth = errors.New("BSON nested too deeply")

// bsonDocument converts one document. It walks the elements itself, level
// by level with bsoncore's element reader, rather than validating the
// whole document first: bsoncore's validation recurses into every nested
// document at every level, quadratic (and stack-deep) on hostile nesting.
// Nesting is bounded by maxJSONDepth.
func bsonDocument(doc []byte, depth int) (*object, error) {
	if depth > maxJSONDepth {
		return nil, errBSONDepth
	}
	n, _, ok := bsoncore.ReadLength(doc)
	if !ok || int(n) != len(doc) || n < 5 || doc[n-1] != 0 {
		return nil, errors.New("malformed document length or terminator")
	}
	rem := doc[4 : n-1]
	o := &object{}
	for len(rem) > 0 {
		e, rest, ok := bsoncore.ReadElement(rem)
		if !ok {
			return nil, errors.New("malformed element")
		}
		rem = rest
		k, err := e.KeyErr()
		if err != nil {
			return nil, err
		}
		rv, err := e.ValueErr()
		if err != nil {
			return nil, err
		}
		v, err := bsonValue(rv, depth)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		o.set(k, v)
	}
	return o, nil
}

func bsonValue(rv bsoncore.Value, depth int) (any, error) {
	switch rv.Type {
	case bsoncore.TypeDouble:
		if f, ok := rv.DoubleOK(); ok {
			return f, nil
		}
	case bsoncore.TypeString:
		if s, ok := rv.StringValueOK(); ok {
			return s, nil
		}
	case bsoncore.TypeEmbeddedDocument:
		if d, ok := rv.DocumentOK(); ok {
			return bsonDocument(d, depth+1)
		}
	case bsoncore.TypeArray:
		a, ok := rv.ArrayOK()
		if !ok {
			break
		}
		// An array is a document with keys "0", "1", …
		o, err := bsonDocument(a, depth+1)
		if err != nil {
			return nil, err
		}
		return o.vals, nil
	case bsoncore.TypeBinary:
		if _, b, ok := rv.BinaryOK(); ok {
			return append([]byte(nil), b...), nil
		}
	case bsoncore.TypeUndefined, bsoncore.TypeNull, bsoncore.TypeMinKey, bsoncore.TypeMaxKey:
		return nil, nil
	case bsoncore.TypeObjectID:
		if id, ok := rv.ObjectIDOK(); ok {
			return hex.EncodeToString(id[:]), nil
		}
	case bsoncore.TypeBoolean:
		if b, ok := rv.BooleanOK(); ok {
			return b, nil
		}
	case bsoncore.TypeDateTime:
		if ms, ok := rv.DateTimeOK(); ok {
			return time.UnixMilli(ms).UTC(), nil
		}
	case bsoncore.TypeRegex:
		if p, opts, ok := rv.RegexOK(); ok {
			return "/" + p + "/" + opts, nil
		}
	case bsoncore.TypeDBPointer:
		if ns, id, ok := rv.DBPointerOK(); ok {
			return ns + "." + hex.EncodeToString(id[:]), nil
		}
	case bsoncore.TypeJavaScript:
		if s, ok := rv.JavaScriptOK(); ok {
			return s, nil
		}
	case bsoncore.TypeSymbol:
		if s, ok := rv.SymbolOK(); ok {
			return s, nil
		}
	case bsoncore.TypeCodeWithScope:
		if s, _, ok := rv.CodeWithScopeOK(); ok {
			return s, nil
		}
	case bsoncore.TypeInt32:
		if n, ok := rv.Int32OK(); ok {
			return int64(n), nil
		}
	case bsoncore.TypeTimestamp:
		if t, _, ok := rv.TimestampOK(); ok {
			return time.Unix(int64(t), 0).UTC(), nil
		}
	case bsoncore.TypeInt64:
		if n, ok := rv.Int64OK(); ok {
			return n, nil
		}
	case bsoncore.TypeDecimal128:
		if h, l, ok := rv.Decimal128OK(); ok {
			return json.Number(bson.NewDecimal128(h, l).String()), nil
		}
	default:
		return nil, fmt.Errorf("unknown BSON type 0x%02x", byte(rv.Type))
	}
	return nil, fmt.Errorf("malformed %s value", rv.Type)
}

func openBSON(src *Source, o *Options) (Reader, error) {
	return newTextReader(newBSONSource(src, o), o)
}

func inferBSON(src *Source, o *Options) (*Inference, error) {
	s := newBSONSource(src, o)
	return inferRows(src, o, s, func() int64 { return s.bytes })
}

// LooksLikeBSON reports whether head starts like a BSON document: a length
// of 5 to MaxBSONDocument bytes, a known element type (or the end of an
// empty document), and, when the whole first document is in head, a valid
// document.
func LooksLikeBSON(head []byte) bool {
	if len(head) < 5 {
		return false
	}
	n := int(int32(binary.LittleEndian.Uint32(head)))
	if n < 5 || n > MaxBSONDocument {
		return false
	}
	switch t := head[4]; {
	case t == 0 && n != 5:
		return false
	case t > 0x13 && t != 0x7F && t != 0xFF:
		return false
	}
	if n <= len(head) {
		_, err := bsonDocument(head[:n], 0)
		return err == nil
	}
	return true
}
