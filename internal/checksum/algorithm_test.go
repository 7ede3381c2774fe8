package checksum

import (
	"encoding/hex"
	"testing"
)

// Check values for "123456789" from the Rocksoft/Williams CRC catalogue
// (CRC-32/ISO-HDLC, CRC-32/ISCSI, CRC-64/NVME); SHA values from FIPS 180.
func TestCheckValues(t *testing.T) {
	for _, tc := range []struct {
		alg  Algorithm
		want string // hex
	}{
		{CRC32, "cbf43926"},
		{CRC32C, "e3069283"},
		{CRC64NVME, "ae8b14860a799888"},
		{SHA1, "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},
		{SHA256, "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"},
	} {
		h := tc.alg.New()
		h.Write([]byte("123456789"))
		if got := hex.EncodeToString(h.Sum(nil)); got != tc.want {
			t.Errorf("%s(123456789) = %s, want %s", tc.alg, got, tc.want)
		}
		if h.Size() != tc.alg.Size() {
			t.Errorf("%s: hash size %d, Size() %d", tc.alg, h.Size(), tc.alg.Size())
		}
	}
}

// Wire values. The "hello world" and "Hello world" rows are the expected
// values in aws-sdk-go-v2 service/internal/checksum v1.11.13
// (algorithms_test.go: TestComputeChecksumReader, TestValidateChecksumReader,
// TestComputeMD5Checksum). Every row was also computed independently with a
// bitwise CRC (no tables) and Python's hashlib/zlib.
func TestWireValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		alg  Algorithm // "" means MD5
		want string
	}{
		{"hello world", CRC32, "DUoRhQ=="},
		{"hello world", CRC32C, "yZRlqg=="},
		{"hello world", CRC64NVME, "jSnVw/bqjr4="},
		{"hello world", SHA1, "Kq5sNclPz7QV2+lfQIuc6R7oRu0="},
		{"hello world", SHA256, "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="},
		{"hello world", "", "XrY7u+Ae7tCTyyK7j1rNww=="},
		{"Hello world", CRC32, "i9aeUg=="},
		{"Hello world", CRC32C, "crUfeA=="},
		{"Hello world", CRC64NVME, "OOJZ0D8xKts="},
		{"123456789", CRC32, "y/Q5Jg=="},
		{"123456789", CRC32C, "4waSgw=="},
		{"123456789", CRC64NVME, "rosUhgp5mIg="},
		{"", CRC32, "AAAAAA=="},
		{"", CRC64NVME, "AAAAAAAAAAA="},
		{"", SHA256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
		{"", "", "1B2M2Y8AsgTpgAmY7PhCfg=="},
	} {
		r := NewReader(stringsReader(tc.in), tc.alg)
		drain(t, r)
		got := Encode(r.Sum())
		if tc.alg == "" {
			got = Encode(r.MD5())
		}
		if got != tc.want {
			t.Errorf("%s(%q) = %s, want %s", algName(tc.alg), tc.in, got, tc.want)
		}
		if tc.alg != "" {
			if _, err := Decode(tc.alg, tc.want); err != nil {
				t.Errorf("Decode(%s, %s): %v", tc.alg, tc.want, err)
			}
		}
	}
}

func algName(a Algorithm) string {
	if a == "" {
		return "MD5"
	}
	return string(a)
}

func TestParseAlgorithm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Algorithm
		ok   bool
	}{
		{"CRC32", CRC32, true},
		{"crc32c", CRC32C, true},
		{"Crc64Nvme", CRC64NVME, true},
		{"sha1", SHA1, true},
		{"sHa256", SHA256, true},
		{"MD5", "", false},
		{"SHA512", "", false},
		{"", "", false},
		{"crc32 ", "", false},
	} {
		got, ok := ParseAlgorithm(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAlgorithmProperties(t *testing.T) {
	for _, tc := range []struct {
		alg        Algorithm
		header     string
		size       int
		full, comp bool
	}{
		{CRC32, "x-amz-checksum-crc32", 4, true, true},
		{CRC32C, "x-amz-checksum-crc32c", 4, true, true},
		{CRC64NVME, "x-amz-checksum-crc64nvme", 8, true, false},
		{SHA1, "x-amz-checksum-sha1", 20, false, true},
		{SHA256, "x-amz-checksum-sha256", 32, false, true},
		{"crc32", "", 0, false, false}, // not canonical: not valid
		{"", "", 0, false, false},
	} {
		if got := tc.alg.HeaderName(); got != tc.header {
			t.Errorf("%q.HeaderName() = %q, want %q", tc.alg, got, tc.header)
		}
		if got := tc.alg.Size(); got != tc.size {
			t.Errorf("%q.Size() = %d, want %d", tc.alg, got, tc.size)
		}
		if got := tc.alg.SupportsFullObject(); got != tc.full {
			t.Errorf("%q.SupportsFullObject() = %v", tc.alg, got)
		}
		if got := tc.alg.SupportsComposite(); got != tc.comp {
			t.Errorf("%q.SupportsComposite() = %v", tc.alg, got)
		}
		if (tc.alg.New() != nil) != (tc.size != 0) {
			t.Errorf("%q.New() nil-ness wrong", tc.alg)
		}
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		alg   Algorithm
		value string
		ok    bool
	}{
		{CRC32, "DUoRhQ==", true},
		{CRC32, "DUoRhQ", false},       // unpadded
		{CRC32, "DUoRhR==", false},     // non-canonical trailing bits
		{CRC32, "jSnVw/bqjr4=", false}, // 8 bytes, not 4
		{CRC64NVME, "jSnVw/bqjr4=", true},
		{SHA1, "Kq5sNclPz7QV2+lfQIuc6R7oRu0=", true},
		{SHA1, "Kq5sNclPz7QV2-lfQIuc6R7oRu0=", false}, // URL alphabet
		{SHA256, "", false},
		{"MD5", "XrY7u+Ae7tCTyyK7j1rNww==", false},
	} {
		_, err := Decode(tc.alg, tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("Decode(%s, %q) error = %v, want ok=%v", tc.alg, tc.value, err, tc.ok)
		}
	}
}
