package kinesisapi

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

func TestAppendBase64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 300; n++ {
		for range 5 {
			src := make([]byte, n)
			for i := range src {
				src[i] = byte(r.UintN(256))
			}
			prefix := []byte(`{"Data":"`)
			want := base64.StdEncoding.AppendEncode(append([]byte{}, prefix...), src)
			if got := appendBase64(append([]byte{}, prefix...), src); !bytes.Equal(got, want) {
				t.Fatalf("len %d:\n got %s\nwant %s", n, got, want)
			}
			// With room to spare in dst.
			if got := appendBase64(append(make([]byte, 0, 1000), prefix...), src); !bytes.Equal(got, want) {
				t.Fatalf("len %d, spare capacity: %s", n, got)
			}
		}
	}
}

func BenchmarkBase64Encode(b *testing.B) {
	src := make([]byte, 1024)
	dst := make([]byte, 0, 2048)
	b.Run("appendBase64", func(b *testing.B) {
		b.SetBytes(1024)
		for b.Loop() {
			appendBase64(dst[:0], src)
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(1024)
		for b.Loop() {
			base64.StdEncoding.AppendEncode(dst[:0], src)
		}
	})
}
