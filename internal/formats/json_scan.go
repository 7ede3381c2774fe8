package formats

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonScanner parses JSON values straight from a buffered stream into the
// loose forms appendValue takes (*object keeping key order, []any,
// json.Number, string, bool, nil). It is the hot path of JSON reading: about
// three times faster than encoding/json's Token API, which allocates per
// token. It enforces a per-record byte limit and a nesting limit.
type jsonScanner struct {
	r     *bufio.Reader
	max   int
	n     int   // bytes of the current record
	total int64 // bytes consumed
	line  int
	buf   []byte
}

func (s *jsonScanner) next() (byte, error) {
	c, err := s.r.ReadByte()
	if err != nil {
		return 0, err
	}
	s.n++
	s.total++
	if s.n > s.max {
		return 0, errJSONTooLarge
	}
	if c == '\n' {
		s.line++
	}
	return c, nil
}

func (s *jsonScanner) unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (s *jsonScanner) errf(format string, a ...any) error {
	return fmt.Errorf("JSON syntax error on line %d: %s", s.line+1, fmt.Sprintf(format, a...))
}

// space returns the next byte that is not white space.
func (s *jsonScanner) space() (byte, error) {
	for {
		c, err := s.next()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
	}
}

// value parses the value that starts with c.
func (s *jsonScanner) value(c byte, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d levels", maxJSONDepth)
	}
	switch {
	case c == '{':
		o := &object{}
		c, err := s.space()
		if err != nil {
			return nil, s.unexpectedEOF(err)
		}
		if c == '}' {
			return o, nil
		}
		for {
			if c != '"' {
				return nil, s.errf("expected a string key, found %q", c)
			}
			k, err := s.str()
			if err != nil {
				return nil, err
			}
			if c, err = s.space(); err != nil {
				return nil, s.unexpectedEOF(err)
			}
			if c != ':' {
				return nil, s.errf("expected ':' after key %q, found %q", k, c)
			}
			if c, err = s.space(); err != nil {
				return nil, s.unexpectedEOF(err)
			}
			v, err := s.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			o.set(k, v)
			if c, err = s.space(); err != nil {
				return nil, s.unexpectedEOF(err)
			}
			switch c {
			case ',':
				if c, err = s.space(); err != nil {
					return nil, s.unexpectedEOF(err)
				}
			case '}':
				return o, nil
			default:
				return nil, s.errf("expected ',' or '}' in object, found %q", c)
			}
		}
	case c == '[':
		arr := []any{}
		c, err := s.space()
		if err != nil {
			return nil, s.unexpectedEOF(err)
		}
		if c == ']' {
			return arr, nil
		}
		for {
			v, err := s.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			if c, err = s.space(); err != nil {
				return nil, s.unexpectedEOF(err)
			}
			switch c {
			case ',':
				if c, err = s.space(); err != nil {
					return nil, s.unexpectedEOF(err)
				}
			case ']':
				return arr, nil
			default:
				return nil, s.errf("expected ',' or ']' in array, found %q", c)
			}
		}
	case c == '"':
		return s.str()
	case c == 't':
		return true, s.literal("rue")
	case c == 'f':
		return false, s.literal("alse")
	case c == 'n':
		return nil, s.literal("ull")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number(c)
	}
	return nil, s.errf("unexpected %q", c)
}

func (s *jsonScanner) literal(rest string) error {
	for i := 0; i < len(rest); i++ {
		c, err := s.next()
		if err != nil {
			return s.unexpectedEOF(err)
		}
		if c != rest[i] {
			return s.errf("invalid literal")
		}
	}
	return nil
}

func (s *jsonScanner) number(first byte) (any, error) {
	s.buf = append(s.buf[:0], first)
	for {
		b, err := s.r.Peek(1)
		if err != nil {
			break
		}
		c := b[0]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			break
		}
		s.next()
		s.buf = append(s.buf, c)
	}
	if !validNumber(s.buf) {
		return nil, s.errf("invalid number %q", s.buf)
	}
	return json.Number(s.buf), nil
}

// validNumber checks the JSON number grammar.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}

// str reads a string body after its opening quote.
func (s *jsonScanner) str() (string, error) {
	s.buf = s.buf[:0]
	for {
		c, err := s.next()
		if err != nil {
			return "", s.unexpectedEOF(err)
		}
		switch {
		case c == '"':
			if !utf8.Valid(s.buf) {
				return string([]rune(string(s.buf))), nil // replace invalid bytes with U+FFFD
			}
			return string(s.buf), nil
		case c == '\\':
			if err := s.escape(); err != nil {
				return "", err
			}
		case c < 0x20:
			return "", s.errf("control character in string")
		default:
			s.buf = append(s.buf, c)
		}
	}
}

func (s *jsonScanner) escape() error {
	c, err := s.next()
	if err != nil {
		return s.unexpectedEOF(err)
	}
	switch c {
	case '"', '\\', '/':
		s.buf = append(s.buf, c)
	case 'b':
		s.buf = append(s.buf, '\b')
	case 'f':
		s.buf = append(s.buf, '\f')
	case 'n':
		s.buf = append(s.buf, '\n')
	case 'r':
		s.buf = append(s.buf, '\r')
	case 't':
		s.buf = append(s.buf, '\t')
	case 'u':
		r, err := s.hex4()
		if err != nil {
			return err
		}
		if utf16.IsSurrogate(r) {
			if b, _ := s.r.Peek(2); len(b) == 2 && b[0] == '\\' && b[1] == 'u' {
				s.next()
				s.next()
				r2, err := s.hex4()
				if err != nil {
					return err
				}
				r = utf16.DecodeRune(r, r2)
			} else {
				r = utf8.RuneError
			}
		}
		s.buf = utf8.AppendRune(s.buf, r)
	default:
		return s.errf("invalid escape \\%c", c)
	}
	return nil
}

func (s *jsonScanner) hex4() (rune, error) {
	var h [4]byte
	for i := range h {
		c, err := s.next()
		if err != nil {
			return 0, s.unexpectedEOF(err)
		}
		h[i] = c
	}
	v, err := strconv.ParseUint(string(h[:]), 16, 32)
	if err != nil {
		return 0, s.errf("invalid \\u escape %q", h[:])
	}
	return rune(v), nil
}

var errJSONTooLarge = errors.New("JSON record exceeds the maximum record size")
