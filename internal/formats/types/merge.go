package types

import "strings"

func numRank(k Kind) int {
	switch k {
	case TinyInt:
		return 1
	case SmallInt:
		return 2
	case Int:
		return 3
	case BigInt:
		return 4
	case Float:
		return 5
	case Double:
		return 6
	}
	return 0
}

// Merge returns the narrowest type holding values of both a and b, the way
// Glue's crawler merges schemas: numeric types widen (tinyint ⊂ smallint ⊂
// int ⊂ bigint ⊂ float ⊂ double), decimals widen to hold both, date and
// timestamp give timestamp, arrays merge element types, structs take the
// union of their fields (a's order, then b's new fields; names compare
// case-insensitively), and anything else incompatible is string. nil means
// "no type seen yet" (only nulls). Merge never modifies its arguments.
func Merge(a, b *Type) *Type {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case Equal(a, b):
		return a
	}
	if ra, rb := numRank(a.Kind), numRank(b.Kind); ra > 0 && rb > 0 {
		if ra > rb {
			return a
		}
		return b
	}
	if a.Kind == Decimal && b.Kind == Decimal {
		ip := max(a.Precision-a.Scale, b.Precision-b.Scale)
		s := max(a.Scale, b.Scale)
		return DecimalOf(min(ip+s, MaxPrecision), s)
	}
	if a.Kind == Date && b.Kind == Timestamp || a.Kind == Timestamp && b.Kind == Date {
		return TTimestamp
	}
	if a.Kind == Map && b.Kind == Map {
		return MapOf(Merge(a.Key, b.Key), Merge(a.Value, b.Value))
	}
	if a.Kind == Array && b.Kind == Array {
		return ArrayOf(Merge(a.Elem, b.Elem))
	}
	if a.Kind == Struct && b.Kind == Struct {
		out := &Type{Kind: Struct, Fields: make([]*Field, len(a.Fields))}
		idx := make(map[string]int, len(a.Fields))
		for i, f := range a.Fields {
			out.Fields[i] = &Field{Name: f.Name, Type: f.Type}
			idx[strings.ToLower(f.Name)] = i
		}
		for _, f := range b.Fields {
			if i, ok := idx[strings.ToLower(f.Name)]; ok {
				out.Fields[i].Type = Merge(out.Fields[i].Type, f.Type)
				continue
			}
			idx[strings.ToLower(f.Name)] = len(out.Fields)
			out.Fields = append(out.Fields, &Field{Name: f.Name, Type: f.Type})
		}
		return out
	}
	return TString
}

// Resolve replaces "only nulls seen" (nil) by string throughout t, and
// empty structs (from {}) by string, so the result is a valid Glue type.
func Resolve(t *Type) *Type {
	if t == nil {
		return TString
	}
	switch t.Kind {
	case Array:
		return ArrayOf(Resolve(t.Elem))
	case Map:
		return MapOf(Resolve(t.Key), Resolve(t.Value))
	case Struct:
		if len(t.Fields) == 0 {
			return TString
		}
		out := &Type{Kind: Struct}
		for _, f := range t.Fields {
			out.Fields = append(out.Fields, &Field{Name: f.Name, Type: Resolve(f.Type)})
		}
		return out
	}
	return t
}

// MergeColumns merges two column lists by name (case-insensitive): shared
// columns get Merge of their types, columns only in b are appended.
func MergeColumns(a, b []Column) []Column {
	fs := func(cols []Column) *Type {
		t := &Type{Kind: Struct}
		for _, c := range cols {
			t.Fields = append(t.Fields, &Field{Name: c.Name, Type: c.Type})
		}
		return t
	}
	m := Merge(fs(a), fs(b))
	out := make([]Column, len(m.Fields))
	for i, f := range m.Fields {
		out[i] = Column{Name: f.Name, Type: f.Type}
	}
	return out
}
