package objstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	blobmem "github.com/tarnhq/tarn/internal/storage/blob/mem"
	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
)

func TestValidBucketName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"my-bucket", true},
		{"my.bucket.name", true},
		{"a1b2c3", true},
		{"123", true},
		{strings.Repeat("a", 63), true},
		{"a-b.c-d", true},
		{"ab", false},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"MyBucket", false},
		{"my_bucket", false},
		{"my bucket", false},
		{"-bucket", false},
		{"bucket-", false},
		{".bucket", false},
		{"bucket.", false},
		{"my..bucket", false},
		{"192.168.5.4", false},
		{"10.0.0.1", false},
		{"xn--bucket", false},
		{"sthree-bucket", false},
		{"sthree-configurator", false},
		{"amzn-s3-demo-bucket", false},
		{"bucket-s3alias", false},
		{"bucket--ol-s3", false},
		{"bucket.mrap", false},
		{"bucket--x-s3", false},
		{"bucket--table-s3", false},
		{"bücket", false},
		{"bucket/x", false},
	}
	for _, tt := range tests {
		if got := ValidBucketName(tt.name); got != tt.ok {
			t.Errorf("ValidBucketName(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

func TestCreateBucketOwnedElsewhere(t *testing.T) {
	s, err := New(context.Background(), metamem.New(), blobmem.New(), Options{Region: "eu-west-1", Logger: quietLogger()})
	must(t, err)
	ctx := ctxT(t)
	_, err = s.CreateBucket(ctx, testOwner, "alpha", "")
	must(t, err)
	_, err = s.CreateBucket(ctx, testOwner, "alpha", "")
	wantCode(t, err, "BucketAlreadyOwnedByYou")
}

func TestCreateBucket(t *testing.T) {
	forEachBackendClock(t, func(t *testing.T, s *Store, clock *fakeClock) {
		ctx := ctxT(t)
		b, err := s.CreateBucket(ctx, testOwner, "alpha", "")
		must(t, err)
		if b.Name != "alpha" || b.Owner != testOwner || b.Region != "us-east-1" || !b.Created.Equal(clock.Now()) {
			t.Fatalf("bucket = %+v", b)
		}
		got, err := s.Bucket(ctx, "alpha")
		must(t, err)
		if got.Name != "alpha" || got.Owner != testOwner {
			t.Fatalf("Bucket = %+v", got)
		}
		// In us-east-1, S3 answers 200 OK to the owner re-creating a bucket.
		again0, err := s.CreateBucket(ctx, testOwner, "alpha", "")
		must(t, err)
		if !again0.Created.Equal(b.Created) {
			t.Fatal("re-create replaced the bucket")
		}
		_, err = s.CreateBucket(ctx, otherOwner, "alpha", "")
		wantCode(t, err, "BucketAlreadyExists")
		_, err = s.CreateBucket(ctx, testOwner, "Bad_Name", "")
		wantCode(t, err, "InvalidBucketName")
		_, err = s.Bucket(ctx, "nope")
		wantCode(t, err, "NoSuchBucket")
		// The returned record is a copy.
		got.Owner = "mutated"
		again, _ := s.Bucket(ctx, "alpha")
		if again.Owner != testOwner {
			t.Fatal("Bucket returned the engine's own record")
		}
	})
}

func TestCreateBucketLocation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		region, location, code string
	}{
		{"us-east-1", "", ""},
		{"us-east-1", "us-east-1", "InvalidLocationConstraint"},
		{"us-east-1", "eu-west-1", "IllegalLocationConstraintException"},
		{"eu-west-1", "eu-west-1", ""},
		{"eu-west-1", "", ""},
		{"eu-west-1", "us-west-2", "IllegalLocationConstraintException"},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.region, tt.location), func(t *testing.T) {
			m, b := backends[0].open(t)
			s, err := New(ctx, m, b, Options{Region: tt.region, Logger: quietLogger()})
			must(t, err)
			name := fmt.Sprintf("loc-%d", i)
			bk, err := s.CreateBucket(ctx, testOwner, name, tt.location)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				if _, err := s.Bucket(ctx, name); err == nil {
					t.Fatal("bucket created despite error")
				}
				return
			}
			must(t, err)
			if bk.Region != tt.region {
				t.Fatalf("region = %q, want %q", bk.Region, tt.region)
			}
		})
	}
}

func TestDeleteBucket(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		wantCode(t, s.DeleteBucket(ctx, "nope"), "NoSuchBucket")
		mkBucket(t, s, "full")
		put(t, s, "full", "k", []byte("x"))
		wantCode(t, s.DeleteBucket(ctx, "full"), "BucketNotEmpty")
		if _, err := s.Bucket(ctx, "full"); err != nil {
			t.Fatal("bucket gone after refused delete")
		}
		must(t, s.DeleteObject(ctx, "full", "k"))
		must(t, s.DeleteBucket(ctx, "full"))
		_, err := s.Bucket(ctx, "full")
		wantCode(t, err, "NoSuchBucket")
		_, err = s.PutObject(ctx, &PutInput{Bucket: "full", Key: "k", Size: 0})
		wantCode(t, err, "NoSuchBucket")
		// The name can be reused, by anyone.
		_, err = s.CreateBucket(ctx, otherOwner, "full", "")
		must(t, err)
		if len(metaKeys(t, s, objectPrefix)) != 0 {
			t.Fatal("object records left")
		}
	})
}

func TestDeleteBucketAbortsUploads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, "upb")
		mkBucket(t, s, "upb2") // a neighbour whose uploads must survive
		var ids []string
		for _, bk := range []string{"upb", "upb2"} {
			for _, key := range []string{"a", "b/c"} {
				u, err := s.CreateUpload(ctx, &PutInput{Bucket: bk, Key: key, Owner: testOwner})
				must(t, err)
				for n := 1; n <= 2; n++ {
					uploadPart(t, s, bk, key, u.ID, n, randBytes(100, uint64(n)))
				}
				if bk == "upb" {
					ids = append(ids, u.ID)
				}
			}
		}
		if got := len(blobIDsInStore(t, s)); got != 8 {
			t.Fatalf("%d blobs, want 8", got)
		}
		must(t, s.DeleteBucket(ctx, "upb"))
		for _, id := range ids {
			if ks := metaKeys(t, s, partKeyPrefix(id)); len(ks) != 0 {
				t.Fatalf("part records left: %q", ks)
			}
		}
		if ks := metaKeys(t, s, uploadKeyPrefix("upb")); len(ks) != 0 {
			t.Fatalf("upload records left: %q", ks)
		}
		if got := len(blobIDsInStore(t, s)); got != 4 {
			t.Fatalf("%d blobs, want the 4 of up2", got)
		}
		checkNoLeaks(t, s)
		out, err := s.ListUploads(ctx, &ListUploadsInput{Bucket: "upb2", MaxUploads: 1000})
		must(t, err)
		if len(out.Uploads) != 2 {
			t.Fatalf("up2 has %d uploads, want 2", len(out.Uploads))
		}
		// Recreating the bucket does not resurrect them.
		mkBucket(t, s, "upb")
		out, err = s.ListUploads(ctx, &ListUploadsInput{Bucket: "upb", MaxUploads: 1000})
		must(t, err)
		if len(out.Uploads) != 0 {
			t.Fatalf("recreated bucket lists %d uploads", len(out.Uploads))
		}
	})
}

func TestListBuckets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		var mine, all []string
		for i := 0; i < 12; i++ {
			name := fmt.Sprintf("b%02d", i)
			owner := testOwner
			if i%3 == 0 {
				owner = otherOwner
			} else {
				mine = append(mine, name)
			}
			_, err := s.CreateBucket(ctx, owner, name, "")
			must(t, err)
			all = append(all, name)
		}
		names := func(bs []Bucket) []string {
			var out []string
			for _, b := range bs {
				out = append(out, b.Name)
			}
			return out
		}
		got, next, err := s.ListBuckets(ctx, ListBucketsInput{})
		must(t, err)
		if !slices.Equal(names(got), all) || next != "" {
			t.Fatalf("all: %v next %q", names(got), next)
		}
		got, _, err = s.ListBuckets(ctx, ListBucketsInput{Owner: testOwner})
		must(t, err)
		if !slices.Equal(names(got), mine) {
			t.Fatalf("mine: %v, want %v", names(got), mine)
		}
		got, _, err = s.ListBuckets(ctx, ListBucketsInput{Prefix: "b1"})
		must(t, err)
		if !slices.Equal(names(got), []string{"b10", "b11"}) {
			t.Fatalf("prefix b1: %v", names(got))
		}
		got, _, err = s.ListBuckets(ctx, ListBucketsInput{Region: "eu-west-1"})
		must(t, err)
		if len(got) != 0 {
			t.Fatalf("region filter: %v", names(got))
		}
		// Paging, owner-filtered, 3 at a time.
		var paged []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			got, next, err := s.ListBuckets(ctx, ListBucketsInput{Owner: testOwner, After: after, MaxBuckets: 3})
			must(t, err)
			paged = append(paged, names(got)...)
			if next == "" {
				break
			}
			if next != got[len(got)-1].Name {
				t.Fatalf("next %q is not the last name of the page", next)
			}
			after = next
		}
		if !slices.Equal(paged, mine) {
			t.Fatalf("paged: %v, want %v", paged, mine)
		}
	})
}

func TestValidateTags(t *testing.T) {
	tags := func(n int) []Tag {
		var ts []Tag
		for i := 0; i < n; i++ {
			ts = append(ts, Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
		}
		return ts
	}
	tests := []struct {
		name string
		tags []Tag
		max  int
		code string
	}{
		{"none", nil, MaxObjectTags, ""},
		{"ten object tags", tags(10), MaxObjectTags, ""},
		{"eleven object tags", tags(11), MaxObjectTags, "BadRequest"},
		{"fifty bucket tags", tags(50), MaxBucketTags, ""},
		{"51 bucket tags", tags(51), MaxBucketTags, "InvalidTag"},
		{"empty key", []Tag{{Key: "", Value: "v"}}, MaxObjectTags, "InvalidTag"},
		{"empty value", []Tag{{Key: "k", Value: ""}}, MaxObjectTags, ""},
		{"key 128 runes", []Tag{{Key: strings.Repeat("é", 128)}}, MaxObjectTags, ""},
		{"key 129 runes", []Tag{{Key: strings.Repeat("k", 129)}}, MaxObjectTags, "InvalidTag"},
		{"value 256 runes", []Tag{{Key: "k", Value: strings.Repeat("é", 256)}}, MaxObjectTags, ""},
		{"value 257 runes", []Tag{{Key: "k", Value: strings.Repeat("v", 257)}}, MaxObjectTags, "InvalidTag"},
		{"aws prefix", []Tag{{Key: "aws:cloudformation", Value: "v"}}, MaxObjectTags, "InvalidTag"},
		{"aws not prefix", []Tag{{Key: "x-aws:y", Value: "v"}}, MaxObjectTags, ""},
		{"duplicate", []Tag{{Key: "a", Value: "1"}, {Key: "b"}, {Key: "a", Value: "2"}}, MaxObjectTags, "InvalidTag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTags(tt.tags, tt.max)
			if tt.code == "" {
				must(t, err)
				return
			}
			wantCode(t, err, tt.code)
		})
	}
}

func TestBucketTagsAndCORS(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, "tagged")
		wantCode(t, s.SetBucketTags(ctx, "nope", []Tag{{Key: "a"}}), "NoSuchBucket")
		wantCode(t, s.SetBucketTags(ctx, "tagged", []Tag{{Key: "aws:x"}}), "InvalidTag")
		must(t, s.SetBucketTags(ctx, "tagged", []Tag{{Key: "a", Value: "1"}}))
		b, _ := s.Bucket(ctx, "tagged")
		if !slices.Equal(b.Tags, []Tag{{Key: "a", Value: "1"}}) {
			t.Fatalf("tags = %v", b.Tags)
		}
		must(t, s.SetBucketTags(ctx, "tagged", nil))
		b, _ = s.Bucket(ctx, "tagged")
		if len(b.Tags) != 0 {
			t.Fatalf("tags after delete = %v", b.Tags)
		}
		rules := []CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}
		wantCode(t, s.SetBucketCORS(ctx, "tagged", []CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}), "InvalidRequest")
		must(t, s.SetBucketCORS(ctx, "tagged", rules))
		b, _ = s.Bucket(ctx, "tagged")
		if !b.HasCORS || len(b.CORS) != 1 {
			t.Fatalf("cors = %+v", b)
		}
		must(t, s.SetBucketCORS(ctx, "tagged", nil))
		b, _ = s.Bucket(ctx, "tagged")
		if b.HasCORS || b.CORS != nil {
			t.Fatalf("cors after delete = %+v", b)
		}
	})
}

func TestValidateCORS(t *testing.T) {
	ok := CORSRule{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT", "HEAD", "POST", "DELETE"}, AllowedHeaders: []string{"x-amz-*"}}
	many := make([]CORSRule, 101)
	for i := range many {
		many[i] = ok
	}
	tests := []struct {
		name  string
		rules []CORSRule
		code  string
	}{
		{"valid", []CORSRule{ok}, ""},
		{"100 rules", many[:100], ""},
		{"101 rules", many, "MalformedXML"},
		{"no rules", []CORSRule{}, "MalformedXML"},
		{"no origins", []CORSRule{{AllowedMethods: []string{"GET"}}}, "MalformedXML"},
		{"no methods", []CORSRule{{AllowedOrigins: []string{"*"}}}, "MalformedXML"},
		{"bad method", []CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"OPTIONS"}}}, "InvalidRequest"},
		{"lower-case method", []CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"get"}}}, "InvalidRequest"},
		{"two wildcards in origin", []CORSRule{{AllowedOrigins: []string{"https://*.*.com"}, AllowedMethods: []string{"GET"}}}, "InvalidRequest"},
		{"two wildcards in header", []CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, AllowedHeaders: []string{"*-*"}}}, "InvalidRequest"},
		{"id 255", []CORSRule{{ID: strings.Repeat("i", 255), AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}, ""},
		{"id 256", []CORSRule{{ID: strings.Repeat("i", 256), AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}, "InvalidArgument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateCORS(tt.rules)
			if tt.code == "" {
				must(t, err)
				return
			}
			wantCode(t, err, tt.code)
		})
	}
}

func TestMatchCORS(t *testing.T) {
	rules := []CORSRule{
		{ID: "exact", AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"Content-Type", "X-Amz-*"}},
		{ID: "sub", AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET"}},
		{ID: "any", AllowedOrigins: []string{"*"}, AllowedMethods: []string{"HEAD"}, AllowedHeaders: []string{"*"}},
	}
	tests := []struct {
		origin, method string
		headers        []string
		want           string // rule ID, "" for none
	}{
		{"https://app.example.com", "GET", nil, "exact"},
		{"https://app.example.com", "PUT", []string{"content-type"}, "exact"},
		{"https://app.example.com", "PUT", []string{"CONTENT-TYPE", " x-amz-date "}, "exact"},
		{"https://app.example.com", "PUT", []string{"x-amz-meta-foo", "X-AMZ-ACL"}, "exact"},
		{"https://app.example.com", "PUT", []string{"authorization"}, ""},
		{"https://app.example.com", "GET", []string{"authorization"}, ""}, // sub allows no headers
		{"https://app.example.com", "DELETE", nil, ""},
		{"https://app.example.com", "get", nil, ""}, // methods are case-sensitive
		{"https://other.example.com", "GET", nil, "sub"},
		{"https://a.b.example.com", "GET", nil, "sub"},
		{"https://.example.com", "GET", nil, "sub"},
		{"https://example.com", "GET", nil, ""},
		{"http://other.example.com", "GET", nil, ""},
		{"https://other.example.com", "PUT", nil, ""},
		{"https://evil.com", "HEAD", []string{"anything", "X-Whatever"}, "any"},
		{"https://evil.com", "GET", nil, ""},
	}
	for _, tt := range tests {
		r := MatchCORS(rules, tt.origin, tt.method, tt.headers)
		got := ""
		if r != nil {
			got = r.ID
		}
		if got != tt.want {
			t.Errorf("MatchCORS(%q, %q, %q) = %q, want %q", tt.origin, tt.method, tt.headers, got, tt.want)
		}
	}
	if r := MatchCORS(nil, "https://x", "GET", nil); r != nil {
		t.Error("nil rules matched")
	}
	// A wildcard whose prefix and suffix overlap must not match a short origin.
	if r := MatchCORS([]CORSRule{{AllowedOrigins: []string{"ab*ba"}, AllowedMethods: []string{"GET"}}}, "aba", "GET", nil); r != nil {
		t.Error("ab*ba matched aba")
	}
}
