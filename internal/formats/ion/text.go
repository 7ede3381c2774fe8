package ion

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// textParser reads text Ion values from a buffered stream.
type textParser struct {
	br    *bufio.Reader
	max   int
	n     int64 // bytes consumed
	start int64 // n at the start of the current top-level value
	line  int
}

func (p *textParser) errf(format string, a ...any) error {
	return fmt.Errorf("ion: line %d: %s", p.line+1, fmt.Sprintf(format, a...))
}

func (p *textParser) peek() (byte, error) {
	b, err := p.br.Peek(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (p *textParser) read() (byte, error) {
	c, err := p.br.ReadByte()
	if err != nil {
		return 0, err
	}
	p.n++
	if c == '\n' {
		p.line++
	}
	if p.n-p.start > int64(p.max) {
		return 0, fmt.Errorf("%w (%d bytes)", ErrTooLarge, p.max)
	}
	return c, nil
}

func (p *textParser) must() (byte, error) {
	c, err := p.read()
	if err == io.EOF {
		return 0, p.errf("unexpected end of input")
	}
	return c, err
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// skip skips white space and comments; it returns io.EOF only at the end.
func (p *textParser) skip() error {
	for {
		c, err := p.peek()
		if err != nil {
			return err
		}
		switch {
		case isSpace(c):
			p.read()
		case c == '/':
			two, _ := p.br.Peek(2)
			if len(two) < 2 || two[1] != '/' && two[1] != '*' {
				return nil
			}
			p.read()
			p.read()
			if two[1] == '/' {
				for {
					c, err := p.read()
					if err != nil || c == '\n' {
						break
					}
				}
			} else {
				prev := byte(0)
				for {
					c, err := p.read()
					if err != nil {
						return p.errf("unterminated comment")
					}
					if prev == '*' && c == '/' {
						break
					}
					prev = c
				}
			}
		default:
			return nil
		}
	}
}

func (p *textParser) next() (any, error) {
	for {
		if err := p.skip(); err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, err
		}
		p.start = p.n
		annots, v, err := p.value(0, true)
		if err != nil {
			if err == io.EOF {
				err = p.errf("unexpected end of input")
			}
			return nil, err
		}
		if s, ok := v.(symbolText); ok {
			if len(annots) == 0 && s == "$ion_1_0" {
				continue // version marker
			}
			return string(s), nil
		}
		if len(annots) > 0 && annots[0] == "$ion_symbol_table" {
			if _, ok := v.(*Struct); ok {
				continue // local symbol table: text symbols carry their own text
			}
		}
		return v, nil
	}
}

// symbolText is a symbol value, told apart from strings only to spot the
// top-level version marker.
type symbolText string

func unwrap(v any) any {
	if s, ok := v.(symbolText); ok {
		return string(s)
	}
	return v
}

// value parses annotations and one value.
func (p *textParser) value(depth int, inSexp bool) ([]string, any, error) {
	if depth > MaxDepth {
		return nil, nil, p.errf("nested deeper than %d levels", MaxDepth)
	}
	var annots []string
	for {
		c, err := p.peek()
		if err != nil {
			return nil, nil, err
		}
		var sym string
		var isSym bool
		switch {
		case c == '\'':
			if three, _ := p.br.Peek(3); string(three) == "'''" {
				s, err := p.longStrings()
				return annots, s, err
			}
			p.read()
			s, err := p.quoted('\'')
			if err != nil {
				return nil, nil, err
			}
			sym, isSym = s, true
		case isIdentStart(c):
			id := p.ident()
			switch id {
			case "null":
				if c, err := p.peek(); err == nil && c == '.' {
					p.read()
					t := p.ident()
					switch t {
					case "null", "bool", "int", "float", "decimal", "timestamp", "string", "symbol",
						"blob", "clob", "list", "sexp", "struct":
					default:
						return nil, nil, p.errf("unknown null type null.%s", t)
					}
				}
				return annots, nil, p.end(inSexp)
			case "true", "false":
				return annots, id == "true", p.end(inSexp)
			case "nan":
				return annots, math.NaN(), p.end(inSexp)
			}
			sym, isSym = id, true
		case c == '"':
			p.read()
			s, err := p.quoted('"')
			return annots, s, err
		case c == '{':
			two, _ := p.br.Peek(2)
			if string(two) == "{{" {
				b, err := p.lob()
				return annots, b, err
			}
			p.read()
			s, err := p.structBody(depth)
			return annots, s, err
		case c == '[':
			p.read()
			l, err := p.seq(depth, ']')
			return annots, l, err
		case c == '(':
			p.read()
			l, err := p.seq(depth, ')')
			return annots, l, err
		case c >= '0' && c <= '9' || c == '-' || c == '+':
			if c == '-' || c == '+' {
				two, _ := p.br.Peek(2)
				if len(two) < 2 || !(two[1] >= '0' && two[1] <= '9' || two[1] == 'i') {
					if inSexp {
						return annots, symbolText(p.operator()), nil
					}
					return nil, nil, p.errf("unexpected %q", c)
				}
			}
			v, err := p.number()
			if err != nil {
				return nil, nil, err
			}
			return annots, v, p.end(inSexp)
		case inSexp && isOperator(c):
			return annots, symbolText(p.operator()), nil
		default:
			return nil, nil, p.errf("unexpected %q", c)
		}
		if isSym {
			// An annotation is a symbol followed by '::'.
			if err := p.skip(); err != nil && err != io.EOF {
				return nil, nil, err
			}
			if two, _ := p.br.Peek(2); string(two) == "::" {
				p.read()
				p.read()
				annots = append(annots, sym)
				if len(annots) > 100 {
					return nil, nil, p.errf("too many annotations")
				}
				if err := p.skip(); err != nil {
					return nil, nil, err
				}
				continue
			}
			return annots, symbolText(sym), nil
		}
	}
}

// end checks that a scalar token is followed by a delimiter.
func (p *textParser) end(inSexp bool) error {
	c, err := p.peek()
	if err != nil {
		return nil
	}
	switch {
	case isSpace(c), c == ',', c == ']', c == '}', c == ')', c == '/', c == ':' && !inSexp:
		return nil
	case inSexp && (c == '(' || c == '"' || c == '\'' || c == '[' || c == '{' || isOperator(c)):
		return nil
	}
	return p.errf("unexpected %q after a value", c)
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

func isIdent(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isOperator(c byte) bool { return strings.IndexByte("!#%&*+-./;<=>?@^`|~", c) >= 0 }

func (p *textParser) ident() string {
	var b []byte
	for {
		c, err := p.peek()
		if err != nil || !isIdent(c) {
			return string(b)
		}
		p.read()
		b = append(b, c)
	}
}

func (p *textParser) operator() string {
	var b []byte
	for {
		c, err := p.peek()
		if err != nil || !isOperator(c) {
			return string(b)
		}
		if c == '/' {
			if two, _ := p.br.Peek(2); len(two) == 2 && (two[1] == '/' || two[1] == '*') {
				return string(b)
			}
		}
		p.read()
		b = append(b, c)
	}
}

// quoted reads a short string or quoted symbol after its opening quote.
func (p *textParser) quoted(q byte) (string, error) {
	var b []byte
	for {
		c, err := p.must()
		if err != nil {
			return "", err
		}
		switch {
		case c == q:
			if !utf8.Valid(b) {
				return "", p.errf("string is not UTF-8")
			}
			return string(b), nil
		case c == '\n' || c == '\r':
			return "", p.errf("new line in a quoted string")
		case c == '\\':
			if b, err = p.escape(b); err != nil {
				return "", err
			}
		default:
			b = append(b, c)
		}
	}
}

// longStrings reads one or more adjacent ”'…”' strings.
func (p *textParser) longStrings() (string, error) {
	var b []byte
	for {
		three, _ := p.br.Peek(3)
		if string(three) != "'''" {
			break
		}
		p.read()
		p.read()
		p.read()
		for {
			c, err := p.must()
			if err != nil {
				return "", err
			}
			if c == '\'' {
				if two, _ := p.br.Peek(2); string(two) == "''" {
					p.read()
					p.read()
					break
				}
			}
			if c == '\\' {
				if b, err = p.escape(b); err != nil {
					return "", err
				}
				continue
			}
			b = append(b, c)
		}
		if err := p.skip(); err != nil && err != io.EOF {
			return "", err
		}
	}
	if !utf8.Valid(b) {
		return "", p.errf("string is not UTF-8")
	}
	return string(b), nil
}

func (p *textParser) escape(b []byte) ([]byte, error) {
	c, err := p.must()
	if err != nil {
		return nil, err
	}
	switch c {
	case 'a':
		return append(b, '\a'), nil
	case 'b':
		return append(b, '\b'), nil
	case 't':
		return append(b, '\t'), nil
	case 'n':
		return append(b, '\n'), nil
	case 'f':
		return append(b, '\f'), nil
	case 'r':
		return append(b, '\r'), nil
	case 'v':
		return append(b, '\v'), nil
	case '0':
		return append(b, 0), nil
	case '?', '\'', '"', '/', '\\':
		return append(b, c), nil
	case '\n':
		return b, nil
	case '\r':
		if c, err := p.peek(); err == nil && c == '\n' {
			p.read()
		}
		return b, nil
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		var h []byte
		for range n {
			d, err := p.must()
			if err != nil {
				return nil, err
			}
			h = append(h, d)
		}
		r, err := strconv.ParseUint(string(h), 16, 32)
		if err != nil || r > utf8.MaxRune || r >= 0xD800 && r <= 0xDFFF {
			return nil, p.errf("bad escape \\%c%s", c, h)
		}
		return utf8.AppendRune(b, rune(r)), nil
	}
	return nil, p.errf("bad escape \\%c", c)
}

// lob reads {{ base64 }} or {{ "clob" }}.
func (p *textParser) lob() ([]byte, error) {
	p.read()
	p.read()
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	var out []byte
	c, err := p.peek()
	if err != nil {
		return nil, p.errf("unterminated lob")
	}
	switch c {
	case '"':
		p.read()
		s, err := p.quoted('"')
		if err != nil {
			return nil, err
		}
		out = []byte(s)
	case '\'':
		s, err := p.longStrings()
		if err != nil {
			return nil, err
		}
		out = []byte(s)
	default:
		var b64 []byte
		for {
			c, err := p.peek()
			if err != nil || c == '}' {
				break
			}
			p.read()
			if !isSpace(c) {
				b64 = append(b64, c)
			}
		}
		if out, err = base64.StdEncoding.DecodeString(string(b64)); err != nil {
			return nil, p.errf("bad base64 in a blob")
		}
	}
	if err := p.skipSpace(); err != nil {
		return nil, err
	}
	for range 2 {
		if c, err := p.must(); err != nil || c != '}' {
			return nil, p.errf("unterminated lob")
		}
	}
	return out, nil
}

func (p *textParser) skipSpace() error {
	for {
		c, err := p.peek()
		if err != nil {
			return p.errf("unexpected end of input")
		}
		if !isSpace(c) {
			return nil
		}
		p.read()
	}
}

func (p *textParser) structBody(depth int) (*Struct, error) {
	s := &Struct{}
	for {
		if err := p.skip(); err != nil {
			return nil, p.errf("unterminated struct")
		}
		c, _ := p.peek()
		if c == '}' {
			p.read()
			return s, nil
		}
		var name string
		var err error
		switch {
		case c == '"':
			p.read()
			name, err = p.quoted('"')
		case c == '\'':
			if three, _ := p.br.Peek(3); string(three) == "'''" {
				name, err = p.longStrings()
			} else {
				p.read()
				name, err = p.quoted('\'')
			}
		case isIdentStart(c):
			name = p.ident()
		default:
			return nil, p.errf("unexpected %q where a field name belongs", c)
		}
		if err != nil {
			return nil, err
		}
		if err := p.skip(); err != nil {
			return nil, p.errf("unterminated struct")
		}
		if c, err := p.must(); err != nil || c != ':' {
			return nil, p.errf("expected ':' after field %q", name)
		}
		if err := p.skip(); err != nil {
			return nil, p.errf("unterminated struct")
		}
		_, v, err := p.value(depth+1, false)
		if err != nil {
			return nil, err
		}
		s.Fields = append(s.Fields, Field{Name: name, Value: unwrap(v)})
		if err := p.skip(); err != nil {
			return nil, p.errf("unterminated struct")
		}
		c, err = p.must()
		if err != nil {
			return nil, err
		}
		switch c {
		case ',':
		case '}':
			return s, nil
		default:
			return nil, p.errf("expected ',' or '}' in a struct, found %q", c)
		}
	}
}

// seq reads a list (close = ']', comma separated) or sexp (')').
func (p *textParser) seq(depth int, close byte) ([]any, error) {
	out := []any{}
	sexp := close == ')'
	for {
		if err := p.skip(); err != nil {
			return nil, p.errf("unterminated %s", map[bool]string{true: "s-expression", false: "list"}[sexp])
		}
		c, _ := p.peek()
		if c == close {
			p.read()
			return out, nil
		}
		_, v, err := p.value(depth+1, sexp)
		if err != nil {
			return nil, err
		}
		out = append(out, unwrap(v))
		if sexp {
			continue
		}
		if err := p.skip(); err != nil {
			return nil, p.errf("unterminated list")
		}
		c, err = p.must()
		if err != nil {
			return nil, err
		}
		switch c {
		case ',':
		case ']':
			return out, nil
		default:
			return nil, p.errf("expected ',' or ']' in a list, found %q", c)
		}
	}
}

// number reads an int, float, decimal or timestamp token.
func (p *textParser) number() (any, error) {
	var b []byte
	for {
		c, err := p.peek()
		if err != nil {
			break
		}
		if !(isIdent(c) || c == '.' || c == '+' || c == '-' || c == ':') || c == '$' {
			break
		}
		// A ':' ends a number unless the token is a timestamp (has a 'T').
		if c == ':' && !strings.ContainsRune(string(b), 'T') {
			break
		}
		if len(b) > 1000 {
			return nil, p.errf("number too long")
		}
		p.read()
		b = append(b, c)
	}
	tok := string(b)
	switch tok {
	case "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	if v, ok := parseTimestamp(tok); ok {
		return v, nil
	}
	v, err := parseNumber(tok)
	if err != nil {
		return nil, p.errf("%v", err)
	}
	return v, nil
}
