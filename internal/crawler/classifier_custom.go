package crawler

import (
	"context"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tarnhq/tarn/internal/errs"
	"github.com/tarnhq/tarn/internal/formats/grok"
	"github.com/tarnhq/tarn/internal/storage/meta"
)

func classifierKey(cat, name string) []byte { return key("cl", cat, name) }

func defName(d *ClassifierDef) string {
	switch {
	case d.GrokClassifier != nil:
		return d.GrokClassifier.Name
	case d.XMLClassifier != nil:
		return d.XMLClassifier.Name
	case d.JsonClassifier != nil:
		return d.JsonClassifier.Name
	case d.CsvClassifier != nil:
		return d.CsvClassifier.Name
	}
	return ""
}

// stamp sets the bookkeeping fields of the one member of d.
func stamp(d *ClassifierDef, created, updated time.Time, version int64) {
	switch {
	case d.GrokClassifier != nil:
		d.GrokClassifier.CreationTime, d.GrokClassifier.LastUpdated, d.GrokClassifier.Version = created, updated, version
	case d.XMLClassifier != nil:
		d.XMLClassifier.CreationTime, d.XMLClassifier.LastUpdated, d.XMLClassifier.Version = created, updated, version
	case d.JsonClassifier != nil:
		d.JsonClassifier.CreationTime, d.JsonClassifier.LastUpdated, d.JsonClassifier.Version = created, updated, version
	case d.CsvClassifier != nil:
		d.CsvClassifier.CreationTime, d.CsvClassifier.LastUpdated, d.CsvClassifier.Version = created, updated, version
	}
}

func created(d *ClassifierDef) (time.Time, int64) {
	switch {
	case d.GrokClassifier != nil:
		return d.GrokClassifier.CreationTime, d.GrokClassifier.Version
	case d.XMLClassifier != nil:
		return d.XMLClassifier.CreationTime, d.XMLClassifier.Version
	case d.JsonClassifier != nil:
		return d.JsonClassifier.CreationTime, d.JsonClassifier.Version
	case d.CsvClassifier != nil:
		return d.CsvClassifier.CreationTime, d.CsvClassifier.Version
	}
	return time.Time{}, 0
}

// checkDef validates a classifier definition the way CreateClassifier does.
func (e *Engine) checkDef(op string, d *ClassifierDef) error {
	n := 0
	for _, set := range []bool{d.GrokClassifier != nil, d.XMLClassifier != nil, d.JsonClassifier != nil, d.CsvClassifier != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errInvalid(op, "Exactly one of GrokClassifier, XMLClassifier, JsonClassifier and CsvClassifier must be given.")
	}
	if err := checkName(op, "name", defName(d)); err != nil {
		return err
	}
	switch {
	case d.GrokClassifier != nil:
		g := d.GrokClassifier
		if err := checkName(op, "classification", g.Classification); err != nil {
			return err
		}
		if g.GrokPattern == "" || utf8.RuneCountInString(g.GrokPattern) > grok.MaxPatternLen {
			return errInvalid(op, "1 validation error detected: Value at 'grokPattern' failed to satisfy constraint: Member must have length between 1 and 2048")
		}
		custom, err := grok.ParseCustom(g.CustomPatterns)
		if err != nil {
			return errInvalid(op, "Invalid custom patterns: %v", err)
		}
		if _, err := grok.Compile(g.GrokPattern, custom); err != nil {
			return errInvalid(op, "Invalid grok pattern %s: %v", g.GrokPattern, err)
		}
	case d.XMLClassifier != nil:
		x := d.XMLClassifier
		if err := checkName(op, "classification", x.Classification); err != nil {
			return err
		}
		if strings.ContainsAny(x.RowTag, "<>/ ") {
			return errInvalid(op, "RowTag %q must be an element name without angle brackets.", x.RowTag)
		}
	case d.JsonClassifier != nil:
		if _, err := parseJSONPath(d.JsonClassifier.JsonPath); err != nil {
			return errInvalid(op, "Invalid JsonPath %s: %v", d.JsonClassifier.JsonPath, err)
		}
	case d.CsvClassifier != nil:
		c := d.CsvClassifier
		if c.Delimiter != "" && utf8.RuneCountInString(c.Delimiter) != 1 {
			return errInvalid(op, "1 validation error detected: Value '%s' at 'delimiter' failed to satisfy constraint: Member must have length 1", c.Delimiter)
		}
		if c.QuoteSymbol != "" && utf8.RuneCountInString(c.QuoteSymbol) != 1 {
			return errInvalid(op, "1 validation error detected: Value '%s' at 'quoteSymbol' failed to satisfy constraint: Member must have length 1", c.QuoteSymbol)
		}
		if c.Delimiter != "" && c.Delimiter == c.QuoteSymbol {
			return errInvalid(op, "Delimiter and QuoteSymbol must differ.")
		}
		switch c.ContainsHeader {
		case "", "UNKNOWN", "PRESENT", "ABSENT":
		default:
			return errInvalid(op, "1 validation error detected: Value '%s' at 'containsHeader' failed to satisfy constraint: Member must satisfy enum value set: [UNKNOWN, PRESENT, ABSENT]", c.ContainsHeader)
		}
		switch c.Serde {
		case "", "OpenCSVSerDe", "LazySimpleSerDe", "None":
		default:
			return errInvalid(op, "1 validation error detected: Value '%s' at 'serde' failed to satisfy constraint: Member must satisfy enum value set: [OpenCSVSerDe, LazySimpleSerDe, None]", c.Serde)
		}
		for _, t := range c.CustomDatatypes {
			if _, ok := csvTypeKinds[t]; !ok {
				return errInvalid(op, "Custom datatype %s is not supported. Supported datatypes are BINARY, BOOLEAN, DATE, DECIMAL, DOUBLE, FLOAT, INT, LONG, SHORT, STRING, TIMESTAMP.", t)
			}
		}
		for _, h := range c.Header {
			if err := checkName(op, "header", h); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateClassifier stores a custom classifier.
func (e *Engine) CreateClassifier(ctx context.Context, cat string, d ClassifierDef) error {
	const op = "crawler.CreateClassifier"
	if err := e.checkDef(op, &d); err != nil {
		return err
	}
	name := defName(&d)
	e.mu.Lock()
	defer e.mu.Unlock()
	var old ClassifierDef
	found, err := e.getJSON(ctx, op, classifierKey(cat, name), &old)
	if err != nil {
		return err
	}
	if found {
		return gerr(op, errs.Exist, CodeAlreadyExists, "%s already exists", name)
	}
	now := e.now()
	stamp(&d, now, now, 1)
	b := &meta.Batch{}
	setJSON(b, classifierKey(cat, name), d)
	return e.apply(ctx, op, b)
}

// UpdateClassifier replaces a custom classifier's settings; its kind
// cannot change. Empty fields of the update keep their old values.
func (e *Engine) UpdateClassifier(ctx context.Context, cat string, d ClassifierDef) error {
	const op = "crawler.UpdateClassifier"
	name := defName(&d)
	if err := checkName(op, "name", name); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var old ClassifierDef
	found, err := e.getJSON(ctx, op, classifierKey(cat, name), &old)
	if err != nil {
		return err
	}
	if !found {
		return gerr(op, errs.NotExist, CodeNotFound, "Classifier with name %s not found", name)
	}
	if defKind(&old) != defKind(&d) {
		return errInvalid(op, "Classifier %s is a %s classifier; it cannot be updated as %s.", name, defKind(&old), defKind(&d))
	}
	keepOld(&old, &d)
	if err := e.checkDef(op, &d); err != nil {
		return err
	}
	c, v := created(&old)
	stamp(&d, c, e.now(), v+1)
	b := &meta.Batch{}
	setJSON(b, classifierKey(cat, name), d)
	return e.apply(ctx, op, b)
}

// keepOld fills the unset fields of an update from the stored definition.
func keepOld(old, d *ClassifierDef) {
	or := func(a *string, b string) {
		if *a == "" {
			*a = b
		}
	}
	switch {
	case d.GrokClassifier != nil:
		or(&d.GrokClassifier.Classification, old.GrokClassifier.Classification)
		or(&d.GrokClassifier.GrokPattern, old.GrokClassifier.GrokPattern)
		or(&d.GrokClassifier.CustomPatterns, old.GrokClassifier.CustomPatterns)
	case d.XMLClassifier != nil:
		or(&d.XMLClassifier.Classification, old.XMLClassifier.Classification)
		or(&d.XMLClassifier.RowTag, old.XMLClassifier.RowTag)
	case d.JsonClassifier != nil:
		or(&d.JsonClassifier.JsonPath, old.JsonClassifier.JsonPath)
	case d.CsvClassifier != nil:
		n, o := d.CsvClassifier, old.CsvClassifier
		or(&n.Delimiter, o.Delimiter)
		or(&n.QuoteSymbol, o.QuoteSymbol)
		or(&n.ContainsHeader, o.ContainsHeader)
		or(&n.Serde, o.Serde)
		if n.Header == nil {
			n.Header = o.Header
		}
		if n.DisableValueTrimming == nil {
			n.DisableValueTrimming = o.DisableValueTrimming
		}
		if n.AllowSingleColumn == nil {
			n.AllowSingleColumn = o.AllowSingleColumn
		}
		if n.CustomDatatypeConfigured == nil {
			n.CustomDatatypeConfigured = o.CustomDatatypeConfigured
		}
		if n.CustomDatatypes == nil {
			n.CustomDatatypes = o.CustomDatatypes
		}
	}
}

// GetClassifier returns a custom classifier.
func (e *Engine) GetClassifier(ctx context.Context, cat, name string) (ClassifierDef, error) {
	const op = "crawler.GetClassifier"
	if err := checkName(op, "name", name); err != nil {
		return ClassifierDef{}, err
	}
	var d ClassifierDef
	found, err := e.getJSON(ctx, op, classifierKey(cat, name), &d)
	if err != nil {
		return ClassifierDef{}, err
	}
	if !found {
		return ClassifierDef{}, gerr(op, errs.NotExist, CodeNotFound, "Classifier with name %s not found", name)
	}
	return d, nil
}

// GetClassifiers pages through the custom classifiers of cat.
func (e *Engine) GetClassifiers(ctx context.Context, cat string, p Page) ([]ClassifierDef, string, error) {
	const op = "crawler.GetClassifiers"
	n := p.MaxResults
	if n == 0 {
		n = 100
	}
	if n < 1 || n > 1000 {
		return nil, "", errInvalid(op, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000", p.MaxResults)
	}
	lower := prefix("cl", cat)
	start := lower
	if p.NextToken != "" {
		k, err := base64.RawURLEncoding.DecodeString(p.NextToken)
		if err != nil || !strings.HasPrefix(string(k), string(lower)) {
			return nil, "", errInvalid(op, "Invalid NextToken.")
		}
		start = append(k, 0)
	}
	out := []ClassifierDef{}
	next := ""
	err := e.scan(ctx, op, start, upperBound(lower), func(k, v []byte) (bool, error) {
		if len(out) == n {
			next = base64.RawURLEncoding.EncodeToString(classifierKey(cat, defName(&out[n-1])))
			return false, nil
		}
		var d ClassifierDef
		if err := jsonUnmarshal(v, &d); err != nil {
			return false, errIO(op, err)
		}
		out = append(out, d)
		return true, nil
	})
	return out, next, err
}

// DeleteClassifier removes a custom classifier.
func (e *Engine) DeleteClassifier(ctx context.Context, cat, name string) error {
	const op = "crawler.DeleteClassifier"
	if _, err := e.GetClassifier(ctx, cat, name); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b := &meta.Batch{}
	b.Delete(classifierKey(cat, name))
	return e.apply(ctx, op, b)
}
