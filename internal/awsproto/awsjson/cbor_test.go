package awsjson

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	fx "github.com/fxamacker/cbor/v2"
)

type cborIn struct {
	Name    string     `json:"StreamName"`
	Data    []byte     `json:"Data"`
	When    *Timestamp `json:"Timestamp,omitempty"`
	Records []struct {
		Data []byte `json:"Data"`
		Key  string `json:"PartitionKey"`
	} `json:"Records"`
	Tags map[string]string `json:"Tags"`
}

type cborOut struct {
	Data []byte    `json:"Data"`
	At   Timestamp `json:"ApproximateArrivalTimestamp"`
	Next *string   `json:"NextShardIterator,omitempty"`
}

func cborService() *Service {
	s := &Service{Name: "t", Prefix: "T_1", Version: "1.1"}
	s.Handle("Echo", Op(func(ctx context.Context, in *cborIn) (*cborOut, error) {
		if in.Name == "fail" {
			return nil, SerializationError(context.Canceled)
		}
		out := &cborOut{Data: in.Data}
		if in.When != nil {
			out.At = *in.When
		}
		return out, nil
	}))
	return s
}

func TestCBORRoundTrip(t *testing.T) {
	at := time.UnixMilli(1767225600123)
	body, _ := fx.Marshal(map[string]any{"StreamName": "s", "Data": []byte{0, 0xff, 1}, "Timestamp": fx.Tag{Number: 1, Content: at.UnixMilli()}})
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "T_1.Echo")
	req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
	w := httptest.NewRecorder()
	cborService().ServeHTTP(w, req)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/x-amz-cbor-1.1" {
		t.Fatalf("status %d %s: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var out map[string]any
	if err := fx.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if d, ok := out["Data"].([]byte); !ok || !bytes.Equal(d, []byte{0, 0xff, 1}) {
		t.Fatalf("Data = %#v, want a byte string", out["Data"])
	}
	if _, ok := out["NextShardIterator"]; ok {
		t.Fatal("nil pointer encoded")
	}
	var doc struct {
		At fx.RawTag `cbor:"ApproximateArrivalTimestamp"`
	}
	if err := fx.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.At.Number != 1 {
		t.Fatalf("timestamp = %+v, %v; want tag 1", doc.At, err)
	}
	var ms int64
	fx.Unmarshal(doc.At.Content, &ms)
	if ms != at.UnixMilli() {
		t.Fatalf("timestamp = %d ms, want %d", ms, at.UnixMilli())
	}

	// Errors are CBOR too.
	body, _ = fx.Marshal(map[string]any{"StreamName": 7})
	req = httptest.NewRequest("POST", "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "T_1.Echo")
	req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
	w = httptest.NewRecorder()
	cborService().ServeHTTP(w, req)
	var e map[string]string
	if err := fx.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != http.StatusBadRequest || e["__type"] != "SerializationException" ||
		w.Header().Get("X-Amzn-ErrorType") != "SerializationException" {
		t.Fatalf("error reply %d %x: %v", w.Code, w.Body.Bytes(), err)
	}
}

// FuzzCBORBody feeds arbitrary bytes as a CBOR request body: the service
// must answer 200 or a 400 SerializationException, never panic or 500.
func FuzzCBORBody(f *testing.F) {
	seed, _ := fx.Marshal(map[string]any{"StreamName": "s", "Data": []byte{1}, "Timestamp": fx.Tag{Number: 1, Content: 1.5},
		"Records": []any{map[string]any{"Data": []byte("x"), "PartitionKey": "k"}}, "Tags": map[string]string{"a": "b"}})
	f.Add(seed)
	f.Add([]byte{0xbf, 0xff})
	f.Add([]byte{0x9f, 0x9f, 0x9f})
	f.Add([]byte{0xc1, 0xfb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0})
	s := cborService()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "T_1.Echo")
		req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != 200 && w.Code != 400 {
			t.Fatalf("status %d for %x: %s", w.Code, body, w.Body)
		}
	})
}
