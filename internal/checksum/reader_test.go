package checksum

import (
	"bytes"
	"crypto/md5"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func drain(t testing.TB, r io.Reader) {
	t.Helper()
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
}

func TestReader(t *testing.T) {
	data := bytes.Repeat([]byte("tarn "), 10000)
	for _, alg := range append([]Algorithm{""}, Algorithms...) {
		// OneByteReader and DataErrReader stress short reads and data
		// returned together with io.EOF.
		r := NewReader(iotest.DataErrReader(iotest.OneByteReader(bytes.NewReader(data))), alg)
		var out bytes.Buffer
		if _, err := io.Copy(&out, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("%s: data altered", alg)
		}
		if !r.EOF() || r.N() != int64(len(data)) {
			t.Errorf("%s: EOF %v N %d", alg, r.EOF(), r.N())
		}
		if want := md5.Sum(data); !bytes.Equal(r.MD5(), want[:]) {
			t.Errorf("%s: MD5 wrong", alg)
		}
		if alg == "" {
			if r.Sum() != nil {
				t.Errorf("Sum without algorithm = %x", r.Sum())
			}
			continue
		}
		if want := sumOf(alg, data); !bytes.Equal(r.Sum(), want) {
			t.Errorf("%s: Sum %x, want %x", alg, r.Sum(), want)
		}
	}
}

func TestReaderError(t *testing.T) {
	boom := io.ErrUnexpectedEOF
	r := NewReader(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), CRC32)
	_, err := io.ReadAll(r)
	if err != boom {
		t.Fatalf("err = %v", err)
	}
	if r.EOF() || r.N() != 3 {
		t.Errorf("EOF %v N %d", r.EOF(), r.N())
	}
	if !bytes.Equal(r.Sum(), sumOf(CRC32, []byte("abc"))) {
		t.Error("partial sum wrong")
	}
}

func BenchmarkReader(b *testing.B) {
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, alg := range []Algorithm{"", CRC32C, CRC32, CRC64NVME, SHA256} {
		name := "MD5"
		if alg != "" {
			name += "+" + string(alg)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			buf := make([]byte, 32<<10)
			for b.Loop() {
				r := NewReader(bytes.NewReader(data), alg)
				if _, err := io.CopyBuffer(io.Discard, r, buf); err != nil {
					b.Fatal(err)
				}
				_ = r.Sum()
				_ = r.MD5()
			}
		})
	}
}
