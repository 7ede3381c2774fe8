package compress

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
)

func payload() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 600<<10; i++ {
		b.WriteString("line ")
		b.WriteString(strings.Repeat("x", i%97))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func TestRoundTripAndDetect(t *testing.T) {
	data := payload()
	for _, c := range []Codec{None, Gzip, Zstd, Snappy, HadoopSnappy, LZ4} {
		t.Run(string(c), func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(c, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(data); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			name := "f.json" + Ext(c)
			rc, got, err := Decompress(bytes.NewReader(buf.Bytes()), name)
			if err != nil {
				t.Fatal(err)
			}
			if got != c {
				t.Fatalf("detected %s, want %s", got, c)
			}
			out, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, data) {
				t.Fatalf("round trip mismatch: %d vs %d bytes", len(out), len(data))
			}
		})
	}
}

func TestDetectByMagicIgnoresName(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(Gzip, &buf)
	w.Write([]byte("hello"))
	w.Close()
	if c := Detect("noext", buf.Bytes()); c != Gzip {
		t.Fatalf("got %s", c)
	}
	if c := Detect("a.gz", []byte("plain text")); c != None {
		t.Fatalf("a.gz without magic: got %s", c)
	}
	if c := Detect("BZh.txt", []byte("BZh91AY&SY")); c != Bzip2 {
		t.Fatalf("bzip2 magic: got %s", c)
	}
}

func TestBzip2ReadOnly(t *testing.T) {
	if _, err := NewWriter(Bzip2, io.Discard); err == nil {
		t.Fatal("bzip2 writer should be unsupported")
	}
	// "hello\n" compressed by bzip2 -9.
	bz := []byte("BZh91AY&SY\xc1\xc0\x80\xe2\x00\x00\x01A\x00\x00\x10\x02D\xa0\x000\xcd\x00\xc3F)\x97\x17rE8P\x90\xc1\xc0\x80\xe2")
	rc, c, err := Decompress(bytes.NewReader(bz), "x")
	if err != nil || c != Bzip2 {
		t.Fatal(c, err)
	}
	out, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "hello\n" {
		t.Fatalf("%q", out)
	}
}

func TestZipSingleFile(t *testing.T) {
	mk := func(names ...string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range names {
			w, _ := zw.Create(n)
			w.Write([]byte("content of " + n))
		}
		zw.Close()
		return buf.Bytes()
	}
	one := mk("a.csv")
	if c := Detect("x", one); c != Zip {
		t.Fatal(c)
	}
	rc, name, err := OpenZip(bytes.NewReader(one), int64(len(one)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if name != "a.csv" || string(b) != "content of a.csv" {
		t.Fatal(name, string(b))
	}
	// Non-ReaderAt input is spooled.
	rc, _, err = OpenZip(io.MultiReader(bytes.NewReader(one)), -1)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	two := mk("a", "b")
	if _, _, err := OpenZip(bytes.NewReader(two), int64(len(two))); err == nil || !strings.Contains(err.Error(), "2 files") {
		t.Fatal(err)
	}
}

func TestHadoopSnappyCorrupt(t *testing.T) {
	for _, in := range [][]byte{
		{0, 0, 0, 10},                  // truncated chunk header
		{0xff, 0, 0, 0, 0, 0, 0, 1},    // oversized block
		{0, 0, 0, 5, 0, 0, 0, 3, 1, 2}, // truncated chunk
		{0, 0, 0, 5, 0, 0, 0, 2, 9, 0}, // decoded length > remaining
		{0, 0, 0, 5, 0xff, 0, 0, 0, 0}, // absurd chunk length
	} {
		_, err := io.ReadAll(NewHadoopSnappyReader(bytes.NewReader(in)))
		if err == nil {
			t.Errorf("%x: no error", in)
		}
	}
}

func FuzzHadoopSnappy(f *testing.F) {
	var buf bytes.Buffer
	w := NewHadoopSnappyWriter(&buf)
	w.Write([]byte("hello hello hello hadoop"))
	w.Close()
	f.Add(buf.Bytes())
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := io.ReadAll(io.LimitReader(NewHadoopSnappyReader(bytes.NewReader(in)), 256<<20))
		if err != nil {
			return
		}
		// Anything that decodes must re-encode and decode to the same bytes.
		var re bytes.Buffer
		w := NewHadoopSnappyWriter(&re)
		w.Write(out)
		w.Close()
		back, err := io.ReadAll(NewHadoopSnappyReader(&re))
		if err != nil || !bytes.Equal(back, out) {
			t.Fatalf("re-encode mismatch: %v", err)
		}
	})
}
