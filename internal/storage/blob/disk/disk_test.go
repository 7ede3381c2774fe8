package disk_test

import (
	"testing"

	"github.com/tarnhq/tarn/internal/storage/blob"
	"github.com/tarnhq/tarn/internal/storage/blob/blobtest"
	"github.com/tarnhq/tarn/internal/storage/blob/disk"
)

func openStore(t testing.TB, dir string) *disk.Store {
	t.Helper()
	s, err := disk.Open(dir, disk.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return openStore(t, t.TempDir()) })
}
