package ion

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Text Ion scalar tokens: numbers (int, float, decimal) and timestamps.

func parseNumber(tok string) (any, error) {
	bad := fmt.Errorf("bad number %q", tok)
	s := tok
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return nil, bad
	}
	digits := func(s string, ok func(byte) bool) (string, bool) {
		if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
			return "", false
		}
		out := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			switch {
			case s[i] == '_':
			case ok(s[i]):
				out = append(out, s[i])
			default:
				return "", false
			}
		}
		return string(out), true
	}
	dec := func(c byte) bool { return c >= '0' && c <= '9' }
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 'b' || s[1] == 'B') {
		base, ok := 16, func(c byte) bool { return dec(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
		if s[1] == 'b' || s[1] == 'B' {
			base, ok = 2, func(c byte) bool { return c == '0' || c == '1' }
		}
		d, good := digits(s[2:], ok)
		if !good {
			return nil, bad
		}
		m, _ := new(big.Int).SetString(d, base)
		return intValue(m, neg), nil
	}
	// int part, then optional .frac, then optional exponent d/e.
	i := 0
	for i < len(s) && (dec(s[i]) || s[i] == '_') {
		i++
	}
	intPart, ok := digits(s[:i], dec)
	if !ok || len(intPart) > 1 && intPart[0] == '0' {
		return nil, bad
	}
	rest := s[i:]
	if rest == "" {
		m, _ := new(big.Int).SetString(intPart, 10)
		return intValue(m, neg), nil
	}
	frac := ""
	hasDot := false
	if rest[0] == '.' {
		hasDot = true
		j := 1
		for j < len(rest) && (dec(rest[j]) || rest[j] == '_') {
			j++
		}
		if j > 1 {
			if frac, ok = digits(rest[1:j], dec); !ok {
				return nil, bad
			}
		}
		rest = rest[j:]
	}
	expKind := byte('d')
	exp := int64(0)
	if rest != "" {
		expKind = rest[0] | 0x20
		if expKind != 'd' && expKind != 'e' || len(rest) < 2 {
			return nil, bad
		}
		e, err := strconv.ParseInt(rest[1:], 10, 32)
		if err != nil {
			return nil, bad
		}
		exp = e
	} else if !hasDot {
		return nil, bad
	}
	if expKind == 'e' {
		f, err := strconv.ParseFloat(strings.ReplaceAll(tok, "_", ""), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, bad
		}
		return f, nil
	}
	coef, _ := new(big.Int).SetString(intPart+frac, 10)
	e := exp - int64(len(frac))
	if e < math.MinInt32 || e > math.MaxInt32 {
		return nil, bad
	}
	if neg {
		coef.Neg(coef)
	}
	return Decimal{Coef: coef, Exp: int32(e), Neg: neg && coef.Sign() == 0}, nil
}

func intValue(m *big.Int, neg bool) any {
	if neg {
		m.Neg(m)
	}
	if m.IsInt64() {
		return m.Int64()
	}
	return m
}

// parseTimestamp parses a text Ion timestamp: 2007T, 2007-02T,
// 2007-02-23(T), 2007-02-23T12:14Z, 2007-02-23T12:14:33.079-08:00.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < 5 || !allDigits(s[:4]) || s[4] != 'T' && s[4] != '-' {
		return time.Time{}, false
	}
	var f [6]int64
	f[1], f[2] = 1, 1
	f[0] = atoi(s[:4])
	rest := s[4:]
	if rest == "T" {
		return mk(f, 0, 0, true)
	}
	if len(rest) < 3 || rest[0] != '-' || !allDigits(rest[1:3]) {
		return time.Time{}, false
	}
	f[1] = atoi(rest[1:3])
	rest = rest[3:]
	if rest == "T" {
		return mk(f, 0, 0, true)
	}
	if len(rest) < 3 || rest[0] != '-' || !allDigits(rest[1:3]) {
		return time.Time{}, false
	}
	f[2] = atoi(rest[1:3])
	rest = rest[3:]
	if rest == "" || rest == "T" {
		return mk(f, 0, 0, true)
	}
	if len(rest) < 6 || rest[0] != 'T' || !allDigits(rest[1:3]) || rest[3] != ':' || !allDigits(rest[4:6]) {
		return time.Time{}, false
	}
	f[3], f[4] = atoi(rest[1:3]), atoi(rest[4:6])
	rest = rest[6:]
	var nanos int64
	if len(rest) >= 3 && rest[0] == ':' {
		if !allDigits(rest[1:3]) {
			return time.Time{}, false
		}
		f[5] = atoi(rest[1:3])
		rest = rest[3:]
		if len(rest) > 1 && rest[0] == '.' {
			j := 1
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if j == 1 {
				return time.Time{}, false
			}
			frac := rest[1:j]
			if len(frac) > 9 {
				frac = frac[:9]
			}
			nanos = atoi(frac + strings.Repeat("0", 9-len(frac)))
			rest = rest[j:]
		}
	}
	// An offset is required once there is a time.
	switch {
	case rest == "Z":
		return mk(f, nanos, 0, true)
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && allDigits(rest[1:3]) && rest[3] == ':' && allDigits(rest[4:6]):
		off := atoi(rest[1:3])*60 + atoi(rest[4:6])
		if rest == "-00:00" {
			return mk(f, nanos, 0, true)
		}
		if rest[0] == '-' {
			off = -off
		}
		return mk(f, nanos, off, false)
	}
	return time.Time{}, false
}

// mk builds a text timestamp: the fields are local time at offset off
// (minutes); utc says the offset is zero or unknown.
func mk(f [6]int64, nanos, off int64, utc bool) (time.Time, bool) {
	t, err := makeTime(f, nanos, 0, true)
	if err != nil || off < -24*60 || off > 24*60 {
		return time.Time{}, false
	}
	if utc {
		return t, true
	}
	loc := time.FixedZone("", int(off)*60)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
