package awserr

import (
	"encoding/json"
	"encoding/xml"
	"testing"
)

func TestCodesUnique(t *testing.T) {
	var list []entry
	if err := json.Unmarshal(codesJSON, &list); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range list {
		if seen[e.Code] {
			t.Errorf("duplicate code %s", e.Code)
		}
		seen[e.Code] = true
		if e.Status < 300 || e.Status > 599 || e.Message == "" {
			t.Errorf("bad entry %+v", e)
		}
	}
}

func TestXMLWellFormed(t *testing.T) {
	e := New("NoSuchKey").With("Key", "a<&>b")
	b := AppendXML(nil, e, "req1")
	var doc struct {
		Code, Message, Key, RequestId string
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Code != "NoSuchKey" || doc.Key != "a<&>b" || doc.RequestId != "req1" {
		t.Fatalf("got %+v", doc)
	}
	if New("NoSuchKey").Status != 404 {
		t.Fatal("status")
	}
}
