package formats

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/tarnhq/tarn/internal/formats/grok"
	"github.com/tarnhq/tarn/internal/formats/types"
)

// GrokOptions configure reading log lines with a grok pattern.
type GrokOptions struct {
	Pattern        string // e.g. "%{COMBINEDAPACHELOG}"
	CustomPatterns string // "NAME regex" lines
}

func init() {
	Default.Register(&Spec{
		Name:  Grok,
		Open:  openGrok,
		Infer: inferGrok,
		Exts:  []string{".log"},
	})
}

// grokSource yields one *object per line. As with Hive's GrokSerDe, a line
// the pattern does not match becomes a row of nulls; unmatched counts them.
type grokSource struct {
	br        *bufio.Reader
	p         *grok.Pattern
	max       int
	line      int64
	unmatched int64
	bytes     int64
}

// builtinLogPatterns are tried, in order, on a log file opened without a
// pattern, like Glue's built-in log classifiers.
var builtinLogPatterns = []string{
	"%{COMBINEDAPACHELOG}", "%{COMMONAPACHELOG}", "%{HTTPD_ERRORLOG}", "%{SYSLOGLINE}",
}

// glueLogClassification is the classification Glue's built-in log
// classifiers give the patterns they share with tarn.
var glueLogClassification = map[string]string{
	"%{COMBINEDAPACHELOG}": "combined_apache",
	"%{COMMONAPACHELOG}":   "apache",
}

// detectLogPattern returns the first built-in pattern that matches at least
// 90% of the non-empty lines in sample (the last, possibly cut, line aside).
func detectLogPattern(sample []byte) (string, bool) {
	lines := strings.Split(string(sample), "\n")
	if len(lines) > 1 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > 200 {
		lines = lines[:200]
	}
	for _, pat := range builtinLogPatterns {
		p, err := grok.Compile(pat, nil)
		if err != nil {
			continue
		}
		n, ok := 0, 0
		for _, l := range lines {
			l = strings.TrimRight(l, "\r")
			if l == "" {
				continue
			}
			n++
			if _, m := p.Match(l); m {
				ok++
			}
		}
		if n > 0 && ok*10 >= n*9 {
			return pat, true
		}
	}
	return "", false
}

func newGrokSource(src *Source, o *Options) (*grokSource, error) {
	if o.Grok.Pattern == "" {
		br := bufio.NewReaderSize(src.R, 64<<10)
		src.R = br
		sample, _ := br.Peek(64 << 10)
		pat, ok := detectLogPattern(sample)
		if !ok {
			return nil, fmt.Errorf("no grok pattern given (Options.Grok.Pattern) and no built-in log pattern matches")
		}
		o.Grok.Pattern = pat
	}
	custom, err := grok.ParseCustom(o.Grok.CustomPatterns)
	if err != nil {
		return nil, err
	}
	p, err := grok.Compile(o.Grok.Pattern, custom)
	if err != nil {
		return nil, err
	}
	return &grokSource{br: bufio.NewReaderSize(src.R, 64<<10), p: p, max: o.MaxRecordBytes}, nil
}

func (g *grokSource) textual() bool { return true }

func (g *grokSource) next() (any, error) {
	line, err := readLine(g.br, g.max)
	if err != nil {
		return nil, err
	}
	g.line++
	g.bytes += int64(len(line))
	line = strings.TrimRight(line, "\r\n")
	o := &object{}
	m, ok := g.p.Match(line)
	if !ok {
		g.unmatched++
	}
	for i, f := range g.p.Fields() {
		o.keys = append(o.keys, f.Name)
		if ok && m[i] != "" {
			o.vals = append(o.vals, m[i])
		} else {
			o.vals = append(o.vals, nil)
		}
	}
	return o, nil
}

// readLine reads one line of at most max bytes (io.EOF at the end).
func readLine(br *bufio.Reader, max int) (string, error) {
	var sb strings.Builder
	for {
		chunk, err := br.ReadSlice('\n')
		if sb.Len()+len(chunk) > max {
			return "", errRecordTooLarge
		}
		sb.Write(chunk)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && sb.Len() > 0 {
			return sb.String(), nil
		}
		if err != nil {
			return "", err
		}
		return sb.String(), nil
	}
}

// grokColumns is the schema a grok pattern defines: its fields with their
// declared types (untyped fields are strings, as in Glue).
func grokColumns(p *grok.Pattern) ([]types.Column, error) {
	var cols []types.Column
	for _, f := range p.Fields() {
		t, err := types.Parse(f.Type)
		if err != nil {
			return nil, err
		}
		cols = append(cols, types.Column{Name: f.Name, Type: t})
	}
	return cols, nil
}

func openGrok(src *Source, o *Options) (Reader, error) {
	g, err := newGrokSource(src, o)
	if err != nil {
		return nil, err
	}
	if o.Schema == nil {
		cols, err := grokColumns(g.p)
		if err != nil {
			return nil, err
		}
		if o.Schema, err = types.ToArrowSchema(cols); err != nil {
			return nil, err
		}
	}
	return newTextReader(g, o)
}

func inferGrok(src *Source, o *Options) (*Inference, error) {
	g, err := newGrokSource(src, o)
	if err != nil {
		return nil, err
	}
	cols, err := grokColumns(g.p)
	if err != nil {
		return nil, err
	}
	inf, err := inferRows(src, o, g, func() int64 { return g.bytes })
	if err != nil {
		return nil, err
	}
	if g.line > 0 && g.unmatched == g.line {
		return nil, fmt.Errorf("pattern %q matched none of %d sampled lines", o.Grok.Pattern, g.line)
	}
	inf.Columns = cols
	inf.Schema, err = types.ToArrowSchema(cols)
	if err != nil {
		return nil, err
	}
	inf.Parameters = map[string]string{"grokPattern": o.Grok.Pattern}
	if c, ok := glueLogClassification[o.Grok.Pattern]; ok {
		inf.Parameters["classification"] = c
	}
	return inf, nil
}
