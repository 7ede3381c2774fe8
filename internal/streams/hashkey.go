package streams

import (
	"crypto/md5"
	"encoding/binary"
	"math/big"
	"math/bits"
)

// u128 is a 128-bit hash key. Routing a record compares these, not
// big.Ints: it runs for every record put.
type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	switch {
	case a.hi < b.hi || a.hi == b.hi && a.lo < b.lo:
		return -1
	case a == b:
		return 0
	}
	return 1
}

// u128Of converts a hash key in [0, 2^128-1].
func u128Of(n *big.Int) u128 {
	var b [16]byte
	n.FillBytes(b[:])
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// hashKey returns MD5(partition key) as an unsigned 128-bit integer, or
// the explicit hash key (a validated decimal string) when given; ok is
// false for an explicit key above 2^128-1, which no shard holds.
func hashKey(partitionKey, explicit string) (k u128, ok bool) {
	if explicit == "" {
		sum := md5.Sum([]byte(partitionKey))
		return u128{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}, true
	}
	for i := 0; i < len(explicit); i++ {
		d := explicit[i] - '0'
		if d > 9 {
			return u128{}, false
		}
		// k = k*10 + d, failing on overflow.
		hh, hl := bits.Mul64(k.hi, 10)
		lh, ll := bits.Mul64(k.lo, 10)
		hi, c := bits.Add64(hl, lh, 0)
		if hh != 0 || c != 0 {
			return u128{}, false
		}
		lo, c := bits.Add64(ll, uint64(d), 0)
		hi, c2 := bits.Add64(hi, 0, c)
		if c2 != 0 {
			return u128{}, false
		}
		k = u128{hi, lo}
	}
	return k, true
}
