package compress

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
)

// OpenZip opens the single file inside a zip archive. If r is not an
// io.ReaderAt it is spooled to a temporary file first (zip's directory is at
// the end). Archives holding more than one file are rejected.
func OpenZip(r io.Reader, size int64) (io.ReadCloser, string, error) {
	ra, ok := r.(io.ReaderAt)
	var cleanup func() error
	if !ok || size < 0 {
		f, err := os.CreateTemp("", "tarn-zip-*")
		if err != nil {
			return nil, "", fmt.Errorf("compress: zip spool: %w", err)
		}
		os.Remove(f.Name())
		n, err := io.Copy(f, r)
		if err != nil {
			f.Close()
			return nil, "", fmt.Errorf("compress: zip spool: %w", err)
		}
		ra, size, cleanup = f, n, f.Close
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		if cleanup != nil {
			cleanup()
		}
		return nil, "", fmt.Errorf("compress: zip: %w", err)
	}
	var files []*zip.File
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() {
			files = append(files, f)
		}
	}
	if len(files) != 1 {
		if cleanup != nil {
			cleanup()
		}
		return nil, "", fmt.Errorf("compress: zip archive holds %d files; only single-file archives are supported", len(files))
	}
	rc, err := files[0].Open()
	if err != nil {
		if cleanup != nil {
			cleanup()
		}
		return nil, "", fmt.Errorf("compress: zip entry %s: %w", files[0].Name, err)
	}
	return readCloser{rc, func() error {
		err := rc.Close()
		if cleanup != nil {
			cleanup()
		}
		return err
	}}, files[0].Name, nil
}
