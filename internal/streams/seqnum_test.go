package streams

import (
	"strings"
	"testing"
	"time"
)

func TestSequenceNumbers(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a := formatSeq(at.Unix(), 0, at, 0)
	b := formatSeq(at.Unix(), 1, at, 0)
	child := formatSeq(at.Unix()+1, 0, at, 2)
	for _, s := range []string{a, b, child} {
		if len(s) != 56 || !strings.HasPrefix(s, "49") || !validSeqSyntax(s) {
			t.Fatalf("sequence number %s", s)
		}
	}
	if !(a < b && b < child) {
		t.Fatalf("order: %s %s %s", a, b, child)
	}
	p, ok := parseSeq(formatSeq(at.Unix(), 123456789, at.Add(time.Hour), 77))
	if !ok || p.offset != 123456789 || p.index != 77 || p.epoch != at.Unix() {
		t.Fatalf("parse = %+v, %v", p, ok)
	}
	for _, bad := range []string{"", "0", "12", "abc", strings.Repeat("9", 130)} {
		if _, ok := parseSeq(bad); ok {
			t.Errorf("parseSeq(%q) succeeded", bad)
		}
	}
}

func TestHashKey(t *testing.T) {
	// MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
	if got := hashKey("a", "").Text(16); got != "cc175b9c0f1b6a831c399e269772661" {
		t.Fatalf("hashKey(a) = %s", got)
	}
	if got := hashKey("a", "42").String(); got != "42" {
		t.Fatalf("explicit = %s", got)
	}
}
