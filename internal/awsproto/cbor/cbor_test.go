package cbor

import (
	"testing"
	"time"

	fx "github.com/fxamacker/cbor/v2"
)

func TestTime(t *testing.T) {
	at := time.UnixMilli(1767225600123)
	b, err := MarshalTime(at)
	if err != nil {
		t.Fatal(err)
	}
	var tag fx.Tag
	if err := fx.Unmarshal(b, &tag); err != nil || tag.Number != 1 || tag.Content != uint64(1767225600123) {
		t.Fatalf("encoded %x = %+v, %v; want tag 1 with epoch milliseconds", b, tag, err)
	}
	for _, c := range []struct {
		in   any
		want time.Time
	}{
		{fx.Tag{Number: 1, Content: 1767225600123}, at},
		{fx.Tag{Number: 1, Content: 1767225600.5}, time.Unix(1767225600, 5e8)},
		{fx.Tag{Number: 1, Content: 1767225600}, time.Unix(1767225600, 0)},
		{1767225600123, at},
		{1767225600.25, time.Unix(1767225600, 25e7)},
	} {
		b, _ := fx.Marshal(c.in)
		got, err := UnmarshalTime(b)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("UnmarshalTime(%v) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []any{"2026", fx.Tag{Number: 0, Content: "x"}, []int{1}} {
		b, _ := fx.Marshal(bad)
		if _, err := UnmarshalTime(b); err == nil {
			t.Errorf("UnmarshalTime(%v) succeeded", bad)
		}
	}
}

func TestStructUsesJSONTags(t *testing.T) {
	type in struct {
		Name string `json:"StreamName"`
		Data []byte `json:"Data"`
		N    *int   `json:"Limit,omitempty"`
	}
	b, _ := Marshal(map[string]any{"StreamName": "s", "Data": []byte{0, 1, 2}})
	var v in
	if err := Unmarshal(b, &v); err != nil || v.Name != "s" || len(v.Data) != 3 || v.N != nil {
		t.Fatalf("decoded %+v, %v", v, err)
	}
}
