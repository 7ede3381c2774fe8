package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/formats"
	"github.com/tarnhq/tarn/internal/formats/compress"
	"github.com/tarnhq/tarn/internal/formats/types"
	"github.com/tarnhq/tarn/internal/objstore"
)

// unit is what a crawl learns about the files of one folder that share a
// format: the folder's merged schema and statistics. Units of the last
// crawl are stored for CRAWL_NEW_FOLDERS_ONLY.
type unit struct {
	Folder         string                `json:"folder"` // relative to the include path; "" = the include path
	Sig            string                `json:"sig"`    // compatibility: classification, compression, delimiter, SerDe
	Classification string                `json:"class"`
	Codec          string                `json:"codec"`
	Columns        []catalog.Column      `json:"cols"`
	Params         map[string]string     `json:"params"`
	Storage        formats.StorageFormat `json:"storage"`
	Records        int64                 `json:"records"`
	AvgSize        int64                 `json:"avg"`
	Objects        int                   `json:"objects"`
	Bytes          int64                 `json:"bytes"`
	// Name, for a unit that is not its folder's main format, is the
	// file-derived suffix of its table name.
	Name string `json:"name,omitempty"`

	cols []types.Column
}

func (u *unit) parsed() []types.Column {
	if u.cols == nil {
		for _, c := range u.Columns {
			t, err := types.Parse(c.Type)
			if err != nil {
				t = types.TString
			}
			u.cols = append(u.cols, types.Column{Name: c.Name, Type: t})
		}
	}
	return u.cols
}

func toCatalog(cols []types.Column) []catalog.Column {
	out := make([]catalog.Column, len(cols))
	for i, c := range cols {
		out[i] = catalog.Column{Name: strings.ToLower(c.Name), Type: c.Type.String()}
	}
	return out
}

type object struct {
	key  string
	size int64
}

// target is one S3 include path being crawled.
type target struct {
	bucket, prefix string // prefix without trailing slash
	sample         int    // files per folder; 0 = all
	exclude        []*regexp.Regexp
	exclusions     []string // as given, for the table parameter
}

func (t *target) rel(key string) string {
	if t.prefix == "" {
		return key
	}
	return strings.TrimPrefix(key, t.prefix+"/")
}

func (t *target) location(folder string) string {
	p := strings.Trim(t.prefix+"/"+folder, "/")
	if p == "" {
		return "s3://" + t.bucket + "/"
	}
	return "s3://" + t.bucket + "/" + p + "/"
}

// list returns the data objects under the target, by folder.
func (e *Engine) list(ctx context.Context, r *run, t *target) (map[string][]object, error) {
	folders := map[string][]object{}
	in := &objstore.ListInput{Bucket: t.bucket, MaxKeys: 1000}
	if t.prefix != "" {
		in.Prefix = t.prefix + "/"
	}
	for {
		out, err := e.obj.ListObjects(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %v", t.bucket, in.Prefix, errMsg(err))
		}
	objects:
		for _, o := range out.Objects {
			rel := t.rel(o.Key)
			if o.Size == 0 || ignored(rel) {
				continue
			}
			for _, x := range t.exclude {
				if x.MatchString(rel) {
					continue objects
				}
			}
			dir := path.Dir(rel)
			if dir == "." {
				dir = ""
			}
			folders[dir] = append(folders[dir], object{o.Key, o.Size})
			r.listed.Add(1)
		}
		if !out.IsTruncated {
			return folders, nil
		}
		in.After = out.Next
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func errMsg(err error) string {
	var e interface{ Error() string }
	if errors.As(err, &e) {
		return e.Error()
	}
	return "unknown error"
}

// classifyFolders classifies the sampled files of each folder on the
// worker pool and returns one unit per folder and format. Folders in
// reuse are not read.
func (e *Engine) classifyFolders(ctx context.Context, r *run, t *target, folders map[string][]object, reuse map[string][]*unit) ([]*unit, error) {
	type job struct {
		folder string
		obj    object
	}
	var jobs []job
	var out []*unit
	names := make([]string, 0, len(folders))
	for f := range folders {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		if us, ok := reuse[f]; ok {
			out = append(out, us...)
			r.classified.Add(int64(len(folders[f])))
			continue
		}
		objs := folders[f]
		sort.Slice(objs, func(i, j int) bool { return objs[i].key < objs[j].key })
		n := len(objs)
		if t.sample > 0 {
			n = min(n, t.sample)
		}
		for _, o := range objs[:n] {
			jobs = append(jobs, job{f, o})
		}
		r.classified.Add(int64(len(objs) - n))
	}
	results := make([]*Result, len(jobs))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, j := range jobs {
		select {
		case e.sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-e.sem; wg.Done() }()
			res, err := e.classifyObject(ctx, r, t.bucket, j.obj)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel()
				return
			}
			results[i] = res
			r.classified.Add(1)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Fold file results into units, per folder and signature.
	byKey := map[string]*unit{}
	var order []string
	for i, j := range jobs {
		res := results[i]
		sig := signature(res)
		k := j.folder + "\x00" + sig
		u := byKey[k]
		if u == nil {
			u = newUnit(j.folder, sig, res)
			byKey[k] = u
			order = append(order, k)
		}
		u.add(res, j.obj)
	}
	var fresh []*unit
	for _, k := range order {
		u := byKey[k]
		total := len(folders[u.Folder])
		sampled := u.Objects
		if sampled < total && sampled > 0 && len(firstSigs(byKey, u.Folder)) == 1 {
			u.Records = u.Records * int64(total) / int64(sampled)
			for _, o := range folders[u.Folder][sampled:] {
				u.Bytes += o.size
			}
			u.Objects = total
		}
		u.finish()
		fresh = append(fresh, u)
	}
	// The folder's main unit is its most common format; the others are
	// named after their classification.
	byFolder := map[string][]*unit{}
	for _, u := range fresh {
		byFolder[u.Folder] = append(byFolder[u.Folder], u)
	}
	for _, us := range byFolder {
		slices.SortStableFunc(us, func(a, b *unit) int { return b.Objects - a.Objects })
		for _, u := range us[1:] {
			u.Name = strings.ToLower(u.Classification)
		}
	}
	out = append(out, fresh...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Folder < out[j].Folder })
	return out, nil
}

func firstSigs(m map[string]*unit, folder string) []string {
	var s []string
	for _, u := range m {
		if u.Folder == folder {
			s = append(s, u.Sig)
		}
	}
	return s
}

func signature(r *Result) string {
	if r.Inference == nil {
		return Unknown
	}
	p := r.Inference.Parameters
	sf, _ := formats.StorageFormatFor(r.Inference)
	return strings.Join([]string{r.Classification, string(r.Inference.Compression), p["delimiter"], p["skip.header.line.count"], sf.SerializationLibrary}, "|")
}

func newUnit(folder, sig string, r *Result) *unit {
	u := &unit{Folder: folder, Sig: sig, Classification: r.Classification, Params: map[string]string{}}
	if inf := r.Inference; inf != nil {
		u.Codec = string(inf.Compression)
		for k, v := range inf.Parameters {
			switch k {
			case "recordCount", "averageRecordSize", "grokPattern", "grokCustomPatterns":
			default:
				u.Params[k] = v
			}
		}
		if r.Classification == "csv" {
			u.Params["columnsOrdered"] = "true"
		}
		u.Storage, _ = formats.StorageFormatFor(inf)
		if cp := inf.Parameters["grokCustomPatterns"]; cp != "" {
			u.Storage.SerdeParameters["input.grokCustomPatterns"] = cp
		}
	} else {
		u.Params["classification"] = Unknown
		u.Codec = string(compress.None)
	}
	return u
}

func (u *unit) add(r *Result, o object) {
	u.Objects++
	u.Bytes += o.size
	inf := r.Inference
	if inf == nil {
		return
	}
	var cols []types.Column
	cols = u.parsed()
	u.cols = types.MergeColumns(cols, inf.Columns)
	if inf.RecordCount > 0 {
		total := u.AvgSize*u.Records + inf.AverageRecordSize*inf.RecordCount
		u.Records += inf.RecordCount
		u.AvgSize = total / max(u.Records, 1)
	}
}

func (u *unit) finish() {
	for i := range u.cols {
		u.cols[i].Type = types.Resolve(u.cols[i].Type)
	}
	u.Columns = toCatalog(u.cols)
}

// classifyObject reads the head of one object and runs the classifiers.
func (e *Engine) classifyObject(ctx context.Context, r *run, bucket string, o object) (*Result, error) {
	var read int64
	var opened []*objectReader
	open := func() io.Reader {
		or := &objectReader{ctx: ctx, obj: e.obj, bucket: bucket, key: o.key, size: o.size, read: &read}
		opened = append(opened, or)
		return or
	}
	defer func() {
		for _, or := range opened {
			or.Close()
		}
	}()
	s := &Sample{Name: o.key, Size: o.size, Open: open, SampleRows: e.opts.SampleRows}
	// Columnar and container files are recognised by their first bytes;
	// read no more of them here.
	first := make([]byte, min(16, o.size))
	if n, err := open().(io.ReaderAt).ReadAt(first, 0); n == len(first) && compress.Detect(o.key, first) == compress.None &&
		(bytes.HasPrefix(first, []byte("PAR1")) || bytes.HasPrefix(first, []byte("ORC")) || bytes.HasPrefix(first, []byte("Obj\x01"))) {
		s.Head, s.Codec = first, compress.None
		res, err := Classify(ctx, r.classifiers, s)
		r.bytesRead.Add(read)
		return res, err
	} else if err != nil && err != io.EOF {
		return nil, err
	}
	rc, codec, err := decompressed(s)
	if err != nil {
		if errors.Is(err, errReadObject) {
			return nil, err
		}
		return &Result{Classification: Unknown}, nil
	}
	hp := headPool.Get().(*[]byte)
	defer headPool.Put(hp)
	head := *hp
	n, err := io.ReadFull(rc, head)
	rc.Close()
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		if errors.Is(err, errReadObject) {
			return nil, err
		}
		return &Result{Classification: Unknown}, nil
	}
	s.Head, s.Codec = head[:n], codec
	res, err := Classify(ctx, r.classifiers, s)
	r.bytesRead.Add(read)
	return res, err
}

// headPool recycles the head buffers of classified files.
var headPool = sync.Pool{New: func() any { b := make([]byte, HeadBytes); return &b }}

// decompressed opens the decompressed content of a sample.
func decompressed(s *Sample) (io.ReadCloser, compress.Codec, error) {
	src := s.Open()
	br, head, err := compress.Peek(src, 16)
	if err != nil {
		return nil, "", err
	}
	codec := compress.Detect(s.Name, head)
	if codec == compress.Zip {
		rc, _, err := compress.OpenZip(s.Open(), s.Size)
		if c, ok := src.(io.Closer); ok {
			c.Close()
		}
		return rc, codec, err
	}
	rc, err := compress.NewReader(codec, br)
	if err != nil {
		return nil, codec, err
	}
	return closeBoth{rc, src}, codec, nil
}

type closeBoth struct {
	io.ReadCloser
	src io.Reader
}

func (c closeBoth) Close() error {
	err := c.ReadCloser.Close()
	if cl, ok := c.src.(io.Closer); ok {
		cl.Close()
	}
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
