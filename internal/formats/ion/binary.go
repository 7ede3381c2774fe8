package ion

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"
	"unicode/utf8"
)

// binDecoder decodes one buffered binary value (and its children).
type binDecoder struct {
	b    []byte
	pos  int
	syms *symtab
}

var errTruncated = errors.New("ion: value runs past its container")

func (d *binDecoder) byte() (byte, error) {
	if d.pos >= len(d.b) {
		return 0, errTruncated
	}
	c := d.b[d.pos]
	d.pos++
	return c, nil
}

func (d *binDecoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.pos {
		return nil, errTruncated
	}
	s := d.b[d.pos : d.pos+n]
	d.pos += n
	return s, nil
}

func (d *binDecoder) varUInt(end int) (uint64, error) {
	var v uint64
	for i := 0; ; i++ {
		if d.pos >= end {
			return 0, errTruncated
		}
		c := d.b[d.pos]
		d.pos++
		if i == 9 {
			return 0, errors.New("ion: VarUInt too long")
		}
		v = v<<7 | uint64(c&0x7F)
		if c&0x80 != 0 {
			return v, nil
		}
	}
}

// varInt returns the value and whether it was a negative zero.
func (d *binDecoder) varInt(end int) (int64, bool, error) {
	if d.pos >= end {
		return 0, false, errTruncated
	}
	c := d.b[d.pos]
	d.pos++
	neg := c&0x40 != 0
	v := uint64(c & 0x3F)
	for c&0x80 == 0 {
		if d.pos >= end {
			return 0, false, errTruncated
		}
		if v > math.MaxInt64>>7 {
			return 0, false, errors.New("ion: VarInt too large")
		}
		c = d.b[d.pos]
		d.pos++
		v = v<<7 | uint64(c&0x7F)
	}
	if neg {
		return -int64(v), v == 0, nil
	}
	return int64(v), false, nil
}

// intField decodes an Ion Int (sign-and-magnitude, big-endian) of n bytes.
func intField(b []byte) (mag *big.Int, neg bool) {
	if len(b) == 0 {
		return new(big.Int), false
	}
	neg = b[0]&0x80 != 0
	m := append([]byte{b[0] & 0x7F}, b[1:]...)
	mag = new(big.Int).SetBytes(m)
	if neg {
		mag.Neg(mag)
	}
	return mag, neg
}

// value decodes the value at pos. top says it is a top-level value, whose
// annotations are returned (as symbol ids) for symbol-table detection.
func (d *binDecoder) value(depth int, top bool) ([]uint64, any, error) {
	if depth > MaxDepth {
		return nil, nil, fmt.Errorf("ion: nested deeper than %d levels", MaxDepth)
	}
	td, err := d.byte()
	if err != nil {
		return nil, nil, err
	}
	t, l := td>>4, int(td&0x0F)
	if l == 15 {
		if t <= 13 {
			return nil, nil, nil // null.null and typed nulls
		}
		return nil, nil, fmt.Errorf("ion: invalid type descriptor 0x%02x", td)
	}
	if t == 1 {
		switch l {
		case 0:
			return nil, false, nil
		case 1:
			return nil, true, nil
		}
		return nil, nil, fmt.Errorf("ion: invalid bool 0x%02x", td)
	}
	length := l
	if l == 14 || (t == 13 && l == 1) {
		n, err := d.varUInt(len(d.b))
		if err != nil {
			return nil, nil, err
		}
		if n > uint64(len(d.b)-d.pos) {
			return nil, nil, errTruncated
		}
		length = int(n)
	}
	if length > len(d.b)-d.pos {
		return nil, nil, errTruncated
	}
	end := d.pos + length
	switch t {
	case 0: // NOP pad in a container: skip
		d.pos = end
		return nil, nopPad{}, nil
	case 2, 3:
		body, _ := d.take(length)
		if t == 3 && length == 0 {
			return nil, nil, errors.New("ion: negative int zero length")
		}
		m := new(big.Int).SetBytes(body)
		if t == 3 {
			if m.Sign() == 0 {
				return nil, nil, errors.New("ion: negative int zero")
			}
			m.Neg(m)
		}
		if m.IsInt64() {
			return nil, m.Int64(), nil
		}
		return nil, m, nil
	case 4:
		body, _ := d.take(length)
		switch length {
		case 0:
			return nil, 0.0, nil
		case 4:
			return nil, float64(math.Float32frombits(beUint32(body))), nil
		case 8:
			return nil, math.Float64frombits(beUint64(body)), nil
		}
		return nil, nil, fmt.Errorf("ion: float of %d bytes", length)
	case 5:
		if length == 0 {
			return nil, Decimal{Coef: new(big.Int)}, nil
		}
		exp, _, err := d.varInt(end)
		if err != nil {
			return nil, nil, err
		}
		if exp < math.MinInt32 || exp > math.MaxInt32 {
			return nil, nil, errors.New("ion: decimal exponent out of range")
		}
		coef, neg := intField(d.b[d.pos:end])
		d.pos = end
		return nil, Decimal{Coef: coef, Exp: int32(exp), Neg: neg && coef.Sign() == 0}, nil
	case 6:
		ts, err := d.timestamp(end)
		if err != nil {
			return nil, nil, err
		}
		return nil, ts, nil
	case 7:
		body, _ := d.take(length)
		sid := new(big.Int).SetBytes(body)
		return nil, d.symbol(sid), nil
	case 8:
		body, _ := d.take(length)
		if !utf8.Valid(body) {
			return nil, nil, errors.New("ion: string is not UTF-8")
		}
		return nil, string(body), nil
	case 9, 10:
		body, _ := d.take(length)
		return nil, append([]byte(nil), body...), nil
	case 11, 12:
		list := []any{}
		for d.pos < end {
			sub := &binDecoder{b: d.b[:end], pos: d.pos, syms: d.syms}
			_, v, err := sub.value(depth+1, false)
			if err != nil {
				return nil, nil, err
			}
			d.pos = sub.pos
			if _, pad := v.(nopPad); !pad {
				list = append(list, v)
			}
		}
		return nil, list, nil
	case 13:
		s := &Struct{}
		for d.pos < end {
			fsid, err := d.varUInt(end)
			if err != nil {
				return nil, nil, err
			}
			sub := &binDecoder{b: d.b[:end], pos: d.pos, syms: d.syms}
			_, v, err := sub.value(depth+1, false)
			if err != nil {
				return nil, nil, err
			}
			d.pos = sub.pos
			if _, pad := v.(nopPad); !pad {
				s.Fields = append(s.Fields, Field{Name: d.symbol(new(big.Int).SetUint64(fsid)), Value: v})
			}
		}
		return nil, s, nil
	case 14:
		if length == 0 {
			return nil, nil, errors.New("ion: version marker inside a value")
		}
		alen, err := d.varUInt(end)
		if err != nil {
			return nil, nil, err
		}
		if alen == 0 || alen > uint64(end-d.pos) {
			return nil, nil, errors.New("ion: bad annotation length")
		}
		aend := d.pos + int(alen)
		var annots []uint64
		for d.pos < aend {
			a, err := d.varUInt(aend)
			if err != nil {
				return nil, nil, err
			}
			annots = append(annots, a)
		}
		sub := &binDecoder{b: d.b[:end], pos: d.pos, syms: d.syms}
		_, v, err := sub.value(depth+1, false)
		if err != nil {
			return nil, nil, err
		}
		if sub.pos != end {
			return nil, nil, errors.New("ion: annotation wrapper length mismatch")
		}
		if _, pad := v.(nopPad); pad {
			return nil, nil, errors.New("ion: annotated NOP pad")
		}
		d.pos = end
		if !top {
			annots = nil
		}
		return annots, v, nil
	}
	return nil, nil, fmt.Errorf("ion: reserved type descriptor 0x%02x", td)
}

// nopPad marks a NOP pad inside a container.
type nopPad struct{}

func (d *binDecoder) symbol(sid *big.Int) string {
	if sid.IsInt64() {
		if text := d.syms.text(sid.Int64()); text != "" {
			return text
		}
	}
	return "$" + sid.String()
}

func (d *binDecoder) timestamp(end int) (time.Time, error) {
	off, unknown, err := d.varInt(end)
	if err != nil {
		return time.Time{}, err
	}
	var f [6]int64 // year, month, day, hour, minute, second
	f[1], f[2] = 1, 1
	n := 0
	for n < 6 && d.pos < end {
		v, err := d.varUInt(end)
		if err != nil {
			return time.Time{}, err
		}
		if v > 1<<20 {
			return time.Time{}, errors.New("ion: timestamp field out of range")
		}
		f[n] = int64(v)
		n++
	}
	if n == 0 || n == 4 {
		return time.Time{}, errors.New("ion: timestamp precision")
	}
	var nanos int64
	if d.pos < end {
		if n != 6 {
			return time.Time{}, errors.New("ion: timestamp fraction without seconds")
		}
		fexp, _, err := d.varInt(end)
		if err != nil {
			return time.Time{}, err
		}
		coef, _ := intField(d.b[d.pos:end])
		d.pos = end
		if coef.Sign() < 0 || fexp > 0 || fexp < -60 {
			return time.Time{}, errors.New("ion: bad timestamp fraction")
		}
		// fraction = coef × 10^fexp, in [0, 1)
		r := new(big.Rat).SetFrac(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(-fexp), nil))
		if r.Cmp(big.NewRat(1, 1)) >= 0 {
			return time.Time{}, errors.New("ion: timestamp fraction ≥ 1")
		}
		ns := new(big.Rat).Mul(r, big.NewRat(1e9, 1))
		nanos = new(big.Int).Quo(ns.Num(), ns.Denom()).Int64()
	}
	return makeTime(f, nanos, off, unknown)
}

func makeTime(f [6]int64, nanos, off int64, unknown bool) (time.Time, error) {
	y, mo, dd, h, mi, s := f[0], f[1], f[2], f[3], f[4], f[5]
	if y < 1 || y > 9999 || mo < 1 || mo > 12 || dd < 1 || dd > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, errors.New("ion: timestamp out of range")
	}
	if off < -24*60 || off > 24*60 {
		return time.Time{}, errors.New("ion: timestamp offset out of range")
	}
	loc := time.UTC
	if off != 0 && !unknown {
		loc = time.FixedZone("", int(off)*60)
	}
	// Binary timestamps are stored in UTC; the offset is only for display.
	t := time.Date(int(y), time.Month(mo), int(dd), int(h), int(mi), int(s), int(nanos), time.UTC)
	if t.Day() != int(dd) {
		return time.Time{}, errors.New("ion: invalid day of month")
	}
	return t.In(loc), nil
}

func beUint32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func beUint64(b []byte) uint64 {
	return uint64(beUint32(b[:4]))<<32 | uint64(beUint32(b[4:]))
}
