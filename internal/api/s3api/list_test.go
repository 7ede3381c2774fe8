package s3api_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func keysOf(objs []types.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, aws.ToString(o.Key))
	}
	return out
}

func prefixesOf(ps []types.CommonPrefix) []string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.Prefix))
	}
	return out
}

func TestListObjectsV2(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "list")
	keys := []string{"a.txt", "dir/x", "dir/y", "dir/sub/z", "dir2/w", "photos/2024/jan.jpg", "photos/2024/feb.jpg", "photos/2025/mar.jpg", "z"}
	for _, k := range keys {
		put(t, c, "list", k, k)
	}
	tests := []struct {
		name         string
		in           s3.ListObjectsV2Input
		wantKeys     string
		wantPrefixes string
		truncated    bool
	}{
		{"all", s3.ListObjectsV2Input{}, "a.txt,dir/sub/z,dir/x,dir/y,dir2/w,photos/2024/feb.jpg,photos/2024/jan.jpg,photos/2025/mar.jpg,z", "", false},
		{"prefix", s3.ListObjectsV2Input{Prefix: aws.String("dir/")}, "dir/sub/z,dir/x,dir/y", "", false},
		{"prefix no match", s3.ListObjectsV2Input{Prefix: aws.String("nothing")}, "", "", false},
		{"delimiter", s3.ListObjectsV2Input{Delimiter: aws.String("/")}, "a.txt,z", "dir/,dir2/,photos/", false},
		{"prefix+delimiter", s3.ListObjectsV2Input{Prefix: aws.String("photos/"), Delimiter: aws.String("/")}, "", "photos/2024/,photos/2025/", false},
		{"prefix+delimiter keys", s3.ListObjectsV2Input{Prefix: aws.String("dir/"), Delimiter: aws.String("/")}, "dir/x,dir/y", "dir/sub/", false},
		{"other delimiter", s3.ListObjectsV2Input{Delimiter: aws.String(".")}, "dir/sub/z,dir/x,dir/y,dir2/w,z", "a.,photos/2024/feb.,photos/2024/jan.,photos/2025/mar.", false},
		{"start-after", s3.ListObjectsV2Input{StartAfter: aws.String("dir2/w")}, "photos/2024/feb.jpg,photos/2024/jan.jpg,photos/2025/mar.jpg,z", "", false},
		{"max-keys", s3.ListObjectsV2Input{MaxKeys: aws.Int32(2)}, "a.txt,dir/sub/z", "", true},
		{"max-keys counts prefixes", s3.ListObjectsV2Input{MaxKeys: aws.Int32(2), Delimiter: aws.String("/")}, "a.txt", "dir/", true},
		{"max-keys 0", s3.ListObjectsV2Input{MaxKeys: aws.Int32(0)}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Bucket = aws.String("list")
			out, err := c.ListObjectsV2(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(keysOf(out.Contents), ","); got != tt.wantKeys {
				t.Errorf("keys %s, want %s", got, tt.wantKeys)
			}
			if got := strings.Join(prefixesOf(out.CommonPrefixes), ","); got != tt.wantPrefixes {
				t.Errorf("prefixes %s, want %s", got, tt.wantPrefixes)
			}
			if aws.ToBool(out.IsTruncated) != tt.truncated {
				t.Errorf("IsTruncated %v", aws.ToBool(out.IsTruncated))
			}
			if tt.truncated != (out.NextContinuationToken != nil) {
				t.Errorf("NextContinuationToken %v", out.NextContinuationToken)
			}
			if int(aws.ToInt32(out.KeyCount)) != len(out.Contents)+len(out.CommonPrefixes) {
				t.Errorf("KeyCount %d", aws.ToInt32(out.KeyCount))
			}
			for _, o := range out.Contents {
				if aws.ToString(o.ETag) != `"`+md5hex(aws.ToString(o.Key))+`"` || aws.ToInt64(o.Size) != int64(len(aws.ToString(o.Key))) ||
					o.StorageClass != types.ObjectStorageClassStandard || o.LastModified == nil || o.Owner != nil {
					t.Errorf("object %+v", o)
				}
			}
		})
	}
	// Continuing with a delimiter does not repeat a common prefix.
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("list"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	out2, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("list"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2), ContinuationToken: out.NextContinuationToken})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(append(keysOf(out2.Contents), prefixesOf(out2.CommonPrefixes)...), ","); got != "dir2/,photos/" {
		t.Errorf("second page %s", got)
	}
	if aws.ToString(out2.ContinuationToken) != aws.ToString(out.NextContinuationToken) {
		t.Errorf("ContinuationToken not echoed")
	}

	// Errors.
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("list"), ContinuationToken: aws.String("!!!not a token")})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("list"), MaxKeys: aws.Int32(-1)})
	wantErr(t, err, "InvalidArgument", 400)
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("nobucket")})
	wantErr(t, err, "NoSuchBucket", 404)
}

func TestListObjectsV2Paginator(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "many")
	const n = 2500
	var want []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		k := fmt.Sprintf("k/%05d", i)
		want = append(want, k)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("many"), Key: aws.String(k), Body: strings.NewReader("")}); err != nil {
				mu.Lock()
				t.Error(err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, max := range []int32{1000, 333} {
		t.Run(fmt.Sprint("max-keys ", max), func(t *testing.T) {
			p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("many"), MaxKeys: aws.Int32(max)})
			var got []string
			pages := 0
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if len(out.Contents) > int(max) {
					t.Fatalf("page of %d", len(out.Contents))
				}
				got = append(got, keysOf(out.Contents)...)
			}
			if wantPages := (n + int(max) - 1) / int(max); pages != wantPages {
				t.Errorf("%d pages, want %d", pages, wantPages)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("got %d keys, want %d (or order differs)", len(got), len(want))
			}
		})
	}
	// A MaxKeys above 1000 is capped at 1000.
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), MaxKeys: aws.Int32(5000)})
	if err != nil || len(out.Contents) != 1000 || !aws.ToBool(out.IsTruncated) {
		t.Errorf("MaxKeys 5000: %v %d", err, len(out.Contents))
	}
}

func TestListFetchOwnerAndEncoding(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "enc")
	odd := []string{"a b", "c+d", "e%f", "g&h", "日本", "line\x01ctl", "x/y z/"}
	for _, k := range odd {
		put(t, c, "enc", k, "v")
	}
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("enc"), FetchOwner: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out.Contents {
		if o.Owner == nil || aws.ToString(o.Owner.ID) == "" || aws.ToString(o.Owner.DisplayName) == "" {
			t.Errorf("FetchOwner: %q owner %+v", aws.ToString(o.Key), o.Owner)
		}
	}
	// With EncodingType url the SDK does not decode: names come back encoded.
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("enc"), EncodingType: types.EncodingTypeUrl, Prefix: aws.String("")})
	if err != nil {
		t.Fatal(err)
	}
	if out.EncodingType != types.EncodingTypeUrl {
		t.Errorf("EncodingType %q", out.EncodingType)
	}
	var got []string
	for _, k := range keysOf(out.Contents) {
		dec, err := url.QueryUnescape(k)
		if err != nil {
			t.Fatalf("undecodable %q: %v", k, err)
		}
		if strings.ContainsAny(k, " \x01") {
			t.Errorf("key %q not encoded", k)
		}
		got = append(got, dec)
	}
	sorted := append([]string(nil), odd...)
	sort.Strings(sorted)
	if strings.Join(got, "|") != strings.Join(sorted, "|") {
		t.Errorf("decoded %q, want %q", got, sorted)
	}
	// Prefixes are encoded too.
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("enc"), EncodingType: types.EncodingTypeUrl, Delimiter: aws.String("/"), Prefix: aws.String("x/")})
	if err != nil {
		t.Fatal(err)
	}
	if p := prefixesOf(out.CommonPrefixes); len(p) != 1 || p[0] != "x/y+z/" && p[0] != "x/y%20z/" {
		t.Errorf("encoded prefixes %q", p)
	}
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("enc"), EncodingType: "base64"})
	wantErr(t, err, "InvalidArgument", 400)
}

func TestListObjectsV1(t *testing.T) {
	_, c := setup(t)
	mkBucket(t, c, "listv1")
	for _, k := range []string{"a", "b/1", "b/2", "c", "d/1", "e"} {
		put(t, c, "listv1", k, k)
	}
	// Marker without delimiter: no NextMarker, the client uses the last key.
	out, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("listv1"), MaxKeys: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(keysOf(out.Contents), ",") != "a,b/1" || !aws.ToBool(out.IsTruncated) || out.NextMarker != nil {
		t.Fatalf("page 1: %v truncated=%v next=%v", keysOf(out.Contents), aws.ToBool(out.IsTruncated), out.NextMarker)
	}
	for _, o := range out.Contents {
		if o.Owner == nil || aws.ToString(o.Owner.ID) == "" {
			t.Errorf("v1 listing without owner: %+v", o)
		}
	}
	out, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("listv1"), MaxKeys: aws.Int32(2), Marker: aws.String("b/1")})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(keysOf(out.Contents), ",") != "b/2,c" || aws.ToString(out.Marker) != "b/1" {
		t.Fatalf("page 2: %v marker %q", keysOf(out.Contents), aws.ToString(out.Marker))
	}
	// With a delimiter, NextMarker is set and may be a common prefix.
	var all []string
	var marker *string
	for i := 0; ; i++ {
		out, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("listv1"), MaxKeys: aws.Int32(2), Delimiter: aws.String("/"), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, keysOf(out.Contents)...)
		all = append(all, prefixesOf(out.CommonPrefixes)...)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if out.NextMarker == nil {
			t.Fatal("truncated with delimiter but no NextMarker")
		}
		if i == 0 && aws.ToString(out.NextMarker) != "b/" {
			t.Errorf("NextMarker %q, want b/", aws.ToString(out.NextMarker))
		}
		marker = out.NextMarker
	}
	sort.Strings(all)
	if strings.Join(all, ",") != "a,b/,c,d/,e" {
		t.Errorf("v1 with delimiter: %v", all)
	}
}
