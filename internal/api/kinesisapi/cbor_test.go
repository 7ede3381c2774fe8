package kinesisapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	fx "github.com/fxamacker/cbor/v2"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

// cborCall sends a signed CBOR request as the Java SDK does and decodes
// the CBOR reply into out.
func cborCall(t *testing.T, srv *servertest.Server, op string, in any, out any) int {
	t.Helper()
	body, err := fx.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: servertest.AccessKey, SecretAccessKey: servertest.SecretKey}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-cbor-1.1" {
		t.Fatalf("%s: Content-Type %q (%d): %s", op, ct, resp.StatusCode, b)
	}
	if err := fx.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: reply %x: %v", op, b, err)
	}
	return resp.StatusCode
}

func TestCBORRoundTrip(t *testing.T) {
	srv, c := start(t, "on")
	create(t, c, "cb", 1)
	payload := []byte{0xF3, 0x89, 0x9A, 0xC2, 0, 1, 2, 0xff}
	var put struct {
		ShardId, SequenceNumber string
	}
	if code := cborCall(t, srv, "PutRecord", map[string]any{"StreamName": "cb", "PartitionKey": "k", "Data": payload}, &put); code != 200 || len(put.SequenceNumber) != 56 {
		t.Fatalf("PutRecord %d: %+v", code, put)
	}
	// PutRecords as Jackson (the Java SDK) writes it: indefinite-length
	// map and array, Data a byte string.
	body := []byte{0xbf, 0x6a}
	body = append(body, "StreamName"...)
	body = append(body, 0x62, 'c', 'b', 0x67)
	body = append(body, "Records"...)
	body = append(body, 0x9f, 0xbf, 0x64)
	body = append(body, "Data"...)
	body = append(body, 0x43, 0, 0xfe, 0xff, 0x6c)
	body = append(body, "PartitionKey"...)
	body = append(body, 0x61, 'k', 0xff, 0xff, 0xff)
	var puts struct {
		FailedRecordCount int
		Records           []struct{ ShardId, SequenceNumber string }
		EncryptionType    string
	}
	if code := cborCall(t, srv, "PutRecords", fx.RawMessage(body), &puts); code != 200 || puts.FailedRecordCount != 0 || len(puts.Records) != 1 ||
		puts.Records[0].SequenceNumber <= put.SequenceNumber || puts.EncryptionType != "NONE" {
		t.Fatalf("PutRecords %d: %+v", code, puts)
	}
	var it struct{ ShardIterator string }
	cborCall(t, srv, "GetShardIterator", map[string]any{"StreamName": "cb", "ShardId": put.ShardId, "ShardIteratorType": "AT_TIMESTAMP",
		"Timestamp": fx.Tag{Number: 1, Content: time.Now().Add(-time.Minute).UnixMilli()}}, &it)
	var got struct {
		Records []struct {
			SequenceNumber              string
			Data                        []byte
			PartitionKey                string
			ApproximateArrivalTimestamp fx.RawTag
		}
		NextShardIterator  string
		MillisBehindLatest int64
	}
	if code := cborCall(t, srv, "GetRecords", map[string]any{"ShardIterator": it.ShardIterator, "Limit": 10}, &got); code != 200 {
		t.Fatalf("GetRecords %d", code)
	}
	if len(got.Records) != 2 || !bytes.Equal(got.Records[0].Data, payload) || got.Records[0].SequenceNumber != put.SequenceNumber || got.NextShardIterator == "" ||
		!bytes.Equal(got.Records[1].Data, []byte{0, 0xfe, 0xff}) || got.Records[1].PartitionKey != "k" {
		t.Fatalf("GetRecords = %+v", got)
	}
	ts := got.Records[0].ApproximateArrivalTimestamp
	var ms int64
	if err := fx.Unmarshal(ts.Content, &ms); err != nil || ts.Number != 1 || time.Since(time.UnixMilli(ms)) > time.Minute || time.Since(time.UnixMilli(ms)) < 0 {
		t.Fatalf("ApproximateArrivalTimestamp = tag %d %x", ts.Number, ts.Content)
	}
	var e struct {
		Type    string `cbor:"__type"`
		Message string `cbor:"message"`
	}
	if code := cborCall(t, srv, "DescribeStream", map[string]any{"StreamName": "missing"}, &e); code != 400 || e.Type != "ResourceNotFoundException" {
		t.Fatalf("CBOR error %d: %+v", code, e)
	}
}
