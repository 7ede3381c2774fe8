package crawler

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/tarnhq/tarn/internal/formats"
	"github.com/tarnhq/tarn/internal/formats/grok"
	"github.com/tarnhq/tarn/internal/formats/ion"
)

// The built-in classifiers, registered in Glue's priority order: avro,
// orc, parquet, json, bson, xml, ion, the log families, csv.
func init() {
	for _, c := range []Classifier{
		magicClassifier{"avro", formats.Avro, []byte("Obj\x01")},
		magicClassifier{"orc", formats.ORC, []byte("ORC")},
		magicClassifier{"parquet", formats.Parquet, []byte("PAR1")},
		textClassifier{"json", formats.JSON, "{["},
		bsonClassifier{},
		textClassifier{"xml", formats.XML, "<"},
		ionClassifier{},
	} {
		registerBuiltin(c)
	}
	for _, l := range logFamilies {
		registerBuiltin(&logClassifier{family: l})
	}
	registerBuiltin(csvBuiltin{})
	registerCustomKinds(DefaultRegistry)
}

func registerBuiltin(c Classifier) {
	DefaultRegistry.Register(&Spec{ID: "crawler.classifier." + c.Name(), Builtin: true,
		New: func(*ClassifierDef) (Classifier, error) { return c, nil }})
}

// infer runs formats.Infer on the whole sample with forced options; a
// parse failure is a mismatch (nil), not an error.
func infer(ctx context.Context, s *Sample, o formats.Options) (*formats.Inference, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o.SampleRows = s.SampleRows
	inf, err := formats.Infer(s.Open(), s.Size, s.Name, o)
	if err != nil {
		if errors.Is(err, errReadObject) {
			return nil, err
		}
		return nil, nil
	}
	return inf, nil
}

// magicClassifier matches columnar and container formats by their magic
// bytes and reads only their metadata (footer or header).
type magicClassifier struct {
	name  string
	f     formats.Format
	magic []byte
}

func (m magicClassifier) Name() string { return m.name }

func (m magicClassifier) Classify(ctx context.Context, s *Sample) (*Result, error) {
	if !bytes.HasPrefix(s.Head, m.magic) {
		return nil, nil
	}
	inf, err := infer(ctx, s, formats.Options{Format: m.f})
	if inf == nil {
		return nil, err
	}
	return &Result{Classification: m.name, Certainty: CertaintyMatch, Inference: inf}, nil
}

// textClassifier matches JSON and XML: the first non-blank byte, then a
// successful sample parse.
type textClassifier struct {
	name  string
	f     formats.Format
	first string
}

func (t textClassifier) Name() string { return t.name }

func (t textClassifier) Classify(ctx context.Context, s *Sample) (*Result, error) {
	h := bytes.TrimLeft(bytes.TrimPrefix(s.Head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(h) == 0 || !strings.ContainsRune(t.first, rune(h[0])) {
		return nil, nil
	}
	inf, err := infer(ctx, s, formats.Options{Format: t.f})
	if inf == nil || len(inf.Columns) == 0 {
		return nil, err
	}
	return &Result{Classification: t.name, Certainty: CertaintyMatch, Inference: inf}, nil
}

// bsonClassifier matches BSON documents (mongodump files): a plausible
// length prefix and element type, a valid first document, and records.
type bsonClassifier struct{}

func (bsonClassifier) Name() string { return "bson" }

func (bsonClassifier) Classify(ctx context.Context, s *Sample) (*Result, error) {
	if !formats.LooksLikeBSON(s.Head) {
		return nil, nil
	}
	inf, err := infer(ctx, s, formats.Options{Format: formats.BSON})
	if inf == nil || len(inf.Columns) == 0 {
		return nil, err
	}
	return &Result{Classification: "bson", Certainty: CertaintyMatch, Inference: inf}, nil
}

// ionClassifier matches Amazon Ion: binary Ion by its version marker, text
// Ion (which JSON did not already match) only when the sample parses as
// Ion and every top-level value is a struct.
type ionClassifier struct{}

func (ionClassifier) Name() string { return "ion" }

func (ionClassifier) Classify(ctx context.Context, s *Sample) (*Result, error) {
	if !bytes.HasPrefix(s.Head, ion.BVM) && !(textual(s.Head) && ion.LooksLikeText(s.Head)) {
		return nil, nil
	}
	inf, err := infer(ctx, s, formats.Options{Format: formats.Ion})
	if inf == nil || len(inf.Columns) == 0 {
		return nil, err
	}
	return &Result{Classification: "ion", Certainty: CertaintyMatch, Inference: inf}, nil
}

// logFamily is one of Glue's built-in grok log classifiers. Lines starting
// with comment (when set) are directives, not records: they are left out
// of the match test.
type logFamily struct {
	classification string
	pattern        string
	custom         string
	comment        string
}

// logFamilies in Glue's order; syslog (RFC 3164 lines) is tarn's addition,
// tried after Glue's own families.
var logFamilies = []logFamily{
	{"combined_apache", "%{COMBINEDAPACHELOG}", "", ""},
	{"apache", "%{COMMONAPACHELOG}", "", ""},
	{"linux_kernel", "%{LINUXKERNEL}", "LINUXKERNEL %{SYSLOGTIMESTAMP:timestamp} %{SYSLOGHOST:logsource} kernel: \\[\\s*%{NUMBER:uptime}\\] %{GREEDYDATA:message}", ""},
	// Glue does not document its microsoft_log pattern; tarn's matches IIS
	// W3C extended logs with IIS's default fields (#Fields: date time s-ip
	// cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip
	// cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status
	// time-taken), the "#" directive lines aside.
	{"microsoft_log", "%{MICROSOFT_IIS}", "MICROSOFT_IIS %{TIMESTAMP_ISO8601:log_timestamp} %{IPORHOST:s_ip} %{WORD:cs_method} %{NOTSPACE:cs_uri_stem} %{NOTSPACE:cs_uri_query} %{NUMBER:s_port} %{NOTSPACE:cs_username} %{IPORHOST:c_ip} %{NOTSPACE:cs_user_agent} %{NOTSPACE:cs_referer} %{NUMBER:sc_status} %{NUMBER:sc_substatus} %{NUMBER:sc_win32_status} %{NUMBER:time_taken}", "#"},
	{"ruby_logger", "%{RUBY_LOGGER}", "RUBY_LOGLEVEL (?:DEBUG|FATAL|ERROR|WARN|INFO|ANY)\nRUBY_LOGGER [DFEWIA], \\[%{TIMESTAMP_ISO8601:timestamp} #%{POSINT:pid}\\] *%{RUBY_LOGLEVEL:loglevel} -- +%{DATA:progname}: %{GREEDYDATA:message}", ""},
	{"squid", "%{SQUID3}", "SQUID3 %{NUMBER:timestamp}\\s+%{NUMBER:duration}\\s%{IP:client_address}\\s%{WORD:cache_result}/%{NONNEGINT:status_code}\\s%{NUMBER:bytes}\\s%{WORD:request_method}\\s%{NOTSPACE:url}\\s(?:%{NOTSPACE:user}|-)\\s%{WORD:hierarchy_code}/%{NOTSPACE:server}\\s%{NOTSPACE:content_type}", ""},
	{"redismonlog", "%{REDISMONLOG}", "REDISMONLOG %{NUMBER:timestamp} \\[%{INT:database} %{IP:client}:%{NUMBER:port}\\] \"%{WORD:command}\"\\s?%{GREEDYDATA:params}", ""},
	{"redislog", "%{REDISLOG}", "REDISTIMESTAMP %{MONTHDAY} %{MONTH} %{TIME}\nREDISLOG \\[%{POSINT:pid}\\] %{REDISTIMESTAMP:timestamp} \\* %{GREEDYDATA:message}", ""},
	{"syslog", "%{SYSLOGLINE}", "", ""},
}

type logClassifier struct {
	family logFamily
	once   sync.Once
	p      *grok.Pattern
	err    error
}

func (l *logClassifier) Name() string { return l.family.classification }

func (l *logClassifier) compiled() (*grok.Pattern, error) {
	l.once.Do(func() {
		custom, err := grok.ParseCustom(l.family.custom)
		if err != nil {
			l.err = err
			return
		}
		l.p, l.err = grok.Compile(l.family.pattern, custom)
	})
	return l.p, l.err
}

func (l *logClassifier) Classify(ctx context.Context, s *Sample) (*Result, error) {
	p, err := l.compiled()
	if err != nil {
		return nil, err
	}
	if !linesMatch(p, s.Head, l.family.comment) {
		return nil, nil
	}
	return grokResult(ctx, s, l.family.classification, l.family.pattern, l.family.custom)
}

func grokResult(ctx context.Context, s *Sample, classification, pattern, custom string) (*Result, error) {
	inf, err := infer(ctx, s, formats.Options{Format: formats.Grok, Grok: formats.GrokOptions{Pattern: pattern, CustomPatterns: custom}})
	if inf == nil {
		return nil, err
	}
	inf.Parameters["classification"] = classification
	if custom != "" {
		inf.Parameters["grokCustomPatterns"] = custom
	}
	return &Result{Classification: classification, Certainty: CertaintyMatch, Inference: inf}, nil
}

// linesMatch reports whether at least 90% of the complete non-empty lines
// of head (at most 200) match p; lines starting with comment (if not
// empty) are not counted.
func linesMatch(p *grok.Pattern, head []byte, comment string) bool {
	lines := strings.Split(string(head), "\n")
	if len(lines) > 1 && len(head) == HeadBytes {
		lines = lines[:len(lines)-1] // possibly cut
	}
	n, ok := 0, 0
	for _, l := range lines {
		if n == 200 {
			break
		}
		l = strings.TrimRight(l, "\r")
		if l == "" || comment != "" && strings.HasPrefix(l, comment) {
			continue
		}
		n++
		if _, m := p.Match(l); m {
			ok++
		}
	}
	return n > 0 && ok*10 >= n*9
}

// csvBuiltin is Glue's built-in CSV classifier: delimiters , | tab ; ^A
// sniffed by formats, the header heuristic, and at least two columns and
// two rows of data.
type csvBuiltin struct{}

func (csvBuiltin) Name() string { return "csv" }

func (csvBuiltin) Classify(ctx context.Context, s *Sample) (*Result, error) {
	if !textual(s.Head) {
		return nil, nil
	}
	inf, err := infer(ctx, s, formats.Options{Format: formats.CSV})
	if inf == nil {
		return nil, err
	}
	if len(inf.Columns) < 2 || inf.RecordCount >= 0 && inf.RecordCount < 2 {
		return nil, nil
	}
	return &Result{Classification: "csv", Certainty: CertaintyMatch, Inference: inf}, nil
}

// textual reports whether head looks like text: no NUL bytes and few
// control characters (tab, CR, LF and ^A, a Hive delimiter, aside).
func textual(head []byte) bool {
	if len(head) == 0 || bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != 1 {
			ctl++
		}
	}
	return ctl*100 <= len(head)
}
