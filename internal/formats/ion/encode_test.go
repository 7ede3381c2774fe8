package ion

import (
	"math"
	"math/big"
)

// A minimal binary Ion writer for tests.

func varUInt(n uint64) []byte {
	out := []byte{byte(n&0x7F) | 0x80}
	for n >>= 7; n > 0; n >>= 7 {
		out = append([]byte{byte(n & 0x7F)}, out...)
	}
	return out
}

func varInt(n int64) []byte {
	neg := n < 0
	if neg {
		n = -n
	}
	var groups []byte
	for {
		groups = append([]byte{byte(n & 0x7F)}, groups...)
		n >>= 7
		if n == 0 {
			break
		}
	}
	if groups[0]&0x40 != 0 {
		groups = append([]byte{0}, groups...)
	}
	if neg {
		groups[0] |= 0x40
	}
	groups[len(groups)-1] |= 0x80
	return groups
}

func tv(t byte, body []byte) []byte {
	if len(body) < 14 {
		return append([]byte{t<<4 | byte(len(body))}, body...)
	}
	return append(append([]byte{t<<4 | 14}, varUInt(uint64(len(body)))...), body...)
}

func encInt(n int64) []byte {
	t := byte(2)
	if n < 0 {
		t, n = 3, -n
	}
	if n == 0 {
		return []byte{0x20}
	}
	return tv(t, new(big.Int).SetInt64(n).Bytes())
}

func encString(s string) []byte { return tv(8, []byte(s)) }
func encSymbol(sid int) []byte {
	if sid == 0 {
		return []byte{0x70}
	}
	return tv(7, big.NewInt(int64(sid)).Bytes())
}
func encBool(b bool) []byte {
	if b {
		return []byte{0x11}
	}
	return []byte{0x10}
}
func encFloat(f float64) []byte {
	b := make([]byte, 8)
	u := math.Float64bits(f)
	for i := 7; i >= 0; i-- {
		b[i] = byte(u)
		u >>= 8
	}
	return tv(4, b)
}

// encDecimal encodes coef×10^exp (coef ≥ 0).
func encDecimal(coef, exp int64) []byte {
	body := varInt(exp)
	if coef != 0 {
		c := big.NewInt(coef).Bytes()
		if c[0]&0x80 != 0 {
			c = append([]byte{0}, c...)
		}
		body = append(body, c...)
	}
	return tv(5, body)
}

// encTimestamp encodes a UTC timestamp to the second.
func encTimestamp(y, mo, d, h, mi, s int) []byte {
	body := varInt(0)
	for _, v := range []int{y, mo, d, h, mi, s} {
		body = append(body, varUInt(uint64(v))...)
	}
	return tv(6, body)
}

func encList(vals ...[]byte) []byte {
	var body []byte
	for _, v := range vals {
		body = append(body, v...)
	}
	return tv(11, body)
}

type fld struct {
	sid int
	v   []byte
}

func encStruct(fs ...fld) []byte {
	var body []byte
	for _, f := range fs {
		body = append(append(body, varUInt(uint64(f.sid))...), f.v...)
	}
	return tv(13, body)
}

func encAnnotated(v []byte, sids ...int) []byte {
	var a []byte
	for _, s := range sids {
		a = append(a, varUInt(uint64(s))...)
	}
	return tv(14, append(append(varUInt(uint64(len(a))), a...), v...))
}

// sampleBinary is a binary Ion stream: a local symbol table for id, name,
// price, tags, at, ok, then two records.
func sampleBinary() []byte {
	out := append([]byte(nil), BVM...)
	out = append(out, encAnnotated(encStruct(fld{7, encList(encString("id"), encString("name"), encString("price"),
		encString("tags"), encString("at"), encString("ok"))}), 3)...)
	out = append(out, encStruct(fld{10, encInt(1)}, fld{11, encString("ann")}, fld{12, encDecimal(1250, -2)},
		fld{13, encList(encSymbol(11), encString("x"))}, fld{14, encTimestamp(2024, 1, 2, 3, 4, 5)}, fld{15, encBool(true)})...)
	out = append(out, encStruct(fld{10, encInt(-70000)}, fld{11, []byte{0x8F}}, fld{12, encFloat(2.5)}, fld{16 /* unknown */, encInt(3)})...)
	return out
}

func bigInt(n int64) *big.Int { return big.NewInt(n) }
