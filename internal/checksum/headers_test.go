package checksum

import (
	"errors"
	"net/http"
	"testing"
)

func TestFromHeaders(t *testing.T) {
	const multiple = "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
	for _, tc := range []struct {
		name    string
		h       map[string][]string
		alg     Algorithm
		value   string
		wantErr string // message; "" for success
	}{
		{name: "none", h: nil},
		{name: "crc32", h: map[string][]string{"x-amz-checksum-crc32": {"DUoRhQ=="}}, alg: CRC32, value: "DUoRhQ=="},
		{name: "crc64nvme", h: map[string][]string{"X-Amz-Checksum-Crc64nvme": {" jSnVw/bqjr4= "}}, alg: CRC64NVME, value: "jSnVw/bqjr4="},
		{name: "sha256", h: map[string][]string{"x-amz-checksum-sha256": {"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="}}, alg: SHA256, value: "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="},
		{name: "two algorithms", h: map[string][]string{
			"x-amz-checksum-crc32":  {"DUoRhQ=="},
			"x-amz-checksum-crc32c": {"yZRlqg=="},
		}, wantErr: multiple},
		{name: "same header twice", h: map[string][]string{"x-amz-checksum-crc32": {"DUoRhQ==", "DUoRhQ=="}}, wantErr: multiple},
		{name: "value and trailer", h: map[string][]string{
			"x-amz-checksum-crc32": {"DUoRhQ=="},
			"x-amz-trailer":        {"x-amz-checksum-crc32c"},
		}, wantErr: multiple},
		{name: "wrong length", h: map[string][]string{"x-amz-checksum-crc32": {"jSnVw/bqjr4="}}, wantErr: "Value for x-amz-checksum-crc32 header is invalid."},
		{name: "not base64", h: map[string][]string{"x-amz-checksum-sha1": {"not base64!"}}, wantErr: "Value for x-amz-checksum-sha1 header is invalid."},
		{name: "empty value", h: map[string][]string{"x-amz-checksum-crc32c": {""}}, wantErr: "Value for x-amz-checksum-crc32c header is invalid."},
		{name: "sdk algorithm only", h: map[string][]string{"x-amz-sdk-checksum-algorithm": {"crc32c"}}, alg: CRC32C},
		{name: "multipart algorithm only", h: map[string][]string{"x-amz-checksum-algorithm": {"SHA1"}}, alg: SHA1},
		{name: "sdk algorithm agrees", h: map[string][]string{
			"x-amz-sdk-checksum-algorithm": {"CRC32"},
			"x-amz-checksum-crc32":         {"DUoRhQ=="},
		}, alg: CRC32, value: "DUoRhQ=="},
		{name: "sdk algorithm disagrees", h: map[string][]string{
			"x-amz-sdk-checksum-algorithm": {"SHA256"},
			"x-amz-checksum-crc32":         {"DUoRhQ=="},
		}, wantErr: "Value for x-amz-sdk-checksum-algorithm header is invalid."},
		{name: "sdk algorithm unknown", h: map[string][]string{"x-amz-sdk-checksum-algorithm": {"MD5"}}, wantErr: "Value for x-amz-sdk-checksum-algorithm header is invalid."},
		{name: "trailer", h: map[string][]string{
			"x-amz-trailer":                {"x-amz-checksum-crc64nvme"},
			"x-amz-sdk-checksum-algorithm": {"CRC64NVME"},
		}, alg: CRC64NVME},
		{name: "trailer disagrees", h: map[string][]string{
			"x-amz-trailer":                {"x-amz-checksum-crc64nvme"},
			"x-amz-sdk-checksum-algorithm": {"CRC32"},
		}, wantErr: "Value for x-amz-sdk-checksum-algorithm header is invalid."},
		{name: "unrelated checksum headers ignored", h: map[string][]string{
			"x-amz-checksum-mode":   {"ENABLED"},
			"x-amz-checksum-type":   {"FULL_OBJECT"},
			"x-amz-checksum-sha512": {"whatever"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, vs := range tc.h {
				for _, v := range vs {
					h.Add(k, v)
				}
			}
			alg, value, err := FromHeaders(h)
			if tc.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != "InvalidRequest" || e.Message != tc.wantErr {
					t.Fatalf("err = %v, want InvalidRequest %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || alg != tc.alg || value != tc.value {
				t.Fatalf("FromHeaders = %q, %q, %v; want %q, %q", alg, value, err, tc.alg, tc.value)
			}
		})
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]Type{"COMPOSITE": TypeComposite, "full_object": TypeFullObject, "FULL-OBJECT": ""} {
		got, ok := ParseType(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseType(%q) = %q, %v", in, got, ok)
		}
	}
	if DefaultType(CRC64NVME) != TypeFullObject || DefaultType(CRC32C) != TypeComposite || DefaultType(SHA256) != TypeComposite {
		t.Error("DefaultType")
	}
}
