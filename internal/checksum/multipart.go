package checksum

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// Composite returns the COMPOSITE checksum of a multipart object: the
// algorithm applied to the concatenation of the parts' raw digests (in part
// order), base64-encoded, then "-" and the number of parts. For example
// "4waSgw==-3". It returns "" for an invalid algorithm.
func Composite(alg Algorithm, partSums [][]byte) string {
	h := alg.New()
	if h == nil {
		return ""
	}
	for _, s := range partSums {
		h.Write(s)
	}
	return Encode(h.Sum(nil)) + "-" + strconv.Itoa(len(partSums))
}

// Part is one part's CRC (its raw big-endian digest) and length in bytes.
type Part struct {
	Sum  []byte
	Size int64
}

// CombineCRC returns the FULL_OBJECT checksum of a multipart object: the CRC
// of the concatenated parts, derived from each part's CRC and length only
// (zlib's crc32_combine, generalised to CRC64NVME). The size of the first
// part does not matter. It returns an error for an algorithm that is not a
// CRC, a digest of the wrong length, a negative size, or no parts.
func CombineCRC(alg Algorithm, parts []Part) ([]byte, error) {
	var c crcSpec
	switch alg {
	case CRC32:
		c = crcSpec{poly: polyCRC32, width: 32}
	case CRC32C:
		c = crcSpec{poly: polyCRC32C, width: 32}
	case CRC64NVME:
		c = crcSpec{poly: polyCRC64NVME, width: 64}
	default:
		return nil, errors.New("checksum: " + string(alg) + " is not a CRC and cannot be combined")
	}
	if len(parts) == 0 {
		return nil, errors.New("checksum: no parts to combine")
	}
	var crc uint64
	for i, p := range parts {
		if len(p.Sum) != alg.Size() {
			return nil, errors.New("checksum: part " + strconv.Itoa(i+1) + " has a " + strconv.Itoa(len(p.Sum)) + "-byte " + string(alg))
		}
		if p.Size < 0 {
			return nil, errors.New("checksum: part " + strconv.Itoa(i+1) + " has a negative size")
		}
		v := c.load(p.Sum)
		if i == 0 {
			crc = v
			continue
		}
		crc = c.combine(crc, v, p.Size)
	}
	return c.store(crc), nil
}

// crcSpec describes a reflected CRC with all-ones initial value and final
// XOR (true of CRC-32/ISO-HDLC, CRC-32C and CRC-64/NVME), the family for
// which the zlib combine identity holds:
//
//	crc(A‖B) = crc(A)·x^(8·len(B)) mod P  ⊕  crc(B)
//
// Polynomials over GF(2) are kept reflected: bit width-1 is x^0.
type crcSpec struct {
	poly  uint64 // reflected generator, without the x^width term
	width uint   // 32 or 64
}

func (c crcSpec) load(b []byte) uint64 {
	if c.width == 32 {
		return uint64(binary.BigEndian.Uint32(b))
	}
	return binary.BigEndian.Uint64(b)
}

func (c crcSpec) store(v uint64) []byte {
	if c.width == 32 {
		return binary.BigEndian.AppendUint32(nil, uint32(v))
	}
	return binary.BigEndian.AppendUint64(nil, v)
}

// one is the polynomial 1 (x^0) in reflected form.
func (c crcSpec) one() uint64 { return 1 << (c.width - 1) }

// mulmod returns a·b mod P.
func (c crcSpec) mulmod(a, b uint64) uint64 {
	var p uint64
	for m := c.one(); m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
			if a&(m-1) == 0 {
				break
			}
		}
		if b&1 != 0 {
			b = b>>1 ^ c.poly
		} else {
			b >>= 1
		}
	}
	return p
}

// xpow8n returns x^(8·n) mod P by square-and-multiply: x^(2^k) for k = 3
// (one byte) upwards.
func (c crcSpec) xpow8n(n int64) uint64 {
	p := c.one()
	sq := c.one() >> 1 // x^1
	for range 3 {      // x^8
		sq = c.mulmod(sq, sq)
	}
	for ; n > 0; n >>= 1 {
		if n&1 != 0 {
			p = c.mulmod(sq, p)
		}
		sq = c.mulmod(sq, sq)
	}
	return p
}

// combine returns the CRC of A‖B from crc(A), crc(B) and len(B).
func (c crcSpec) combine(crcA, crcB uint64, lenB int64) uint64 {
	return c.mulmod(c.xpow8n(lenB), crcA) ^ crcB
}
