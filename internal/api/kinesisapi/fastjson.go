package kinesisapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
)

// The data plane's JSON fast path. A PutRecords body from an SDK is an
// object of plain strings and one array of records whose Data is base64:
// decodePutRecords parses exactly that shape in one pass, decoding base64
// straight into one buffer shared by all records, and gives up (ok false)
// on anything else — escapes, null, numbers, unknown or repeated or
// differently-cased keys, invalid UTF-8, trailing bytes — so that
// encoding/json decides those bodies and words their errors as before.
// The replies of PutRecords, GetRecords and SubscribeToShard events are
// written by append functions that produce the bytes encoding/json would
// (FuzzPutRecordsDecoder and TestFastEncoders check both directions).

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips white space and the byte c.
func (s *scanner) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes and returns its raw bytes.
func (s *scanner) str() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start := s.i
	ascii := true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			if !ascii && !utf8.Valid(raw) {
				return nil, false
			}
			return raw, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		s.i++
	}
	return nil, false
}

// base64Str reads a string that should be base64: the closing quote is
// found with one IndexByte, and the caller's base64 decoding rejects any
// escape or control character in it (so those go to encoding/json).
func (s *scanner) base64Str() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	j := bytes.IndexByte(s.b[s.i:], '"')
	if j < 0 {
		return nil, false
	}
	v := s.b[s.i : s.i+j]
	s.i += j + 1
	return v, true
}

// exactDecodedLen is the length padded base64 v decodes to when it holds
// nothing but base64 characters.
func exactDecodedLen(v []byte) int {
	if len(v)%4 != 0 {
		return -1
	}
	n := len(v) / 4 * 3
	for i := len(v) - 1; i >= 0 && i >= len(v)-2 && v[i] == '='; i-- {
		n--
	}
	return n
}

// decodePutRecords fills in from a PutRecords JSON body of the common
// shape and reports whether it could.
func decodePutRecords(body []byte, in *putRecordsIn) bool {
	s := scanner{b: body}
	if !s.consume('{') {
		return false
	}
	arena := make([]byte, 0, base64.StdEncoding.DecodedLen(len(body)))
	var seen [3]bool
	if s.consume('}') {
		return false // {} is rare: let encoding/json have it
	}
	for {
		key, ok := s.str()
		if !ok || !s.consume(':') {
			return false
		}
		var k int
		switch string(key) {
		case "StreamName":
			k = 0
		case "StreamARN":
			k = 1
		case "Records":
			k = 2
		default:
			return false
		}
		if seen[k] {
			return false
		}
		seen[k] = true
		if k < 2 {
			v, ok := s.str()
			if !ok {
				return false
			}
			if k == 0 {
				in.StreamName = string(v)
			} else {
				in.StreamARN = string(v)
			}
		} else if arena, ok = decodeRecords(&s, in, arena); !ok {
			return false
		}
		if s.consume(',') {
			continue
		}
		if !s.consume('}') {
			return false
		}
		s.ws()
		return s.i == len(s.b)
	}
}

func decodeRecords(s *scanner, in *putRecordsIn, arena []byte) ([]byte, bool) {
	if !s.consume('[') {
		return arena, false
	}
	in.Records = make([]putRecordsEntry, 0, 500)
	if s.consume(']') {
		return arena, true
	}
	for {
		if !s.consume('{') {
			return arena, false
		}
		var r putRecordsEntry
		var seen [3]bool
		for {
			key, ok := s.str()
			if !ok || !s.consume(':') {
				return arena, false
			}
			var v []byte
			if string(key) == "Data" {
				v, ok = s.base64Str()
			} else {
				v, ok = s.str()
			}
			if !ok {
				return arena, false
			}
			var k int
			switch string(key) {
			case "Data":
				k = 0
			case "PartitionKey":
				k = 1
			case "ExplicitHashKey":
				k = 2
			default:
				return arena, false
			}
			if seen[k] {
				return arena, false
			}
			seen[k] = true
			switch k {
			case 0:
				start := len(arena)
				n, err := base64.StdEncoding.Decode(arena[start:start+base64.StdEncoding.DecodedLen(len(v))], v)
				// The decoder skips \r and \n, which JSON does not allow
				// raw in a string: a length other than the exact one means
				// there were some.
				if err != nil || n != exactDecodedLen(v) {
					return arena, false
				}
				arena = arena[:start+n]
				r.Data = arena[start : start+n : start+n]
			case 1:
				r.PartitionKey = string(v)
			case 2:
				r.ExplicitHashKey = string(v)
			}
			if s.consume(',') {
				continue
			}
			if !s.consume('}') {
				return arena, false
			}
			break
		}
		if !seen[0] {
			return arena, false // encoding/json leaves Data nil: rare, let it decide
		}
		in.Records = append(in.Records, r)
		if s.consume(',') {
			continue
		}
		return arena, s.consume(']')
	}
}

// appendString appends s as encoding/json would write it.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendTimestamp(b []byte, t awsjson.Timestamp) []byte {
	return strconv.AppendFloat(b, float64(t.UnixMilli())/1000, 'f', -1, 64)
}

func appendRecords(b []byte, recs []record) []byte {
	b = append(b, '[')
	for i := range recs {
		r := &recs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"SequenceNumber":`...)
		b = appendString(b, r.SequenceNumber)
		b = append(b, `,"ApproximateArrivalTimestamp":`...)
		b = appendTimestamp(b, r.ApproximateArrivalTimestamp)
		if r.Data == nil {
			b = append(b, `,"Data":null`...)
		} else {
			b = append(b, `,"Data":"`...)
			b = appendBase64(b, r.Data)
			b = append(b, '"')
		}
		b = append(b, `,"PartitionKey":`...)
		b = appendString(b, r.PartitionKey)
		if r.EncryptionType != "" {
			b = append(b, `,"EncryptionType":`...)
			b = appendString(b, r.EncryptionType)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendChildShards(b []byte, cs []childShard) []byte {
	if len(cs) == 0 {
		return b
	}
	j, _ := json.Marshal(cs)
	b = append(b, `,"ChildShards":`...)
	return append(b, j...)
}

func (o *getRecordsOut) appendJSON(b []byte) []byte {
	b = append(b, `{"Records":`...)
	if o.Records == nil {
		b = append(b, "null"...)
	} else {
		b = appendRecords(b, o.Records)
	}
	if o.NextShardIterator != nil {
		b = append(b, `,"NextShardIterator":`...)
		b = appendString(b, *o.NextShardIterator)
	}
	b = append(b, `,"MillisBehindLatest":`...)
	b = strconv.AppendInt(b, o.MillisBehindLatest, 10)
	b = appendChildShards(b, o.ChildShards)
	return append(b, '}')
}

func (o *subscribeEvent) appendJSON(b []byte) []byte {
	b = append(b, `{"Records":`...)
	if o.Records == nil {
		b = append(b, "null"...)
	} else {
		b = appendRecords(b, o.Records)
	}
	b = append(b, `,"ContinuationSequenceNumber":`...)
	b = appendString(b, o.ContinuationSequenceNumber)
	b = append(b, `,"MillisBehindLatest":`...)
	b = strconv.AppendInt(b, o.MillisBehindLatest, 10)
	b = appendChildShards(b, o.ChildShards)
	return append(b, '}')
}

func (o *putRecordsOut) appendJSON(b []byte) []byte {
	b = append(b, `{"FailedRecordCount":`...)
	b = strconv.AppendInt(b, int64(o.FailedRecordCount), 10)
	b = append(b, `,"Records":`...)
	if o.Records == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range o.Records {
			r := &o.Records[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			n := len(b)
			for _, f := range [...]struct{ k, v string }{{"SequenceNumber", r.SequenceNumber}, {"ShardId", r.ShardId},
				{"ErrorCode", r.ErrorCode}, {"ErrorMessage", r.ErrorMessage}} {
				if f.v == "" {
					continue
				}
				if len(b) > n {
					b = append(b, ',')
				}
				b = append(b, '"')
				b = append(b, f.k...)
				b = append(b, `":`...)
				b = appendString(b, f.v)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if o.EncryptionType != "" {
		b = append(b, `,"EncryptionType":`...)
		b = appendString(b, o.EncryptionType)
	}
	return append(b, '}')
}

// rawJSON is a reply encoded already: awsjson writes Streamers as they
// are, so the bytes skip encoding/json's re-validation.
type rawJSON []byte

func (r rawJSON) Stream(_ context.Context, w http.ResponseWriter, requestID string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Length", strconv.Itoa(len(r)))
	w.WriteHeader(http.StatusOK)
	w.Write(r)
}

// fastPutRecords serves PutRecords through the fast decoders and
// encoders (JSON, CBOR); bodies of another shape take the generic path.
func (a *api) fastPutRecords(generic awsjson.Handler) awsjson.Handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(putRecordsIn)
		isCBOR := awsjson.IsCBOR(ctx)
		if isCBOR && !decodePutRecordsCBOR(body, in) || !isCBOR && !decodePutRecords(body, in) {
			return generic(ctx, body)
		}
		out, err := a.putRecords(ctx, in)
		if err != nil {
			return nil, err
		}
		b := make([]byte, 0, 64+100*len(out.Records))
		if isCBOR {
			return rawCBOR(out.appendCBOR(b)), nil
		}
		return rawJSON(out.appendJSON(b)), nil
	}
}

// fastGetRecords answers GetRecords with the fast encoders.
func (a *api) fastGetRecords(generic awsjson.Handler) awsjson.Handler {
	return func(ctx context.Context, body []byte) (any, error) {
		out, err := generic(ctx, body)
		if err != nil {
			return out, err
		}
		o, ok := out.(*getRecordsOut)
		if !ok {
			return out, nil
		}
		n := 64
		isCBOR := awsjson.IsCBOR(ctx)
		for i := range o.Records {
			if isCBOR {
				n += 200 + len(o.Records[i].PartitionKey) + len(o.Records[i].Data)
			} else {
				n += 200 + len(o.Records[i].PartitionKey) + base64.StdEncoding.EncodedLen(len(o.Records[i].Data))
			}
		}
		if isCBOR {
			if b, ok := o.appendCBOR(make([]byte, 0, n)); ok {
				return rawCBOR(b), nil
			}
			return out, nil
		}
		return rawJSON(o.appendJSON(make([]byte, 0, n))), nil
	}
}
