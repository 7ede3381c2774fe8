package mem_test

import (
	"testing"

	"github.com/tarnhq/tarn/internal/storage/meta"
	"github.com/tarnhq/tarn/internal/storage/meta/mem"
	"github.com/tarnhq/tarn/internal/storage/meta/metatest"
)

func TestConformance(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store { return mem.New() })
}
