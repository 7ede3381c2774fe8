package formats

import (
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
}

const maxXMLDepth = 200

func newXMLSource(src *Source, o *Options) *xmlSource {
	cr := &countReader{r: src.R}
	dec := xml.NewDecoder(cr)
	dec.Strict = true
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		// Latin-1 and ASCII are common in exports; pass them through as bytes.
		switch strings.ToLower(label) {
		case "us-ascii", "ascii", "iso-8859-1", "latin1", "windows-1252":
			return in, nil
		}
		return nil, fmt.Errorf("unsupported XML encoding %q", label)
	}
	return &xmlSource{dec: dec, rowTag: o.XML.RowTag, max: int64(o.MaxRecordBytes), cr: cr}
}

func (x *xmlSource) textual() bool { return true }

func (x *xmlSource) next() (any, error) {
	depth := 0
	for {
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
