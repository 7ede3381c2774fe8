package formats

import (
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/tarnhq/tarn/internal/formats/ion"
)

// Amazon Ion, binary (version marker E0 01 00 EA) and text, read through
// internal/formats/ion. Each top-level struct is a record, as in JSON
// lines; inference follows the JSON classifier (ints bigint, decimals and
// floats double, structs, arrays). Read-only.

// Ion is Glue's classification for Amazon Ion.
const Ion Format = "ion"

func init() {
	Default.Register(&Spec{
		Name:  Ion,
		Open:  openIon,
		Infer: inferIon,
		Magic: ion.BVM,
		Exts:  []string{".ion"},
	})
}

type ionSource struct{ r *ion.Reader }

func newIonSource(src *Source, o *Options) *ionSource {
	return &ionSource{r: ion.NewReader(src.R, o.MaxRecordBytes)}
}

func (s *ionSource) textual() bool { return false }

func (s *ionSource) next() (any, error) {
	v, err := s.r.Next()
	if err != nil {
		return nil, err
	}
	rec := ionValue(v)
	if _, ok := rec.(*object); !ok {
		return nil, fmt.Errorf("record is a %T, not a struct", v)
	}
	return rec, nil
}

// ionValue converts ion's values to the forms inference and appendValue
// take: *object for structs, json.Number for decimals and big ints.
func ionValue(v any) any {
	switch x := v.(type) {
	case *ion.Struct:
		o := &object{}
		for _, f := range x.Fields {
			o.set(f.Name, ionValue(f.Value))
		}
		return o
	case []any:
		for i := range x {
			x[i] = ionValue(x[i])
		}
		return x
	case ion.Decimal:
		return json.Number(x.String())
	case *big.Int:
		return json.Number(x.String())
	}
	return v
}

func openIon(src *Source, o *Options) (Reader, error) {
	return newTextReader(newIonSource(src, o), o)
}

func inferIon(src *Source, o *Options) (*Inference, error) {
	s := newIonSource(src, o)
	return inferRows(src, o, s, s.r.BytesRead)
}
