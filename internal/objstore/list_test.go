package objstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

type listEntry struct {
	name   string
	prefix bool
}

func (e listEntry) String() string {
	if e.prefix {
		return "P:" + e.name
	}
	return e.name
}

// refList is the reference listing: keys after `after` under prefix, with
// keys containing delim after the prefix rolled into common prefixes, and
// prefixes at or before `after` dropped.
func refList(keys []string, prefix, delim, after string) []listEntry {
	seen := map[string]bool{}
	var out []listEntry
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) || k <= after {
			continue
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if cp > after && !seen[cp] {
					seen[cp] = true
					out = append(out, listEntry{cp, true})
				}
				continue
			}
		}
		out = append(out, listEntry{k, false})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func pageEntries(out *ListOutput) []listEntry {
	var es []listEntry
	for _, o := range out.Objects {
		es = append(es, listEntry{o.Key, false})
	}
	for _, p := range out.CommonPrefixes {
		es = append(es, listEntry{p, true})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	return es
}

// listAll pages through a listing, checking each page's invariants.
func listAll(t *testing.T, s *Store, in ListInput) ([]listEntry, int) {
	t.Helper()
	var all []listEntry
	pages := 0
	for {
		pages++
		if pages > 100000 {
			t.Fatal("listing does not end")
		}
		out, err := s.ListObjects(context.Background(), &in)
		must(t, err)
		es := pageEntries(out)
		max := in.MaxKeys
		if max <= 0 || max > MaxListKeys {
			max = MaxListKeys
		}
		if len(es) > max {
			t.Fatalf("page of %d entries, max %d", len(es), max)
		}
		all = append(all, es...)
		if !out.IsTruncated {
			if out.Next != "" {
				t.Fatalf("untruncated page with Next %q", out.Next)
			}
			return all, pages
		}
		if len(es) == 0 || out.Next != es[len(es)-1].name {
			t.Fatalf("truncated page: Next %q, entries %v", out.Next, es)
		}
		in.After = out.Next
	}
}

func putEmpty(t *testing.T, s *Store, bucket string, keys []string) {
	t.Helper()
	// Concurrent puts let pebble group-commit.
	var wg sync.WaitGroup
	ch := make(chan string)
	errc := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range ch {
				if _, err := s.PutObject(context.Background(), &PutInput{Bucket: bucket, Key: k, Body: bytes.NewReader([]byte(k)), Size: int64(len(k))}); err != nil {
					select {
					case errc <- fmt.Errorf("put %q: %w", k, err):
					default:
					}
				}
			}
		}()
	}
	for _, k := range keys {
		ch <- k
	}
	close(ch)
	wg.Wait()
	select {
	case err := <-errc:
		t.Fatal(err)
	default:
	}
}

func TestListObjectsBasic(t *testing.T) {
	keys := []string{
		"a", "a-", "a/", "a/b", "a/b/c", "a/c", "a0", "ab", "b--c--d", "b--x", "b-y", "bz",
		"photos/2024/jan/1.jpg", "photos/2024/feb/2.jpg", "photos/2025/x.jpg", "photos/readme",
		"é", "日本/語", "日本/x", "\U0010ffff", "\u00ff", "z",
	}
	sorted := slices.Clone(keys)
	sort.Strings(sorted)
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		mkBucket(t, s, "bkt2") // objects of another bucket never show
		putEmpty(t, s, defaultBkt, keys)
		putEmpty(t, s, "bkt2", []string{"a", "zz"})
		put(t, s, "bkt2", "t\x00x", []byte("nul in key"))
		tests := []struct {
			prefix, delim, after string
		}{
			{"", "", ""},
			{"", "/", ""},
			{"a", "", ""},
			{"a", "/", ""},
			{"a/", "/", ""},
			{"a/b", "/", ""},
			{"photos/", "/", ""},
			{"photos/2024/", "/", ""},
			{"photos/", "", "photos/2024/jan/1.jpg"},
			{"b", "--", ""},   // multi-character delimiter
			{"b--", "--", ""}, // multi-character delimiter
			{"", "--", ""},
			{"", "/", "a/"},  // resume after a common prefix
			{"", "/", "a/b"}, // start inside a common prefix
			{"", "/", "a"},
			{"", "", "b"}, // after a key that does not exist
			{"", "/", "zzz"},
			{"photos/", "/", "a"},  // after before the prefix
			{"photos/", "/", "q"},  // after past the prefix
			{"", "日", ""},          // multi-byte delimiter
			{"日本/", "/", ""},       // unicode prefix
			{"\u00ff", "", ""},     // prefix whose successor carries
			{"\U0010ffff", "", ""}, // prefix ending in bytes 0xbf
			{"\xff", "", ""},       // prefix of bytes no key can hold
			{"nothing", "/", ""},   // empty result
			{"a/b/c", "/", ""},     // prefix equal to a key
			{"", "photos", ""},     // delimiter longer than some keys
			{"photos/2024/jan/1.jpg", "", ""},
		}
		for _, tt := range tests {
			name := fmt.Sprintf("prefix=%q,delim=%q,after=%q", tt.prefix, tt.delim, tt.after)
			want := refList(sorted, tt.prefix, tt.delim, tt.after)
			for _, max := range []int{1000, 1, 2, 3} {
				got, _ := listAll(t, s, ListInput{Bucket: defaultBkt, Prefix: tt.prefix, Delimiter: tt.delim, After: tt.after, MaxKeys: max})
				if !slices.Equal(got, want) {
					t.Errorf("%s max %d:\n got  %v\n want %v", name, max, got, want)
				}
			}
		}
		// Records carry keys and metadata, not data.
		out, err := s.ListObjects(ctx, &ListInput{Bucket: defaultBkt, Prefix: "z", MaxKeys: 10})
		must(t, err)
		if len(out.Objects) != 1 || out.Objects[0].Key != "z" || out.Objects[0].Bucket != defaultBkt ||
			out.Objects[0].Size != 1 || out.Objects[0].ETag != md5hex([]byte("z")) {
			t.Fatalf("object record: %+v", out.Objects)
		}
		out, err = s.ListObjects(ctx, &ListInput{Bucket: "bkt2", MaxKeys: 10})
		must(t, err)
		if got := pageEntries(out); !slices.Equal(got, []listEntry{{"a", false}, {"t\x00x", false}, {"zz", false}}) {
			t.Fatalf("bucket bkt2 lists %v", got)
		}
		_, err = s.ListObjects(ctx, &ListInput{Bucket: "nope"})
		wantCode(t, err, "NoSuchBucket")
	})
}

func TestListObjectsMaxKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := ctxT(t)
		mkBucket(t, s, defaultBkt)
		var keys []string
		for i := 0; i < 1005; i++ {
			keys = append(keys, fmt.Sprintf("k%04d", i))
		}
		putEmpty(t, s, defaultBkt, keys)
		// 0: an empty page.
		out, err := s.ListObjects(ctx, &ListInput{Bucket: defaultBkt, MaxKeys: 0})
		must(t, err)
		if len(out.Objects)+len(out.CommonPrefixes) != 0 {
			t.Fatalf("MaxKeys 0 returned %d objects", len(out.Objects))
		}
		// 1.
		out, err = s.ListObjects(ctx, &ListInput{Bucket: defaultBkt, MaxKeys: 1})
		must(t, err)
		if len(out.Objects) != 1 || out.Objects[0].Key != "k0000" || !out.IsTruncated || out.Next != "k0000" {
			t.Fatalf("MaxKeys 1: %d objects, truncated %v, next %q", len(out.Objects), out.IsTruncated, out.Next)
		}
		// 1000, and anything above or negative, is capped at 1000.
		for _, max := range []int{1000, 1001, 5000, -1} {
			out, err = s.ListObjects(ctx, &ListInput{Bucket: defaultBkt, MaxKeys: max})
			must(t, err)
			if len(out.Objects) != 1000 || !out.IsTruncated || out.Next != "k0999" {
				t.Fatalf("MaxKeys %d: %d objects, truncated %v, next %q", max, len(out.Objects), out.IsTruncated, out.Next)
			}
		}
		// Exactly the remaining count: not truncated.
		out, err = s.ListObjects(ctx, &ListInput{Bucket: defaultBkt, MaxKeys: 5, After: "k0999"})
		must(t, err)
		if len(out.Objects) != 5 || out.IsTruncated || out.Next != "" {
			t.Fatalf("last page: %d objects, truncated %v, next %q", len(out.Objects), out.IsTruncated, out.Next)
		}
	})
}

func TestListObjectsPaging2500(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	var keys []string
	for i := 0; i < 2500; i++ {
		switch {
		case i%5 == 0:
			keys = append(keys, fmt.Sprintf("top%04d", i))
		case i%7 == 0:
			keys = append(keys, fmt.Sprintf("d%02d/sub%d/k%04d", i%40, i%3, i))
		default:
			keys = append(keys, fmt.Sprintf("d%02d/k%04d", i%40, i))
		}
	}
	sorted := slices.Clone(keys)
	sort.Strings(sorted)
	forEachBackend(t, func(t *testing.T, s *Store) {
		mkBucket(t, s, defaultBkt)
		putEmpty(t, s, defaultBkt, keys)
		for _, tt := range []struct{ prefix, delim string }{{"", ""}, {"", "/"}, {"d07/", "/"}, {"d1", ""}, {"d1", "/"}} {
			want := refList(sorted, tt.prefix, tt.delim, "")
			for _, max := range []int{1000, 7} {
				got, pages := listAll(t, s, ListInput{Bucket: defaultBkt, Prefix: tt.prefix, Delimiter: tt.delim, MaxKeys: max})
				if !slices.Equal(got, want) {
					t.Fatalf("prefix %q delim %q max %d: %d entries, want %d", tt.prefix, tt.delim, max, len(got), len(want))
				}
				if wantPages := (len(want) + max - 1) / max; pages != wantPages && pages != wantPages+1 {
					t.Fatalf("prefix %q delim %q max %d: %d pages for %d entries", tt.prefix, tt.delim, max, pages, len(want))
				}
			}
		}
		// Every key exactly once, in order, without a delimiter.
		got, _ := listAll(t, s, ListInput{Bucket: defaultBkt, MaxKeys: 7})
		if len(got) != 2500 {
			t.Fatalf("%d keys listed", len(got))
		}
		for i, e := range got {
			if e.prefix || e.name != sorted[i] {
				t.Fatalf("entry %d = %v, want %s", i, e, sorted[i])
			}
		}
	})
}
