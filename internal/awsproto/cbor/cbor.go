// Package cbor is the CBOR body codec of the AWS JSON protocols
// (Content-Type application/x-amz-cbor-1.1, the default of the Java SDKs,
// KCL and KPL for Kinesis): the same document shape as JSON, but blobs are
// CBOR byte strings and timestamps are tagged epoch values. It wraps
// github.com/fxamacker/cbor/v2 with decoding limits fit for untrusted
// input; struct fields are named by their `json` tags.
package cbor

import (
	"fmt"
	"math"
	"time"

	fx "github.com/fxamacker/cbor/v2"
)

// ContentType is the content type of AWS CBOR bodies.
const ContentType = "application/x-amz-cbor-1.1"

var (
	decMode fx.DecMode
	encMode fx.EncMode
)

func init() {
	var err error
	decMode, err = fx.DecOptions{
		MaxNestedLevels:  32,
		MaxArrayElements: 1 << 16,
		MaxMapPairs:      1 << 16,
		DupMapKey:        fx.DupMapKeyEnforcedAPF,
		IndefLength:      fx.IndefLengthAllowed,
		TagsMd:           fx.TagsAllowed,
		DefaultMapType:   nil,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	encMode, err = fx.EncOptions{Sort: fx.SortNone, Time: fx.TimeUnixMicro, TimeTag: fx.EncTagRequired}.EncMode()
	if err != nil {
		panic(err)
	}
}

// Unmarshal decodes a CBOR document into v.
func Unmarshal(data []byte, v any) error { return decMode.Unmarshal(data, v) }

// Marshal encodes v as a CBOR document.
func Marshal(v any) ([]byte, error) { return encMode.Marshal(v) }

// millisThreshold separates epoch seconds from epoch milliseconds in an
// integer timestamp: 10^11 s is the year 5138, 10^11 ms is 1973.
const millisThreshold = 1e11

// MarshalTime encodes t as the Java SDKs expect it: tag 1 (epoch time)
// wrapping an integer count of milliseconds (the SDKs' CBOR timestamp
// format is UNIX_TIMESTAMP_MILLIS; see aws-sdk-java-v2#1021).
func MarshalTime(t time.Time) ([]byte, error) {
	return encMode.Marshal(fx.Tag{Number: 1, Content: t.UnixMilli()})
}

// UnmarshalTime decodes a timestamp: tag 1 or a bare number; a float is
// epoch seconds, an integer is epoch milliseconds when it is too large to
// be seconds (as the Java SDKs send it) and seconds otherwise.
func UnmarshalTime(data []byte) (time.Time, error) {
	if len(data) > 0 && data[0]>>5 == 6 { // a tag: unwrap it by hand so tag 1 + milliseconds is not read as seconds
		var rt fx.RawTag
		if err := decMode.Unmarshal(data, &rt); err != nil {
			return time.Time{}, err
		}
		if rt.Number != 1 {
			return time.Time{}, fmt.Errorf("cbor: timestamp has tag %d, want 1", rt.Number)
		}
		data = rt.Content
	}
	var raw any
	if err := decMode.Unmarshal(data, &raw); err != nil {
		return time.Time{}, err
	}
	var f float64
	isInt := true
	switch n := raw.(type) {
	case uint64:
		f = float64(n)
	case int64:
		f = float64(n)
	case float64:
		f, isInt = n, false
	case float32:
		f, isInt = float64(n), false
	default:
		return time.Time{}, fmt.Errorf("cbor: timestamp is %T, want a number", raw)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return time.Time{}, fmt.Errorf("cbor: timestamp %v out of range", f)
	}
	if isInt && math.Abs(f) >= millisThreshold {
		return time.UnixMilli(int64(f)), nil
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}
