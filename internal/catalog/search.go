package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// PropertyPredicate is one SearchTables filter.
type PropertyPredicate struct {
	Key        string
	Value      string
	Comparator string // EQUALS (default), GREATER_THAN, LESS_THAN, GREATER_THAN_EQUALS, LESS_THAN_EQUALS
}

// SortCriterion orders SearchTables results.
type SortCriterion struct {
	FieldName string // Name, DatabaseName, TableType, Owner, CreateTime, UpdateTime
	Sort      string // ASC (default) or DESC
}

// SearchQuery is a SearchTables request.
type SearchQuery struct {
	SearchText string
	Filters    []PropertyPredicate
	Sort       []SortCriterion
	Page
}

// tokens splits s into lower-case words at punctuation and spaces.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// searchText is everything SearchTables matches text against.
func searchText(t *Table) []string {
	out := []string{t.Name, t.DatabaseName, t.Description, t.Owner, t.TableType}
	for k, v := range t.Parameters {
		out = append(out, k, v)
	}
	cols := slices.Clone(t.PartitionKeys)
	if t.StorageDescriptor != nil {
		cols = append(cols, t.StorageDescriptor.Columns...)
		out = append(out, t.StorageDescriptor.Location)
	}
	for _, c := range cols {
		out = append(out, c.Name, c.Comment)
	}
	return out
}

func matchesText(t *Table, text string) bool {
	text = strings.TrimSpace(text)
	if text == "" {
		return true
	}
	fields := searchText(t)
	if len(text) >= 2 && text[0] == '"' && text[len(text)-1] == '"' {
		phrase := strings.ToLower(text[1 : len(text)-1])
		for _, f := range fields {
			if strings.Contains(strings.ToLower(f), phrase) {
				return true
			}
		}
		return false
	}
	have := map[string]bool{}
	for _, f := range fields {
		for _, tok := range tokens(f) {
			have[tok] = true
		}
	}
	for _, w := range tokens(text) {
		if !have[w] {
			return false
		}
	}
	return true
}

// property returns the value a filter or sort key names.
func property(t *Table, k string) (string, bool) {
	switch strings.ToLower(k) {
	case "name", "tablename":
		return t.Name, true
	case "databasename":
		return t.DatabaseName, true
	case "tabletype":
		return t.TableType, true
	case "owner":
		return t.Owner, true
	case "description":
		return t.Description, true
	case "createtime":
		return strconv.FormatInt(t.CreateTime.UnixMilli(), 10), true
	case "updatetime":
		return strconv.FormatInt(t.UpdateTime.UnixMilli(), 10), true
	case "location":
		if t.StorageDescriptor != nil {
			return t.StorageDescriptor.Location, true
		}
		return "", false
	}
	v, ok := t.Parameters[k]
	return v, ok
}

func matchesFilter(t *Table, f PropertyPredicate) bool {
	v, ok := property(t, f.Key)
	if !ok {
		return false
	}
	switch f.Comparator {
	case "", "EQUALS":
		switch strings.ToLower(f.Key) {
		case "name", "tablename", "databasename", "description":
			// Names match by token: "link" matches "customer-link".
			want := tokens(f.Value)
			if len(want) == 0 {
				return v == f.Value
			}
			toks := tokens(v)
			return strings.EqualFold(v, f.Value) || slices.Equal(want, toks) || len(want) == 1 && slices.Contains(toks, want[0])
		}
		return v == f.Value
	case "GREATER_THAN":
		return v > f.Value
	case "LESS_THAN":
		return v < f.Value
	case "GREATER_THAN_EQUALS":
		return v >= f.Value
	case "LESS_THAN_EQUALS":
		return v <= f.Value
	}
	return false
}

// SearchTables searches the tables of every database in cat.
func (c *Catalog) SearchTables(ctx context.Context, cat string, q SearchQuery) ([]Table, string, error) {
	const op = "catalog.SearchTables"
	n, err := pageSize(op, q.MaxResults, 100, 1000)
	if err != nil {
		return nil, "", err
	}
	if err := checkLen(op, "searchText", q.SearchText, 1024); err != nil {
		return nil, "", err
	}
	for _, f := range q.Filters {
		switch f.Comparator {
		case "", "EQUALS", "GREATER_THAN", "LESS_THAN", "GREATER_THAN_EQUALS", "LESS_THAN_EQUALS":
		default:
			return nil, "", errInvalid(op, "1 validation error detected: Value '%s' at 'filters.member.comparator' failed to satisfy constraint: Member must satisfy enum value set: [EQUALS, GREATER_THAN, LESS_THAN, GREATER_THAN_EQUALS, LESS_THAN_EQUALS]", f.Comparator)
		}
	}
	for _, s := range q.Sort {
		if s.Sort != "" && s.Sort != "ASC" && s.Sort != "DESC" {
			return nil, "", errInvalid(op, "1 validation error detected: Value '%s' at 'sortCriteria.member.sort' failed to satisfy constraint: Member must satisfy enum value set: [ASC, DESC]", s.Sort)
		}
	}
	offset := 0
	if q.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.NextToken)
		s, ok := strings.CutPrefix(string(b), "search:")
		if err == nil && ok {
			offset, err = strconv.Atoi(s)
		}
		if err != nil || !ok || offset < 0 {
			return nil, "", errInvalid(op, "Invalid NextToken.")
		}
	}
	lower := prefix("tb", cat)
	var all []Table
	err = c.scan(ctx, op, lower, upperBound(lower), nil, func(_, v []byte) (bool, error) {
		var rec tableRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return false, errIO(op, err)
		}
		t := &rec.Table
		if !matchesText(t, q.SearchText) {
			return true, nil
		}
		for _, f := range q.Filters {
			if !matchesFilter(t, f) {
				return true, nil
			}
		}
		all = append(all, rec.Table)
		return true, nil
	})
	if err != nil {
		return nil, "", err
	}
	if len(q.Sort) > 0 {
		slices.SortStableFunc(all, func(a, b Table) int {
			for _, s := range q.Sort {
				va, _ := property(&a, s.FieldName)
				vb, _ := property(&b, s.FieldName)
				if k := strings.ToLower(s.FieldName); k == "createtime" || k == "updatetime" {
					va, vb = pad(va), pad(vb)
				}
				if c := strings.Compare(va, vb); c != 0 {
					if s.Sort == "DESC" {
						return -c
					}
					return c
				}
			}
			return 0
		})
	}
	if offset > len(all) {
		offset = len(all)
	}
	end := min(offset+n, len(all))
	next := ""
	if end < len(all) {
		next = base64.RawURLEncoding.EncodeToString([]byte("search:" + strconv.Itoa(end)))
	}
	return all[offset:end], next, nil
}

func pad(s string) string { return strings.Repeat("0", max(0, 20-len(s))) + s }
