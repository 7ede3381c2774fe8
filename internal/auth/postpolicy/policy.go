package postpolicy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
)

// Condition operators.
const (
	OpEq                 = "eq"
	OpStartsWith         = "starts-with"
	OpContentLengthRange = "content-length-range"
)

// Condition is one entry of a policy's conditions. Exact-match objects such
// as {"acl": "public-read"} parse to Op "eq".
type Condition struct {
	Op       string // OpEq, OpStartsWith or OpContentLengthRange
	Field    string // form field as written, without "$"; "" for a range
	Value    string // eq, starts-with
	Min, Max int64  // content-length-range
}

// String renders the condition as S3 quotes it in a failure message, e.g.
// ["starts-with", "$key", "user/"].
func (c Condition) String() string {
	if c.Op == OpContentLengthRange {
		return `["content-length-range", ` + strconv.FormatInt(c.Min, 10) + ", " + strconv.FormatInt(c.Max, 10) + "]"
	}
	return "[" + quote(c.Op) + ", " + quote("$"+c.Field) + ", " + quote(c.Value) + "]"
}

func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// Policy is a parsed POST policy document.
type Policy struct {
	Expiration time.Time
	Conditions []Condition
	// The intersection of every content-length-range condition, valid when
	// HasLengthRange.
	ContentLengthMin, ContentLengthMax int64
	HasLengthRange                     bool
}

// MaxPolicySize bounds the encoded policy Parse accepts. S3 limits the
// whole form before the file to 20 KB; this is deliberately looser.
const MaxPolicySize = 64 << 10

// Parse decodes a base64 policy document strictly: the document must be
// one JSON object with exactly the keys "expiration" (an RFC 3339 time) and
// "conditions" (an array), and each condition must be a one-key object with
// a string value or a well-formed eq, starts-with or content-length-range
// array. Anything else is an InvalidPolicyDocument PolicyError.
//
// Besides JSON's escapes, strings may use the \$ and \v escapes the S3
// documentation lists.
func Parse(base64Policy string) (*Policy, error) {
	if len(base64Policy) > MaxPolicySize {
		return nil, invalidPolicy("Policy is too large.")
	}
	// Old examples wrap the base64 text; S3 tolerates line breaks.
	enc := strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n', '\t', ' ':
			return -1
		}
		return r
	}, base64Policy)
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, invalidPolicy("Invalid Base64 Encoding.")
	}
	return parseJSON(unescapeAWS(raw))
}

func parseJSON(doc []byte) (*Policy, error) {
	var top map[string]json.RawMessage
	if err := decodeStrict(doc, &top); err != nil || top == nil {
		return nil, invalidPolicy("Invalid JSON.")
	}
	for k := range top {
		if k != "expiration" && k != "conditions" {
			return nil, invalidPolicy("Unexpected field " + quote(k) + ".")
		}
	}
	p := &Policy{}

	expRaw, ok := top["expiration"]
	if !ok {
		return nil, invalidPolicy("Missing expiration.")
	}
	var exp string
	if err := json.Unmarshal(expRaw, &exp); err != nil {
		return nil, invalidPolicy("Invalid expiration.")
	}
	t, err := time.Parse(time.RFC3339Nano, exp)
	if err != nil {
		return nil, invalidPolicy("Invalid expiration " + quote(exp) + ".")
	}
	p.Expiration = t

	condRaw, ok := top["conditions"]
	if !ok {
		return nil, invalidPolicy("Missing conditions.")
	}
	var conds []json.RawMessage
	if err := json.Unmarshal(condRaw, &conds); err != nil || conds == nil {
		return nil, invalidPolicy("Conditions must be an array.")
	}
	for _, raw := range conds {
		c, err := parseCondition(raw)
		if err != nil {
			return nil, err
		}
		p.Conditions = append(p.Conditions, c)
		if c.Op == OpContentLengthRange {
			if !p.HasLengthRange || c.Min > p.ContentLengthMin {
				p.ContentLengthMin = c.Min
			}
			if !p.HasLengthRange || c.Max < p.ContentLengthMax {
				p.ContentLengthMax = c.Max
			}
			p.HasLengthRange = true
		}
	}
	return p, nil
}

func parseCondition(raw json.RawMessage) (Condition, error) {
	bad := invalidPolicy("Invalid condition " + string(raw) + ".")
	switch firstByte(raw) {
	case '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil || len(m) != 1 {
			return Condition{}, bad
		}
		for k, v := range m {
			var s string
			if k == "" || strings.HasPrefix(k, "$") || json.Unmarshal(v, &s) != nil {
				return Condition{}, bad
			}
			return Condition{Op: OpEq, Field: k, Value: s}, nil
		}
	case '[':
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil || len(elems) != 3 {
			return Condition{}, bad
		}
		var op string
		if json.Unmarshal(elems[0], &op) != nil {
			return Condition{}, bad
		}
		switch op = strings.ToLower(op); op {
		case OpEq, OpStartsWith:
			var field, value string
			if json.Unmarshal(elems[1], &field) != nil || json.Unmarshal(elems[2], &value) != nil {
				return Condition{}, bad
			}
			if len(field) < 2 || field[0] != '$' {
				return Condition{}, bad
			}
			return Condition{Op: op, Field: field[1:], Value: value}, nil
		case OpContentLengthRange:
			lo, ok1 := parseLength(elems[1])
			hi, ok2 := parseLength(elems[2])
			if !ok1 || !ok2 || lo > hi {
				return Condition{}, bad
			}
			return Condition{Op: op, Min: lo, Max: hi}, nil
		}
	}
	return Condition{}, bad
}

// parseLength accepts a non-negative JSON integer, or a string holding one
// (some SDKs quote the bounds).
func parseLength(raw json.RawMessage) (int64, bool) {
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return 0, false
	}
	switch v := v.(type) {
	case json.Number:
		n = v
	case string:
		n = json.Number(v)
	default:
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || i < 0 {
		return 0, false
	}
	return i, true
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// decodeStrict decodes exactly one JSON value from doc.
func decodeStrict(doc []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(doc))
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// unescapeAWS rewrites, inside JSON strings, the escapes S3 allows beyond
// JSON's: \$ becomes $ and \v becomes \u000b. Everything else is left for
// the JSON decoder to judge.
func unescapeAWS(doc []byte) []byte {
	if !bytes.Contains(doc, []byte(`\`)) {
		return doc
	}
	out := make([]byte, 0, len(doc))
	inString := false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case c == '"':
			inString = !inString
		case c == '\\' && inString && i+1 < len(doc):
			switch doc[i+1] {
			case '$':
				out = append(out, '$')
			case 'v':
				out = append(out, `\u000b`...)
			default:
				out = append(out, c, doc[i+1])
			}
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}
