package errs

import (
	"errors"
	"io"
	"testing"
)

func TestE(t *testing.T) {
	inner := E("engine.Get", NotExist, Code("NoSuchKey"), "no such key")
	outer := E("api.Get", inner)
	if KindOf(outer) != NotExist || CodeOf(outer) != "NoSuchKey" || !Is(NotExist, outer) {
		t.Fatalf("kind/code not inherited: %v", outer)
	}
	if !errors.Is(E("x", IO, io.EOF), io.EOF) {
		t.Fatal("Unwrap")
	}
	if KindOf(io.EOF) != Other || CodeOf(io.EOF) != "" {
		t.Fatal("plain errors have no kind")
	}
	if s := E("op", Invalid, "bad").Error(); s != "op: bad" {
		t.Fatalf("Error() = %q", s)
	}
	for k := Other; k <= Unavailable; k++ {
		if k.String() == "" {
			t.Fatalf("kind %d has no name", k)
		}
	}
}
