package reqctx

import (
	"context"
	"testing"
)

func TestInfo(t *testing.T) {
	if From(context.Background()).Principal == nil {
		t.Fatal("default Info has no principal")
	}
	i := &Info{ID: NewID()}
	if len(i.ID) != 16 {
		t.Fatalf("id %q", i.ID)
	}
	if From(With(context.Background(), i)) != i {
		t.Fatal("round trip")
	}
}
