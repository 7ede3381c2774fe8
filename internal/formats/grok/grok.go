// Package grok is a small grok engine: patterns such as
// "%{IPORHOST:clientip} %{NUMBER:bytes:long}" expand, through a library of
// named regular expressions (BasePatterns plus custom ones), into one Go
// regular expression whose named captures become typed fields.
//
// Syntax, as in Glue's grok classifier: %{NAME}, %{NAME:field} and
// %{NAME:field:type} (";" is accepted as the type separator, as in Glue's
// *_DATATYPED patterns), with type one of byte, boolean, double, short, int,
// long, float (default string). A field typed UNWANTED is matched but not
// emitted. Custom patterns are "NAME regex" lines.
package grok

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Field is one emitted capture of a compiled pattern.
type Field struct {
	Name string
	Type string // Glue type: string, tinyint, boolean, double, smallint, int, bigint, float
}

// Pattern is a compiled grok pattern.
type Pattern struct {
	re       *regexp.Regexp
	fields   []Field
	captures []capture
}

type capture struct{ field, group int }

// Limits on patterns (Glue: GrokPattern ≤ 2048, CustomPatterns ≤ 16000).
const (
	MaxPatternLen = 2048
	MaxCustomLen  = 16000
	maxExpansions = 10000
	maxDepth      = 64
)

var refRE = regexp.MustCompile(`%\{([A-Za-z0-9_]+)(?::([^:;}]+))?(?:[:;]([^}]+))?\}`)

var typeNames = map[string]string{
	"": "string", "string": "string", "byte": "tinyint", "boolean": "boolean", "double": "double",
	"short": "smallint", "int": "int", "long": "bigint", "float": "float",
}

// ParseCustom parses custom pattern definitions, one "NAME regex" per line;
// blank lines and lines starting with # are ignored.
func ParseCustom(s string) (map[string]string, error) {
	if len(s) > MaxCustomLen {
		return nil, fmt.Errorf("grok: custom patterns longer than %d bytes", MaxCustomLen)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, MaxCustomLen+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, re, ok := strings.Cut(line, " ")
		if !ok || !regexp.MustCompile(`^[A-Za-z0-9_]+$`).MatchString(name) {
			return nil, fmt.Errorf("grok: custom pattern line %d: want \"NAME regex\"", n)
		}
		out[name] = strings.TrimSpace(re)
	}
	return out, nil
}

// Compile expands pattern with custom patterns (which override the base
// library) and compiles it.
func Compile(pattern string, custom map[string]string) (*Pattern, error) {
	if len(pattern) > MaxPatternLen {
		return nil, fmt.Errorf("grok: pattern longer than %d bytes", MaxPatternLen)
	}
	c := &compiler{custom: custom, seen: map[string]int{}}
	expr, err := c.expand(pattern, 0, true)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(`^` + expr + `$`)
	if err != nil {
		return nil, fmt.Errorf("grok: %w", err)
	}
	p := &Pattern{re: re}
	for i, name := range re.SubexpNames() {
		k, err := strconv.Atoi(strings.TrimPrefix(name, "f"))
		if !strings.HasPrefix(name, "f") || err != nil || k >= len(c.fields) {
			continue
		}
		f := c.fields[k]
		if f.Type == "UNWANTED" {
			continue
		}
		j := p.index(f.Name)
		if j < 0 {
			// A field named in several alternatives gets one column, filled
			// by whichever alternative matched.
			j = len(p.fields)
			p.fields = append(p.fields, f)
		}
		p.captures = append(p.captures, capture{field: j, group: i})
	}
	return p, nil
}

func (p *Pattern) index(name string) int {
	for i, f := range p.fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

type compiler struct {
	custom map[string]string
	fields []Field
	seen   map[string]int
	n      int
}

func (c *compiler) lookup(name string) (string, bool) {
	if s, ok := c.custom[name]; ok {
		return s, true
	}
	s, ok := BasePatterns[name]
	return s, ok
}

// expand replaces %{…} references. Only references in the user's pattern
// (top) and in base patterns that name fields produce captures.
func (c *compiler) expand(s string, depth int, top bool) (string, error) {
	if depth > maxDepth {
		return "", fmt.Errorf("grok: patterns nested deeper than %d (recursive definition?)", maxDepth)
	}
	var err error
	out := refRE.ReplaceAllStringFunc(s, func(ref string) string {
		if err != nil {
			return ""
		}
		c.n++
		if c.n > maxExpansions {
			err = fmt.Errorf("grok: pattern expands to more than %d references", maxExpansions)
			return ""
		}
		m := refRE.FindStringSubmatch(ref)
		name, field, typ := m[1], m[2], m[3]
		def, ok := c.lookup(name)
		if !ok {
			err = fmt.Errorf("grok: unknown pattern %%{%s}", name)
			return ""
		}
		inner, e := c.expand(def, depth+1, false)
		if e != nil {
			err = e
			return ""
		}
		if field == "" {
			return "(?:" + inner + ")"
		}
		gt := "UNWANTED"
		if !strings.EqualFold(typ, "UNWANTED") {
			// Glue's datatyped patterns add a format after the type
			// (timestamp;date;dd/MMM/yyyy…): only the first word is a type.
			t, _, _ := strings.Cut(strings.ToLower(typ), ";")
			var ok bool
			if gt, ok = typeNames[t]; !ok {
				gt = "string"
			}
		}
		k := len(c.fields)
		c.fields = append(c.fields, Field{Name: field, Type: gt})
		return "(?P<f" + strconv.Itoa(k) + ">" + inner + ")"
	})
	return out, err
}

// Fields lists the emitted fields in pattern order.
func (p *Pattern) Fields() []Field { return p.fields }

// Regexp returns the compiled regular expression.
func (p *Pattern) Regexp() *regexp.Regexp { return p.re }

// Match matches a whole line and returns one string per field ("" for an
// optional field that did not participate), or false.
func (p *Pattern) Match(line string) ([]string, bool) {
	m := p.re.FindStringSubmatchIndex(line)
	if m == nil {
		return nil, false
	}
	out := make([]string, len(p.fields))
	for _, c := range p.captures {
		if m[2*c.group] >= 0 && out[c.field] == "" {
			out[c.field] = line[m[2*c.group]:m[2*c.group+1]]
		}
	}
	return out, true
}
