package formats

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tarnhq/tarn/internal/formats/types"
)

// CSV type candidates. Glue's default CSV inference chooses among boolean,
// bigint, double and string (inferText). A custom CSV classifier with
// CustomDatatypeConfigured names the types the crawler may choose instead
// (CSVOptions.Types); string is always the fallback.
//
// Each column keeps the set of candidate types every sampled value fits;
// the column's type is the first remaining candidate in candidateOrder,
// the narrowest first. Empty values are nulls and fit every type.

// candidateOrder is the order candidates are preferred in.
var candidateOrder = []types.Kind{
	types.Boolean, types.SmallInt, types.Int, types.BigInt, types.Decimal,
	types.Float, types.Double, types.Date, types.Timestamp, types.Binary,
}

// kindBit is a bit set of candidate kinds.
type kindBit uint32

func bitOf(k types.Kind) kindBit { return 1 << uint(k) }

// csvTyper builds column type guessers for one CSV source.
type csvTyper struct {
	custom  bool
	allowed kindBit
	keep    bool // CSVOptions.KeepSpaces
}

func newCSVTyper(kinds []types.Kind, keepSpaces bool) csvTyper {
	if kinds == nil {
		return csvTyper{keep: keepSpaces}
	}
	t := csvTyper{custom: true, keep: keepSpaces}
	for _, k := range kinds {
		t.allowed |= bitOf(k)
	}
	return t
}

// column returns a fresh guesser for one column.
func (t csvTyper) column() colGuesser {
	if !t.custom {
		return &defaultGuess{keep: t.keep}
	}
	return &customGuess{cand: t.allowed, keep: t.keep}
}

// untrimmed reports whether s, typed without trimming, can only be a
// string: it has whitespace around it (or is only whitespace).
func untrimmed(s string) bool {
	return s != "" && strings.TrimSpace(s) != s
}

// value types a single field (header detection).
func (t csvTyper) value(s string) *types.Type {
	g := t.column()
	g.add(s)
	return g.typ()
}

// colGuesser accumulates the type of one CSV column.
type colGuesser interface {
	add(s string)
	// typ is the column's type, or nil when only empty values were seen.
	typ() *types.Type
}

// defaultGuess is Glue's default: boolean | bigint ⊂ double ⊂ string.
type defaultGuess struct {
	t    *types.Type
	keep bool
}

func (g *defaultGuess) add(s string) {
	if g.keep && untrimmed(s) {
		g.t = types.TString
		return
	}
	g.t = types.Merge(g.t, inferText(s))
}

func (g *defaultGuess) typ() *types.Type { return g.t }

// customGuess narrows a set of candidate kinds.
type customGuess struct {
	cand kindBit
	seen bool
	// Decimal precision needs: the most integer digits and the largest
	// scale of the values seen.
	intDigits, scale int
	keep             bool
}

func (g *customGuess) add(s string) {
	if g.keep && untrimmed(s) {
		g.seen = true // only string fits, or binary for bytes that are not UTF-8
		if g.cand &= bitOf(types.Binary); !g.fits(types.Binary, s) {
			g.cand = 0
		}
		return
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	g.seen = true
	if g.cand == 0 {
		return
	}
	keep := kindBit(0)
	for _, k := range candidateOrder {
		if g.cand&bitOf(k) != 0 && g.fits(k, s) {
			keep |= bitOf(k)
		}
	}
	g.cand = keep
}

func (g *customGuess) fits(k types.Kind, s string) bool {
	switch k {
	case types.Boolean:
		_, ok := parseBool(s)
		return ok
	case types.SmallInt:
		_, err := strconv.ParseInt(s, 10, 16)
		return err == nil
	case types.Int:
		_, err := strconv.ParseInt(s, 10, 32)
		return err == nil
	case types.BigInt:
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	case types.Decimal:
		ip, sc, ok := decimalDigits(s)
		if !ok {
			return false
		}
		ip, sc = max(ip, g.intDigits), max(sc, g.scale)
		if ip+sc > types.MaxPrecision {
			return false
		}
		g.intDigits, g.scale = ip, sc
		return true
	case types.Float:
		if !looksNumeric(s) {
			return false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return false
		}
		// Only values float keeps as written: 2.5 and 0.1 are floats,
		// 3.14159265358979 needs a double.
		f32 := float32(f)
		return !math.IsInf(float64(f32), 0) &&
			strconv.FormatFloat(float64(f32), 'g', -1, 32) == strconv.FormatFloat(f, 'g', -1, 64)
	case types.Double:
		if !looksNumeric(s) {
			return false
		}
		_, err := strconv.ParseFloat(s, 64)
		return err == nil
	case types.Date:
		return isHiveDate(s)
	case types.Timestamp:
		return isHiveTimestamp(s)
	case types.Binary:
		// Text is a string; bytes that are not UTF-8 are binary.
		return !utf8.ValidString(s)
	}
	return false
}

func (g *customGuess) typ() *types.Type {
	if !g.seen {
		return nil
	}
	for _, k := range candidateOrder {
		if g.cand&bitOf(k) == 0 {
			continue
		}
		switch k {
		case types.Decimal:
			return types.DecimalOf(max(g.intDigits+g.scale, 1), g.scale)
		case types.Binary:
			return types.TBinary
		}
		return &types.Type{Kind: k}
	}
	return types.TString
}

// decimalDigits parses a plain decimal ([+-]digits[.digits], no exponent)
// and returns its integer digit count (leading zeros aside) and scale.
func decimalDigits(s string) (intDigits, scale int, ok bool) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	ip, fp, dot := strings.Cut(s, ".")
	if ip == "" && fp == "" || dot && fp == "" {
		return 0, 0, false
	}
	for _, part := range []string{ip, fp} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, 0, false
			}
		}
	}
	ip = strings.TrimLeft(ip, "0")
	return len(ip), len(fp), true
}

// isHiveDate reports whether s is yyyy-mm-dd, the date form Hive's text
// SerDes read.
func isHiveDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// isHiveTimestamp reports whether s is yyyy-mm-dd hh:mm:ss[.f{1,9}], the
// timestamp form Hive's LazySimpleSerDe reads.
func isHiveTimestamp(s string) bool {
	if len(s) < 19 || s[10] != ' ' || !isHiveDate(s[:10]) {
		return false
	}
	clock, frac, hasFrac := strings.Cut(s[11:], ".")
	if len(clock) != 8 || clock[2] != ':' || clock[5] != ':' {
		return false
	}
	h, m, sec := atoi2(clock[0:2]), atoi2(clock[3:5]), atoi2(clock[6:8])
	if h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59 {
		return false
	}
	if hasFrac {
		if len(frac) == 0 || len(frac) > 9 {
			return false
		}
		for i := 0; i < len(frac); i++ {
			if frac[i] < '0' || frac[i] > '9' {
				return false
			}
		}
	}
	return true
}

func atoi2(s string) int {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return -1
	}
	return int(s[0]-'0')*10 + int(s[1]-'0')
}
