// Package ion reads Amazon Ion 1.0 streams, binary and text, into plain Go
// values, for schema inference and reading by internal/formats. It is a
// reader only, written for untrusted input: every length is checked against
// the bytes that remain, a top-level value is bounded by a byte limit and
// nesting by MaxDepth.
//
// Value mapping: null and typed nulls → nil; bool → bool; int → int64, or
// *big.Int beyond 64 bits; float → float64; decimal → Decimal; timestamp →
// time.Time (unknown offset -00:00 as UTC); string and symbol → string
// (a symbol whose text is unknown is "$<sid>"); blob and clob → []byte;
// list and sexp → []any; struct → *Struct (fields in order, repeated names
// kept). Annotations are dropped. System values — version markers and local
// symbol tables — are consumed, not returned.
//
// Shared symbol table imports cannot be resolved (tarn has no catalog):
// their max_id symbols are reserved and read as "$<sid>".
package ion

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// MaxDepth bounds container nesting.
const MaxDepth = 200

// BVM is the binary Ion 1.0 version marker that starts a binary stream.
var BVM = []byte{0xE0, 0x01, 0x00, 0xEA}

// Struct is an Ion struct: fields in stream order.
type Struct struct {
	Fields []Field
}

// Field is one struct field.
type Field struct {
	Name  string
	Value any
}

// Decimal is an Ion decimal: Coef × 10^Exp. Negative zero keeps Neg.
type Decimal struct {
	Coef *big.Int
	Exp  int32
	Neg  bool // the coefficient is a negative zero
}

// String formats d as a plain decimal number ("123.45", "-0.005", "500.0").
func (d Decimal) String() string {
	digits := new(big.Int).Abs(d.Coef).String()
	sign := ""
	if d.Coef.Sign() < 0 || d.Neg {
		sign = "-"
	}
	if d.Exp >= 0 {
		return sign + digits + strings.Repeat("0", int(min(d.Exp, 400))) + ".0"
	}
	n := int(-d.Exp)
	if n > 400 {
		return sign + digits + "e" + fmt.Sprint(d.Exp)
	}
	if len(digits) <= n {
		digits = strings.Repeat("0", n-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-n] + "." + digits[len(digits)-n:]
}

// ErrTooLarge is returned for a top-level value over the reader's limit.
var ErrTooLarge = errors.New("ion: value exceeds the maximum record size")

// Reader reads the top-level user values of an Ion stream.
type Reader struct {
	br     *bufio.Reader
	max    int
	binary bool
	text   *textParser
	syms   *symtab
	n      int64 // bytes consumed
	buf    []byte
}

// IsBinary reports whether head starts with the binary version marker.
func IsBinary(head []byte) bool { return bytes.HasPrefix(head, BVM) }

// NewReader reads binary Ion if r starts with the version marker, else
// text Ion. maxValue bounds one top-level value in bytes (0 = 16 MiB).
func NewReader(r io.Reader, maxValue int) *Reader {
	if maxValue <= 0 {
		maxValue = 16 << 20
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	rd := &Reader{br: br, max: maxValue, syms: systemSymbols()}
	if head, _ := br.Peek(4); IsBinary(head) {
		rd.binary = true
	} else {
		rd.text = &textParser{br: br, max: maxValue}
	}
	return rd
}

// Binary reports whether the stream is binary Ion.
func (r *Reader) Binary() bool { return r.binary }

// BytesRead is the number of input bytes consumed so far.
func (r *Reader) BytesRead() int64 {
	if r.text != nil {
		return r.text.n
	}
	return r.n
}

// Next returns the next top-level user value; io.EOF at the end.
func (r *Reader) Next() (any, error) {
	if r.text != nil {
		return r.text.next()
	}
	for {
		v, user, err := r.nextBinary()
		if err != nil || user {
			return v, err
		}
	}
}

var systemSymbolText = []string{"", "$ion", "$ion_1_0", "$ion_symbol_table", "name", "version",
	"imports", "symbols", "max_id", "$ion_shared_symbol_table"}

// symtab maps symbol ids to text. Shared-table imports, whose texts tarn
// cannot know, are kept as counts, not as slices of empty strings.
type symtab struct {
	segs []symseg
	n    int64 // symbols defined, sid 0 included
}

type symseg struct {
	first int64
	texts []string // nil: count unknown symbols
	count int64
}

func systemSymbols() *symtab {
	return &symtab{segs: []symseg{{first: 0, texts: systemSymbolText, count: int64(len(systemSymbolText))}},
		n: int64(len(systemSymbolText))}
}

func (t *symtab) clone() *symtab {
	return &symtab{segs: append([]symseg(nil), t.segs...), n: t.n}
}

func (t *symtab) addUnknown(n int64) error {
	if n < 0 || t.n+n > maxSymbols || len(t.segs) >= maxSegments {
		return fmt.Errorf("ion: symbol table too large")
	}
	if n > 0 {
		t.segs = append(t.segs, symseg{first: t.n, count: n})
		t.n += n
	}
	return nil
}

func (t *symtab) addTexts(texts []string) error {
	if t.n+int64(len(texts)) > maxSymbols || len(t.segs) >= maxSegments {
		return fmt.Errorf("ion: symbol table too large")
	}
	if len(texts) > 0 {
		t.segs = append(t.segs, symseg{first: t.n, texts: texts, count: int64(len(texts))})
		t.n += int64(len(texts))
	}
	return nil
}

// text returns a symbol's text, or "" when unknown.
func (t *symtab) text(sid int64) string {
	if sid < 0 || sid >= t.n {
		return ""
	}
	lo, hi := 0, len(t.segs)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if t.segs[mid].first <= sid {
			lo = mid
		} else {
			hi = mid
		}
	}
	sg := t.segs[lo]
	if sg.texts == nil {
		return ""
	}
	return sg.texts[sid-sg.first]
}

const (
	sidIonSymbolTable = 3
	// maxSymbols bounds a symbol table's ids, maxSegments its imports and
	// appends.
	maxSymbols  = 1 << 30
	maxSegments = 1 << 12
)

// nextBinary reads one top-level binary value. user is false for system
// values (version markers, symbol tables, NOP pads).
func (r *Reader) nextBinary() (v any, user bool, err error) {
	td, err := r.br.ReadByte()
	if err == io.EOF {
		return nil, false, io.EOF
	}
	if err != nil {
		return nil, false, err
	}
	r.n++
	if td == 0xE0 {
		rest := make([]byte, 3)
		if _, err := io.ReadFull(r.br, rest); err != nil {
			return nil, false, fmt.Errorf("ion: truncated version marker")
		}
		r.n += 3
		if !bytes.Equal(rest, BVM[1:]) {
			return nil, false, fmt.Errorf("ion: unsupported version marker % x", append([]byte{td}, rest...))
		}
		r.syms = systemSymbols()
		return nil, false, nil
	}
	// Read the value's length so the whole value can be buffered.
	hdr := []byte{td}
	l := int(td & 0x0F)
	t := td >> 4
	length := 0
	switch {
	case l == 15 || t == 1: // nulls and bools carry no body
	case l == 14 || (t == 13 && l == 1):
		n, raw, err := readVarUInt(r.br)
		if err != nil {
			return nil, false, fmt.Errorf("ion: value length: %w", err)
		}
		hdr = append(hdr, raw...)
		length = n
	default:
		length = l
	}
	if t == 15 {
		return nil, false, fmt.Errorf("ion: reserved type descriptor 0x%02x", td)
	}
	if length > r.max {
		return nil, false, fmt.Errorf("%w (%d bytes)", ErrTooLarge, r.max)
	}
	if cap(r.buf) < len(hdr)+length {
		r.buf = make([]byte, 0, len(hdr)+length)
	}
	buf := append(r.buf[:0], hdr...)
	buf = buf[:len(hdr)+length]
	if _, err := io.ReadFull(r.br, buf[len(hdr):]); err != nil {
		return nil, false, fmt.Errorf("ion: truncated value: %w", io.ErrUnexpectedEOF)
	}
	r.n += int64(len(buf) - 1)
	if t == 0 && l != 15 { // NOP pad
		return nil, false, nil
	}
	d := &binDecoder{b: buf, syms: r.syms}
	annots, val, err := d.value(0, true)
	if err != nil {
		return nil, false, err
	}
	if d.pos != len(buf) {
		return nil, false, fmt.Errorf("ion: %d stray bytes after a value", len(buf)-d.pos)
	}
	if len(annots) > 0 && annots[0] == sidIonSymbolTable {
		if s, ok := val.(*Struct); ok {
			if err := r.loadSymbolTable(s); err != nil {
				return nil, false, err
			}
			return nil, false, nil
		}
	}
	return val, true, nil
}

// loadSymbolTable applies a local symbol table: imports of
// $ion_symbol_table append to the current table, other imports (shared
// tables) reserve max_id unknown symbols, and symbols add their texts.
func (r *Reader) loadSymbolTable(s *Struct) error {
	syms := systemSymbols()
	var imports, symbols any
	for _, f := range s.Fields {
		switch f.Name {
		case "imports":
			imports = f.Value
		case "symbols":
			symbols = f.Value
		}
	}
	switch im := imports.(type) {
	case string:
		if im == "$ion_symbol_table" {
			syms = r.syms.clone()
		}
	case []any:
		for _, e := range im {
			st, ok := e.(*Struct)
			if !ok {
				continue
			}
			var maxID int64
			for _, f := range st.Fields {
				if f.Name == "max_id" {
					maxID, _ = f.Value.(int64)
				}
			}
			if err := syms.addUnknown(maxID); err != nil {
				return err
			}
		}
	}
	if list, ok := symbols.([]any); ok {
		texts := make([]string, len(list))
		for i, e := range list {
			texts[i], _ = e.(string)
		}
		if err := syms.addTexts(texts); err != nil {
			return err
		}
	}
	r.syms = syms
	return nil
}

func readVarUInt(br io.ByteReader) (int, []byte, error) {
	var v uint64
	var raw []byte
	for i := 0; ; i++ {
		b, err := br.ReadByte()
		if err != nil {
			return 0, nil, io.ErrUnexpectedEOF
		}
		raw = append(raw, b)
		if i == 5 {
			return 0, nil, errors.New("VarUInt too long")
		}
		v = v<<7 | uint64(b&0x7F)
		if b&0x80 != 0 {
			if v > 1<<40 {
				return 0, nil, errors.New("VarUInt too large")
			}
			return int(v), raw, nil
		}
	}
}

// LooksLikeText reports whether head could start a text Ion stream of
// records: after white space and comments, a struct, the version marker
// $ion_1_0, or an annotation (symbol::). It parses nothing; classifiers use
// it before trying a full read.
func LooksLikeText(head []byte) bool {
	h := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for {
		h = bytes.TrimLeft(h, " \t\r\n\v\f")
		switch {
		case bytes.HasPrefix(h, []byte("//")):
			i := bytes.IndexByte(h, '\n')
			if i < 0 {
				return false
			}
			h = h[i+1:]
			continue
		case bytes.HasPrefix(h, []byte("/*")):
			i := bytes.Index(h[2:], []byte("*/"))
			if i < 0 {
				return false
			}
			h = h[i+4:]
			continue
		}
		break
	}
	switch {
	case len(h) == 0:
		return false
	case h[0] == '{':
		return true
	case bytes.HasPrefix(h, []byte("$ion_1_0")):
		return true
	case h[0] == '\'':
		i := bytes.IndexByte(h[1:], '\'')
		return i >= 0 && bytes.HasPrefix(bytes.TrimLeft(h[i+2:], " \t"), []byte("::"))
	case isIdentStart(h[0]):
		i := 1
		for i < len(h) && isIdent(h[i]) {
			i++
		}
		return bytes.HasPrefix(bytes.TrimLeft(h[i:], " \t"), []byte("::"))
	}
	return false
}
