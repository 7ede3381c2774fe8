package checksum

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

func sumOf(alg Algorithm, b []byte) []byte {
	h := alg.New()
	h.Write(b)
	return h.Sum(nil)
}

func TestComposite(t *testing.T) {
	parts := [][]byte{[]byte("hello "), []byte("wor"), []byte("ld")}
	for _, alg := range Algorithms {
		var sums [][]byte
		var concat []byte
		for _, p := range parts {
			s := sumOf(alg, p)
			sums = append(sums, s)
			concat = append(concat, s...)
		}
		want := base64.StdEncoding.EncodeToString(sumOf(alg, concat)) + "-3"
		if got := Composite(alg, sums); got != want {
			t.Errorf("Composite(%s) = %s, want %s", alg, got, want)
		}
	}
	if got := Composite("MD5", nil); got != "" {
		t.Errorf("Composite(MD5) = %q, want empty", got)
	}
}

func TestCompositeLiteral(t *testing.T) {
	// CRC32C over the raw CRC32C digests of "a" and "b" (c1d04330 and
	// d280b0c4), computed independently with a bitwise CRC in Python.
	a, b := sumOf(CRC32C, []byte("a")), sumOf(CRC32C, []byte("b"))
	if got, want := Composite(CRC32C, [][]byte{a, b}), "zR0P4A==-2"; got != want {
		t.Errorf("Composite(CRC32C) = %s, want %s", got, want)
	}
	// SHA256 of 64 zero bytes (two all-zero 32-byte part digests), a
	// well-known constant: f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b.
	zero := make([]byte, 32)
	if got, want := Composite(SHA256, [][]byte{zero, zero}), "9aX9QtFqIDAnmO9u0wmXm0MAPSMg2fDo6pgxqSdZ+0s=-2"; got != want {
		t.Errorf("Composite = %s, want %s", got, want)
	}
}

// TestCombineCRCProperty checks that combining the CRCs of random splits of
// random data gives the CRC of the whole, for every CRC algorithm.
func TestCombineCRCProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<16)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, alg := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		for trial := range 200 {
			n := rng.IntN(len(data) + 1)
			whole := data[:n]
			k := 1 + rng.IntN(8)
			var parts []Part
			off := 0
			for i := range k {
				end := off + rng.IntN(n-off+1)
				if i == k-1 {
					end = n
				}
				if trial%5 == 0 && i%2 == 1 && i != k-1 {
					end = off // include empty parts
				}
				parts = append(parts, Part{Sum: sumOf(alg, whole[off:end]), Size: int64(end - off)})
				off = end
			}
			got, err := CombineCRC(alg, parts)
			if err != nil {
				t.Fatal(err)
			}
			if want := sumOf(alg, whole); !bytes.Equal(got, want) {
				t.Fatalf("%s trial %d (%d bytes, %d parts): combined %x, want %x", alg, trial, n, k, got, want)
			}
		}
	}
}

// TestCombineCRCLarge exercises lengths with many bits set, beyond what the
// property test's buffer reaches, against the check value: "123456789"
// repeated is split as a 9-byte part and a large part.
func TestCombineCRCLarge(t *testing.T) {
	big := bytes.Repeat([]byte("123456789"), 1<<17+3)
	for _, alg := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		parts := []Part{
			{Sum: sumOf(alg, big[:9]), Size: 9},
			{Sum: sumOf(alg, big[9:]), Size: int64(len(big) - 9)},
		}
		got, err := CombineCRC(alg, parts)
		if err != nil {
			t.Fatal(err)
		}
		if want := sumOf(alg, big); !bytes.Equal(got, want) {
			t.Errorf("%s: %x, want %x", alg, got, want)
		}
	}
}

func TestCombineCRCErrors(t *testing.T) {
	good := Part{Sum: sumOf(CRC32, []byte("x")), Size: 1}
	for name, tc := range map[string]struct {
		alg   Algorithm
		parts []Part
	}{
		"sha256":     {SHA256, []Part{{Sum: make([]byte, 32), Size: 1}}},
		"no parts":   {CRC32, nil},
		"short sum":  {CRC32, []Part{good, {Sum: []byte{1, 2}, Size: 1}}},
		"crc32 as64": {CRC64NVME, []Part{good}},
		"negative":   {CRC32, []Part{good, {Sum: good.Sum, Size: -1}}},
	} {
		if _, err := CombineCRC(tc.alg, tc.parts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCombineCRCSinglePart(t *testing.T) {
	s := sumOf(CRC64NVME, []byte("123456789"))
	got, err := CombineCRC(CRC64NVME, []Part{{Sum: s, Size: 9}})
	if err != nil || !bytes.Equal(got, s) {
		t.Errorf("single part = %x, %v; want %x", got, err, s)
	}
}
