package crawler

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/tarnhq/tarn/internal/formats"
	"github.com/tarnhq/tarn/internal/formats/compress"
)

// Certainty values a classifier returns: Glue's built-ins return 1.0 for a
// match and 0.0 otherwise; custom classifiers may return less than 1.0.
const (
	CertaintyMatch = 1.0
	CertaintyNone  = 0.0
)

// Unknown is the classification of a file no classifier matched.
const Unknown = "UNKNOWN"

// Sample is one file as classifiers see it: its name and size, the first
// bytes of its decompressed content, and a way to read it in full.
type Sample struct {
	Name  string // object key
	Size  int64  // stored (compressed) size
	Head  []byte // up to HeadBytes of the decompressed content
	Codec compress.Codec
	// Open returns a fresh reader of the stored bytes; it is also an
	// io.ReaderAt, so columnar formats read only their metadata.
	Open func() io.Reader
	// SampleRows bounds the records a text format reads.
	SampleRows int
}

// HeadBytes is how much of a file's decompressed start classifiers see.
const HeadBytes = 64 << 10

// Result is a classifier's verdict on a file.
type Result struct {
	Classification string
	Certainty      float64
	Inference      *formats.Inference
}

// Classifier decides whether a file is of its kind and, if so, infers its
// schema. A nil Result (or Certainty 0) is "no match"; an error is a read
// failure, not a mismatch.
type Classifier interface {
	Name() string
	Classify(ctx context.Context, s *Sample) (*Result, error)
}

// Spec registers one classifier kind: a built-in (New ignores def) or a
// custom kind (New builds it from a stored definition).
type Spec struct {
	// ID is the namespaced component id, e.g. crawler.classifier.csv.
	ID string
	// Builtin classifiers run, in registration order, after the custom
	// classifiers a crawler names.
	Builtin bool
	New     func(def *ClassifierDef) (Classifier, error)
}

// Registry holds classifier kinds. Tests build their own; DefaultRegistry
// holds tarn's built-ins and the four custom kinds.
type Registry struct {
	mu    sync.RWMutex
	specs map[string]*Spec
	order []string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{specs: map[string]*Spec{}} }

// DefaultRegistry is the global default registry; engines use it unless
// Options.Registry says otherwise.
var DefaultRegistry = NewRegistry()

// Register adds a kind; registering an id twice is a programming error.
func (r *Registry) Register(s *Spec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.specs[s.ID]; dup {
		panic("crawler: classifier " + s.ID + " registered twice")
	}
	r.specs[s.ID] = s
	r.order = append(r.order, s.ID)
}

// Lookup returns the spec with id.
func (r *Registry) Lookup(id string) (*Spec, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.specs[id]
	return s, ok
}

// Builtins returns the built-in classifiers in priority order.
func (r *Registry) Builtins() []Classifier {
	r.mu.RLock()
	ids := slices.Clone(r.order)
	r.mu.RUnlock()
	var out []Classifier
	for _, id := range ids {
		s, _ := r.Lookup(id)
		if !s.Builtin {
			continue
		}
		c, err := s.New(nil)
		if err != nil {
			panic(fmt.Sprintf("crawler: built-in classifier %s: %v", id, err))
		}
		out = append(out, c)
	}
	return out
}

// Custom builds the classifier of a stored custom definition.
func (r *Registry) Custom(def *ClassifierDef) (Classifier, error) {
	id := "crawler.classifier.custom." + defKind(def)
	s, ok := r.Lookup(id)
	if !ok {
		return nil, fmt.Errorf("crawler: no classifier kind %s", id)
	}
	return s.New(def)
}

func defKind(d *ClassifierDef) string {
	switch {
	case d.GrokClassifier != nil:
		return "grok"
	case d.XMLClassifier != nil:
		return "xml"
	case d.JsonClassifier != nil:
		return "json"
	case d.CsvClassifier != nil:
		return "csv"
	}
	return ""
}

// Classify runs the classifiers in order and returns the first result of
// certainty 1.0, else the most certain one above 0, else an UNKNOWN result.
func Classify(ctx context.Context, cs []Classifier, s *Sample) (*Result, error) {
	var best *Result
	for _, c := range cs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := c.Classify(ctx, s)
		if err != nil {
			return nil, err
		}
		if r == nil || r.Certainty <= CertaintyNone {
			continue
		}
		if r.Certainty >= CertaintyMatch {
			return r, nil
		}
		if best == nil || r.Certainty > best.Certainty {
			best = r
		}
	}
	if best != nil {
		return best, nil
	}
	return &Result{Classification: Unknown}, nil
}
