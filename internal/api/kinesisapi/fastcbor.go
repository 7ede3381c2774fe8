package kinesisapi

import (
	"context"
	"encoding/binary"
	"math"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/tarnhq/tarn/internal/awsproto/cbor"
)

// The data plane's CBOR fast path (the Java SDK, KPL and KCL send CBOR).
// A PutRecords body is a map of text strings and one array of records
// whose Data is a byte string: decodePutRecordsCBOR reads exactly that
// shape, definite or indefinite-length maps and arrays (Jackson, under the
// Java SDK, writes indefinite ones), and takes each record's Data as a
// slice of the body — no copy, no base64. Anything else (tags, unknown or
// repeated keys, invalid UTF-8, null, trailing bytes) gives up, so the
// generic decoder decides those bodies and words their errors.
// FuzzPutRecordsCBOR checks it against the generic decoder. The replies of
// PutRecords and GetRecords are written by append functions that produce
// the bytes the generic encoder would (TestFastCBOREncoders).

type cborDec struct {
	b   []byte
	i   int
	bad bool // an indefinite-length container ran out before its break
}

const indefinite = math.MaxUint64

// head reads an item head. arg is the length, count or value, or
// indefinite for an indefinite-length string, array or map.
func (d *cborDec) head() (major byte, arg uint64, ok bool) {
	if d.i >= len(d.b) {
		return 0, 0, false
	}
	c := d.b[d.i]
	d.i++
	major, info := c>>5, c&31
	switch {
	case info < 24:
		return major, uint64(info), true
	case info <= 27:
		w := 1 << (info - 24)
		if len(d.b)-d.i < w {
			return 0, 0, false
		}
		for _, x := range d.b[d.i : d.i+w] {
			arg = arg<<8 | uint64(x)
		}
		d.i += w
		return major, arg, true
	case info == 31 && major >= 2 && major <= 5:
		return major, indefinite, true
	}
	return 0, 0, false
}

// str reads a definite-length text (major 3) or byte (major 2) string.
func (d *cborDec) str(major byte) ([]byte, bool) {
	m, n, ok := d.head()
	if !ok || m != major || n == indefinite || uint64(len(d.b)-d.i) < n {
		return nil, false
	}
	v := d.b[d.i : d.i+int(n) : d.i+int(n)]
	d.i += int(n)
	if major == 3 && !utf8.Valid(v) {
		return nil, false
	}
	return v, true
}

// more reports whether a container with n items left (or indefinite, and
// not at its break) has another item, consuming the break.
func (d *cborDec) more(n *uint64) bool {
	if *n == indefinite {
		if d.i >= len(d.b) {
			d.bad = true
			return false
		}
		if d.b[d.i] == 0xff {
			d.i++
			return false
		}
		return true
	}
	if *n == 0 {
		return false
	}
	*n--
	return true
}

// decodePutRecordsCBOR fills in from a PutRecords CBOR body of the common
// shape and reports whether it could.
func decodePutRecordsCBOR(body []byte, in *putRecordsIn) bool {
	d := cborDec{b: body}
	major, n, ok := d.head()
	if !ok || major != 5 || n == 0 {
		return false
	}
	var seen [3]bool
	for d.more(&n) {
		key, ok := d.str(3)
		if !ok {
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
			v, ok := d.str(3)
			if !ok {
				return false
			}
			if k == 0 {
				in.StreamName = string(v)
			} else {
				in.StreamARN = string(v)
			}
		} else if !decodeRecordsCBOR(&d, in) {
			return false
		}
	}
	return !d.bad && d.i == len(d.b)
}

func decodeRecordsCBOR(d *cborDec, in *putRecordsIn) bool {
	major, n, ok := d.head()
	if !ok || major != 4 {
		return false
	}
	in.Records = make([]putRecordsEntry, 0, min(n, 500))
	for d.more(&n) {
		major, m, ok := d.head()
		if !ok || major != 5 {
			return false
		}
		var r putRecordsEntry
		var seen [3]bool
		for d.more(&m) {
			key, ok := d.str(3)
			if !ok {
				return false
			}
			var k int
			var v []byte
			switch string(key) {
			case "Data":
				k = 0
				v, ok = d.str(2)
			case "PartitionKey":
				k = 1
				v, ok = d.str(3)
			case "ExplicitHashKey":
				k = 2
				v, ok = d.str(3)
			default:
				return false
			}
			if !ok || seen[k] {
				return false
			}
			seen[k] = true
			switch k {
			case 0:
				r.Data = v
			case 1:
				r.PartitionKey = string(v)
			case 2:
				r.ExplicitHashKey = string(v)
			}
		}
		if !seen[0] {
			return false // the generic decoder leaves Data nil: let it decide
		}
		in.Records = append(in.Records, r)
	}
	return true
}

// CBOR writing, as the generic encoder (fxamacker/cbor, SortNone) writes
// these structs: fields in declaration order, omitempty fields left out,
// integers and lengths in their shortest form, nil slices as null.

func appendCBORHead(b []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(b, major<<5|byte(n))
	case n <= math.MaxUint8:
		return append(b, major<<5|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, major<<5|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, major<<5|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, major<<5|27), n)
}

func appendCBORText(b []byte, s string) []byte {
	return append(appendCBORHead(b, 3, uint64(len(s))), s...)
}

func appendCBORInt(b []byte, v int64) []byte {
	if v < 0 {
		return appendCBORHead(b, 1, uint64(-(v + 1)))
	}
	return appendCBORHead(b, 0, uint64(v))
}

func (o *putRecordsOut) appendCBOR(b []byte) []byte {
	fields := uint64(2)
	if o.EncryptionType != "" {
		fields++
	}
	b = appendCBORHead(b, 5, fields)
	b = appendCBORText(b, "FailedRecordCount")
	b = appendCBORInt(b, int64(o.FailedRecordCount))
	b = appendCBORText(b, "Records")
	if o.Records == nil {
		b = append(b, 0xf6)
	} else {
		b = appendCBORHead(b, 4, uint64(len(o.Records)))
		for i := range o.Records {
			r := &o.Records[i]
			kv := [...]struct{ k, v string }{{"SequenceNumber", r.SequenceNumber}, {"ShardId", r.ShardId},
				{"ErrorCode", r.ErrorCode}, {"ErrorMessage", r.ErrorMessage}}
			n := uint64(0)
			for _, f := range kv {
				if f.v != "" {
					n++
				}
			}
			b = appendCBORHead(b, 5, n)
			for _, f := range kv {
				if f.v != "" {
					b = appendCBORText(appendCBORText(b, f.k), f.v)
				}
			}
		}
	}
	if o.EncryptionType != "" {
		b = appendCBORText(appendCBORText(b, "EncryptionType"), o.EncryptionType)
	}
	return b
}

// appendCBOR writes the reply; ok is false when it has ChildShards (the
// end of a closed shard, rare), which the generic encoder writes.
func (o *getRecordsOut) appendCBOR(b []byte) (_ []byte, ok bool) {
	if len(o.ChildShards) > 0 {
		return b, false
	}
	fields := uint64(2)
	if o.NextShardIterator != nil {
		fields++
	}
	b = appendCBORHead(b, 5, fields)
	b = appendCBORRecords(appendCBORText(b, "Records"), o.Records)
	if o.NextShardIterator != nil {
		b = appendCBORText(appendCBORText(b, "NextShardIterator"), *o.NextShardIterator)
	}
	b = appendCBORText(b, "MillisBehindLatest")
	return appendCBORInt(b, o.MillisBehindLatest), true
}

// appendCBOR writes a SubscribeToShard event; ok is false when it has
// ChildShards.
func (o *subscribeEvent) appendCBOR(b []byte) (_ []byte, ok bool) {
	if len(o.ChildShards) > 0 {
		return b, false
	}
	b = appendCBORHead(b, 5, 3)
	b = appendCBORRecords(appendCBORText(b, "Records"), o.Records)
	b = appendCBORText(appendCBORText(b, "ContinuationSequenceNumber"), o.ContinuationSequenceNumber)
	b = appendCBORText(b, "MillisBehindLatest")
	return appendCBORInt(b, o.MillisBehindLatest), true
}

func appendCBORRecords(b []byte, recs []record) []byte {
	if recs == nil {
		return append(b, 0xf6)
	}
	b = appendCBORHead(b, 4, uint64(len(recs)))
	for i := range recs {
		r := &recs[i]
		n := uint64(4)
		if r.EncryptionType != "" {
			n++
		}
		b = appendCBORHead(b, 5, n)
		b = appendCBORText(appendCBORText(b, "SequenceNumber"), r.SequenceNumber)
		b = appendCBORText(b, "ApproximateArrivalTimestamp")
		b = appendCBORInt(append(b, 0xc1), r.ApproximateArrivalTimestamp.UnixMilli()) // tag 1, epoch ms
		b = appendCBORText(b, "Data")
		if r.Data == nil {
			b = append(b, 0xf6)
		} else {
			b = append(appendCBORHead(b, 2, uint64(len(r.Data))), r.Data...)
		}
		b = appendCBORText(appendCBORText(b, "PartitionKey"), r.PartitionKey)
		if r.EncryptionType != "" {
			b = appendCBORText(appendCBORText(b, "EncryptionType"), r.EncryptionType)
		}
	}
	return b
}

// rawCBOR is a CBOR reply encoded already.
type rawCBOR []byte

func (r rawCBOR) Stream(_ context.Context, w http.ResponseWriter, requestID string) {
	w.Header().Set("Content-Type", cbor.ContentType)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Length", strconv.Itoa(len(r)))
	w.WriteHeader(http.StatusOK)
	w.Write(r)
}
