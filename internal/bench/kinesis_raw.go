package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// rawPutter sends one pre-encoded PutRecords body again and again,
// rewriting only the base64 of each record's first 9 bytes (its 8-byte
// timestamp) in place: what is left is the server's work plus SigV4.
type rawPutter struct {
	o       KinesisOptions
	body    []byte
	patches []int // offset of each record's base64 Data in body
	signer  *v4.Signer
	http    *http.Client
}

func newRawPutter(o KinesisOptions, stream string, producer int) *rawPutter {
	var b bytes.Buffer
	b.WriteString(`{"StreamName":"` + stream + `","Records":[`)
	data := base64.StdEncoding.EncodeToString(make([]byte, o.Size))
	r := &rawPutter{o: o, signer: v4.NewSigner(),
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	for i := 0; i < o.Batch; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"PartitionKey":"p%d-%d","Data":"`, producer, i)
		r.patches = append(r.patches, b.Len())
		b.WriteString(data)
		b.WriteString(`"}`)
	}
	b.WriteString(`]}`)
	r.body = b.Bytes()
	return r
}

// put sends the body with every record stamped ns and returns the number
// of failed records.
func (r *rawPutter) put(ctx context.Context, ns int64) (int, error) {
	var head [9]byte
	binary.BigEndian.PutUint64(head[:], uint64(ns))
	var enc [12]byte
	base64.StdEncoding.Encode(enc[:], head[:])
	for _, off := range r.patches {
		copy(r.body[off:off+12], enc[:])
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.o.Endpoint+"/", bytes.NewReader(r.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecords")
	sum := sha256.Sum256(r.body)
	h := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", h)
	if err := r.signer.SignHTTP(ctx, aws.Credentials{AccessKeyID: r.o.AccessKey, SecretAccessKey: r.o.Secret}, req, h, "kinesis", "us-east-1", time.Now()); err != nil {
		return 0, err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("PutRecords: HTTP %d: %s", resp.StatusCode, b)
	}
	var out struct{ FailedRecordCount int }
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, err
	}
	return out.FailedRecordCount, nil
}
