package crawler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/formats"
	"github.com/tarnhq/tarn/internal/formats/grok"
	"github.com/tarnhq/tarn/internal/formats/types"
)

// registerCustomKinds registers the four custom classifier kinds.
func registerCustomKinds(r *Registry) {
	r.Register(&Spec{ID: "crawler.classifier.custom.grok", New: func(d *ClassifierDef) (Classifier, error) {
		g := d.GrokClassifier
		custom, err := grok.ParseCustom(g.CustomPatterns)
		if err != nil {
			return nil, err
		}
		p, err := grok.Compile(g.GrokPattern, custom)
		if err != nil {
			return nil, err
		}
		return &grokCustom{def: g, p: p}, nil
	}})
	r.Register(&Spec{ID: "crawler.classifier.custom.xml", New: func(d *ClassifierDef) (Classifier, error) {
		return xmlCustom{d.XMLClassifier}, nil
	}})
	r.Register(&Spec{ID: "crawler.classifier.custom.json", New: func(d *ClassifierDef) (Classifier, error) {
		p, err := parseJSONPath(d.JsonClassifier.JsonPath)
		if err != nil {
			return nil, err
		}
		return jsonCustom{d.JsonClassifier, p}, nil
	}})
	r.Register(&Spec{ID: "crawler.classifier.custom.csv", New: func(d *ClassifierDef) (Classifier, error) {
		return csvCustom{d.CsvClassifier}, nil
	}})
}

type grokCustom struct {
	def *GrokClassifier
	p   *grok.Pattern
}

func (g *grokCustom) Name() string { return g.def.Name }

func (g *grokCustom) Classify(ctx context.Context, s *Sample) (*Result, error) {
	if !textual(s.Head) || !linesMatch(g.p, s.Head, "") {
		return nil, nil
	}
	return grokResult(ctx, s, g.def.Classification, g.def.GrokPattern, g.def.CustomPatterns)
}

type xmlCustom struct{ def *XMLClassifier }

func (x xmlCustom) Name() string { return x.def.Name }

func (x xmlCustom) Classify(ctx context.Context, s *Sample) (*Result, error) {
	h := bytes.TrimLeft(s.Head, " \t\r\n\xef\xbb\xbf")
	if len(h) == 0 || h[0] != '<' {
		return nil, nil
	}
	if x.def.RowTag != "" && !bytes.Contains(s.Head, []byte("<"+x.def.RowTag+">")) && !bytes.Contains(s.Head, []byte("<"+x.def.RowTag+" ")) {
		return nil, nil
	}
	inf, err := infer(ctx, s, formats.Options{Format: formats.XML, XML: formats.XMLOptions{RowTag: x.def.RowTag}})
	if inf == nil || len(inf.Columns) == 0 {
		return nil, err
	}
	inf.Parameters["classification"] = x.def.Classification
	inf.Parameters["rowTag"] = x.def.RowTag
	return &Result{Classification: x.def.Classification, Certainty: CertaintyMatch, Inference: inf}, nil
}

type csvCustom struct{ def *CsvClassifier }

func (c csvCustom) Name() string { return c.def.Name }

func (c csvCustom) Classify(ctx context.Context, s *Sample) (*Result, error) {
	if !textual(s.Head) {
		return nil, nil
	}
	o := formats.Options{Format: formats.CSV}
	if c.def.Delimiter != "" {
		o.CSV.Delimiter = []rune(c.def.Delimiter)[0]
	}
	if c.def.QuoteSymbol != "" {
		o.CSV.Quote = []rune(c.def.QuoteSymbol)[0]
	}
	switch c.def.ContainsHeader {
	case "PRESENT":
		o.CSV.Header = formats.HeaderPresent
	case "ABSENT":
		o.CSV.Header = formats.HeaderAbsent
	}
	o.CSV.Names = c.def.Header
	o.CSV.Types = csvCustomTypes(c.def)
	o.CSV.KeepSpaces = keepSpaces(c.def)
	inf, err := infer(ctx, s, o)
	if inf == nil {
		return nil, err
	}
	single := c.def.AllowSingleColumn != nil && *c.def.AllowSingleColumn
	if len(inf.Columns) < 2 && !single {
		return nil, nil
	}
	switch c.def.Serde {
	case "OpenCSVSerDe":
		inf.Parameters["areColumnsQuoted"] = "true"
	case "LazySimpleSerDe":
		inf.Parameters["areColumnsQuoted"] = "false"
	}
	return &Result{Classification: "csv", Certainty: CertaintyMatch, Inference: inf}, nil
}

// keepSpaces applies DisableValueTrimming: "Specifies not to trim values
// before identifying the type of column values. The default value is
// true." (Glue API reference, CsvClassifier). So a value with whitespace
// around it types as a string unless the classifier sets the field to
// false; Glue's built-in CSV classifier, which has no such field, trims.
func keepSpaces(d *CsvClassifier) bool {
	return d.DisableValueTrimming == nil || *d.DisableValueTrimming
}

// csvTypeKinds maps Glue's CustomDatatypes names to catalog types.
var csvTypeKinds = map[string]types.Kind{"BINARY": types.Binary, "BOOLEAN": types.Boolean, "DATE": types.Date,
	"DECIMAL": types.Decimal, "DOUBLE": types.Double, "FLOAT": types.Float, "INT": types.Int, "LONG": types.BigInt,
	"SHORT": types.SmallInt, "STRING": types.String, "TIMESTAMP": types.Timestamp}

// csvCustomTypes returns the column types a CSV classifier lets inference
// choose: nil (Glue's default boolean, bigint, double, string) unless
// CustomDatatypeConfigured is true and CustomDatatypes lists some. STRING
// need not be listed: it is always the fallback.
func csvCustomTypes(d *CsvClassifier) []types.Kind {
	if d.CustomDatatypeConfigured == nil || !*d.CustomDatatypeConfigured || len(d.CustomDatatypes) == 0 {
		return nil
	}
	out := []types.Kind{}
	for _, n := range d.CustomDatatypes {
		if k, ok := csvTypeKinds[n]; ok {
			out = append(out, k)
		}
	}
	return out
}

// jsonStep is one step of a JSON path: a member name, an index, or * (-1).
type jsonStep struct {
	name  string
	index int // -1 = every element or member; -2 = by name
}

// parseJSONPath parses Glue's JsonPath subset: $ then .name, ['name'],
// [n], [*] and .* steps.
func parseJSONPath(p string) ([]jsonStep, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, fmt.Errorf("a JsonPath starts with $")
	}
	if len(p) > 255 {
		return nil, fmt.Errorf("longer than 255 characters")
	}
	var out []jsonStep
	s := p[1:]
	for s != "" {
		switch {
		case strings.HasPrefix(s, ".*"):
			out, s = append(out, jsonStep{index: -1}), s[2:]
		case s[0] == '.':
			end := strings.IndexAny(s[1:], ".[")
			if end < 0 {
				end = len(s) - 1
			}
			name := s[1 : end+1]
			if name == "" {
				return nil, fmt.Errorf("empty member name")
			}
			out, s = append(out, jsonStep{name: name, index: -2}), s[end+1:]
		case strings.HasPrefix(s, "[*]"):
			out, s = append(out, jsonStep{index: -1}), s[3:]
		case strings.HasPrefix(s, "['"):
			end := strings.Index(s, "']")
			if end < 2 {
				return nil, fmt.Errorf("unterminated ['name']")
			}
			out, s = append(out, jsonStep{name: s[2:end], index: -2}), s[end+2:]
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			n, err := strconv.Atoi(s[1:max(end, 1)])
			if end < 0 || err != nil || n < 0 {
				return nil, fmt.Errorf("bad index in %q", s)
			}
			out, s = append(out, jsonStep{index: n}), s[end+1:]
		default:
			return nil, fmt.Errorf("unexpected %q", s)
		}
	}
	return out, nil
}

func selectJSON(v any, steps []jsonStep, out *[]any) {
	if len(steps) == 0 {
		*out = append(*out, v)
		return
	}
	st := steps[0]
	switch x := v.(type) {
	case map[string]any:
		if st.index == -2 {
			if c, ok := x[st.name]; ok {
				selectJSON(c, steps[1:], out)
			}
		} else if st.index == -1 {
			for _, c := range x {
				selectJSON(c, steps[1:], out)
			}
		}
	case []any:
		switch {
		case st.index == -1:
			for _, c := range x {
				selectJSON(c, steps[1:], out)
			}
		case st.index >= 0 && st.index < len(x):
			selectJSON(x[st.index], steps[1:], out)
		}
	}
}

// maxJSONPathBytes bounds the decompressed bytes a JsonPath classifier
// reads: the document is decoded whole to walk the path.
const maxJSONPathBytes = 16 << 20

type jsonCustom struct {
	def   *JsonClassifier
	steps []jsonStep
}

func (j jsonCustom) Name() string { return j.def.Name }

func (j jsonCustom) Classify(ctx context.Context, s *Sample) (*Result, error) {
	h := bytes.TrimLeft(s.Head, " \t\r\n\xef\xbb\xbf")
	if len(h) == 0 || (h[0] != '{' && h[0] != '[') {
		return nil, nil
	}
	if len(j.steps) == 0 || len(j.steps) == 1 && j.steps[0].index == -1 {
		// $ and $[*]: the records formats reads by default.
		inf, err := infer(ctx, s, formats.Options{Format: formats.JSON})
		if inf == nil {
			return nil, err
		}
		return &Result{Classification: "json", Certainty: CertaintyMatch, Inference: inf}, nil
	}
	rc, _, err := decompressed(s)
	if err != nil {
		return nil, nil
	}
	defer rc.Close()
	dec := json.NewDecoder(io.LimitReader(rc, maxJSONPathBytes))
	dec.UseNumber()
	var lines bytes.Buffer
	for {
		var doc any
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			return nil, nil
		}
		var recs []any
		selectJSON(doc, j.steps, &recs)
		for _, r := range recs {
			if _, ok := r.(map[string]any); !ok {
				continue
			}
			b, _ := json.Marshal(r)
			lines.Write(b)
			lines.WriteByte('\n')
		}
	}
	if lines.Len() == 0 {
		return nil, nil
	}
	inf, err := formats.Infer(bytes.NewReader(lines.Bytes()), int64(lines.Len()), "records.json",
		formats.Options{Format: formats.JSON, SampleRows: s.SampleRows})
	if err != nil {
		return nil, nil
	}
	inf.Compression = s.Codec
	inf.Parameters["compressionType"] = string(s.Codec)
	inf.Parameters["jsonPath"] = j.def.JsonPath
	return &Result{Classification: "json", Certainty: CertaintyMatch, Inference: inf}, nil
}
