package awsjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/tarnhq/tarn/internal/awsproto/cbor"
)

// Timestamp is a protocol timestamp: epoch seconds (a JSON number with a
// fraction) in JSON bodies, tag 1 epoch milliseconds in CBOR bodies.
type Timestamp struct{ time.Time }

// MarshalJSON implements json.Marshaler.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(t.UnixMilli())/1000, 'f', -1, 64), nil
}

// UnmarshalJSON accepts epoch seconds or an ISO 8601 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		p, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("timestamp %q: want epoch seconds or ISO 8601", s)
		}
		t.Time = p
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e13 {
		return fmt.Errorf("timestamp %s: want epoch seconds", b)
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6)
	return nil
}

// MarshalCBOR implements the CBOR marshaler.
func (t Timestamp) MarshalCBOR() ([]byte, error) { return cbor.MarshalTime(t.Time) }

// UnmarshalCBOR implements the CBOR unmarshaler.
func (t *Timestamp) UnmarshalCBOR(b []byte) error {
	p, err := cbor.UnmarshalTime(b)
	if err != nil {
		return err
	}
	t.Time = p
	return nil
}

// Time returns a pointer to a Timestamp for t (nil for the zero time),
// for optional reply fields.
func Time(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	return &Timestamp{t}
}
