package mem_test

import (
	"testing"

	"github.com/tarnhq/tarn/internal/storage/blob"
	"github.com/tarnhq/tarn/internal/storage/blob/blobtest"
	"github.com/tarnhq/tarn/internal/storage/blob/mem"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store { return mem.New() })
}
