package mem_test

import (
	"sync"
	"testing"

	"github.com/tarnhq/tarn/internal/storage/seglog"
	"github.com/tarnhq/tarn/internal/storage/seglog/mem"
	"github.com/tarnhq/tarn/internal/storage/seglog/seglogtest"
)

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	stores := map[string]*mem.Store{}
	seglogtest.Run(t, func(t *testing.T, dir string) seglog.Store {
		mu.Lock()
		defer mu.Unlock()
		if s, ok := stores[dir]; ok {
			s = s.Reopen()
			stores[dir] = s
			return s
		}
		s := mem.New()
		stores[dir] = s
		return s
	})
}
