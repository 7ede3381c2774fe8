package formats

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// XMLOptions configure XML reading.
type XMLOptions struct {
	// RowTag is the element that holds one record. "" = the first child
	// element of the document root.
	RowTag string
}

func init() {
	Default.Register(&Spec{
		Name:  XML,
		Open:  openXML,
		Infer: inferXML,
		Exts:  []string{".xml"},
	})
}

// xmlSource streams row elements with encoding/xml (no entity expansion,
// no DTD fetching). Inside a row, attributes and child elements become
// fields; text-only children are strings (typed later like CSV fields),
// repeated children become arrays, children with attributes or children of
// their own become structs, and the text of an element that also has
// attributes is the field "_text".
type xmlSource struct {
	dec    *xml.Decoder
	rowTag string
	max    int64
	cr     *countReader
	lim    *boundedByteReader
}

// boundedByteReader fails once more than max bytes were read since the last
// reset, so one huge token (a giant text node) cannot be buffered whole.
type boundedByteReader struct {
	r     *bufio.Reader
	since int64
	max   int64
}

func (b *boundedByteReader) ReadByte() (byte, error) {
	if b.since >= b.max {
		return 0, errXMLTooLarge
	}
	c, err := b.r.ReadByte()
	if err == nil {
		b.since++
	}
	return c, err
}

func (b *boundedByteReader) Read(p []byte) (int, error) {
	if b.since >= b.max {
		return 0, errXMLTooLarge
	}
	if int64(len(p)) > b.max-b.since {
		p = p[:b.max-b.since]
	}
	n, err := b.r.Read(p)
	b.since += int64(n)
	return n, err
}

const maxXMLDepth = 200

func newXMLSource(src *Source, o *Options) *xmlSource {
	cr := &countReader{r: src.R}
	lim := &boundedByteReader{r: bufio.NewReaderSize(cr, 64<<10), max: int64(o.MaxRecordBytes)}
	dec := xml.NewDecoder(lim)
	dec.Strict = true
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		// Latin-1 and ASCII are common in exports; pass them through as bytes.
		switch strings.ToLower(label) {
		case "us-ascii", "ascii", "iso-8859-1", "latin1", "windows-1252":
			return in, nil
		}
		return nil, fmt.Errorf("unsupported XML encoding %q", label)
	}
	return &xmlSource{dec: dec, rowTag: o.XML.RowTag, max: int64(o.MaxRecordBytes), cr: cr, lim: lim}
}

func (x *xmlSource) textual() bool { return true }

func (x *xmlSource) next() (any, error) {
	depth := 0
	for {
		x.lim.since = 0
		tok, err := x.dec.Token()
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if x.rowTag == "" && depth == 2 {
				x.rowTag = t.Name.Local
			}
			if t.Name.Local == x.rowTag {
				x.lim.since = 0
				start := x.dec.InputOffset()
				v, err := x.element(t, start, 0)
				if err != nil {
					return nil, err
				}
				if o, ok := v.(*object); ok {
					return o, nil
				}
				return &object{keys: []string{"_text"}, vals: []any{v}}, nil
			}
		case xml.EndElement:
			depth--
		}
	}
}

var errXMLTooLarge = errors.New("XML row exceeds the maximum record size")

// element reads the content of start up to its end element.
func (x *xmlSource) element(start xml.StartElement, off int64, depth int) (any, error) {
	if depth > maxXMLDepth {
		return nil, fmt.Errorf("XML nested deeper than %d levels", maxXMLDepth)
	}
	o := &object{}
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		o.set(a.Name.Local, a.Value)
	}
	var text strings.Builder
	children := false
	for {
		if x.dec.InputOffset()-off > x.max {
			return nil, errXMLTooLarge
		}
		tok, err := x.dec.Token()
		if err != nil {
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			children = true
			v, err := x.element(t, off, depth+1)
			if err != nil {
				return nil, err
			}
			name := t.Name.Local
			if prev, ok := o.get(name); ok {
				if arr, isArr := prev.([]any); isArr {
					o.set(name, append(arr, v))
				} else {
					o.set(name, []any{prev, v})
				}
			} else {
				o.set(name, v)
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			s := strings.TrimSpace(text.String())
			if len(o.keys) == 0 && !children {
				return s, nil
			}
			if s != "" {
				o.set("_text", s)
			}
			return o, nil
		}
	}
}

func openXML(src *Source, o *Options) (Reader, error) {
	return newTextReader(newXMLSource(src, o), o)
}

func inferXML(src *Source, o *Options) (*Inference, error) {
	x := newXMLSource(src, o)
	inf, err := inferRows(src, o, x, func() int64 { return x.dec.InputOffset() })
	if err != nil {
		return nil, err
	}
	inf.Parameters = map[string]string{"rowTag": x.rowTag}
	return inf, nil
}
