package catalog

import (
	"fmt"
	"strings"
)

// This file parses Glue's GetPartitions Expression: a SQL WHERE clause over
// partition keys (AWS parses it with JSqlParser). Grammar:
//
//	expr      = or
//	or        = and { OR and }
//	and       = not { AND not }
//	not       = NOT not | predicate
//	predicate = "(" expr ")"
//	          | operand ( cmp operand
//	                    | [NOT] BETWEEN operand AND operand
//	                    | [NOT] IN "(" operand { "," operand } ")"
//	                    | [NOT] LIKE operand
//	                    | IS [NOT] NULL )
//	cmp       = "=" | "<>" | "!=" | "<" | "<=" | ">" | ">="
//	operand   = identifier | `quoted identifier` | 'string' | "string"
//	          | number | DATE 'yyyy-mm-dd' | TIMESTAMP 'yyyy-mm-dd hh:mm:ss'
//
// Keywords are case-insensitive; in a 'string' a doubled '' is one quote.

// MaxExpression bounds an expression's length, as Glue does.
const MaxExpression = 2048

const maxDepth = 64

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tOp     // = <> != < <= > >=
	tLParen // (
	tRParen // )
	tComma
	tKeyword // AND OR NOT BETWEEN IN LIKE IS NULL
)

type token struct {
	kind tokKind
	text string // keyword upper-cased; string unquoted
	pos  int
}

var keywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true, "LIKE": true, "IS": true, "NULL": true}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case ch == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case ch == ',':
			out = append(out, token{tComma, ",", i})
			i++
		case ch == '=':
			out = append(out, token{tOp, "=", i})
			i++
		case ch == '<' || ch == '>' || ch == '!':
			op := string(ch)
			if i+1 < len(s) && (s[i+1] == '=' || ch == '<' && s[i+1] == '>') {
				op += string(s[i+1])
			}
			if op == "!" {
				return nil, fmt.Errorf("unexpected '!' at %d", i)
			}
			out = append(out, token{tOp, op, i})
			i += len(op)
		case ch == '\'' || ch == '"' || ch == '`':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated quote at %d", i)
				}
				if s[j] == ch {
					if j+1 < len(s) && s[j+1] == ch {
						b.WriteByte(ch)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			k := tString
			if ch == '`' {
				k = tIdent
			}
			out = append(out, token{k, b.String(), i})
			i = j + 1
		case ch >= '0' && ch <= '9' || ch == '-' || ch == '+' || ch == '.':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				j++
				if j < len(s) && (s[j] == '-' || s[j] == '+') {
					j++
				}
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
			}
			text := s[i:j]
			if strings.Trim(text, "+-.eE") == "" || !strings.ContainsAny(text, "0123456789") {
				return nil, fmt.Errorf("bad number %q at %d", text, i)
			}
			out = append(out, token{tNumber, text, i})
			i = j
		case isIdentStart(ch):
			j := i + 1
			for j < len(s) && (isIdentStart(s[j]) || s[j] >= '0' && s[j] <= '9' || s[j] == '$') {
				j++
			}
			w := s[i:j]
			if u := strings.ToUpper(w); keywords[u] {
				out = append(out, token{tKeyword, u, i})
			} else {
				out = append(out, token{tIdent, w, i})
			}
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at %d", ch, i)
		}
	}
	return append(out, token{tEOF, "", len(s)}), nil
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

// Node is a parsed expression.
type Node interface{ String() string }

// Operand kinds.
type (
	// Ident is a partition key reference.
	Ident struct{ Name string }
	// Lit is a literal; Kind is "string", "number", "date" or "timestamp".
	Lit struct{ Kind, Text string }
	// Binary is AND / OR.
	Binary struct {
		Op   string
		L, R Node
	}
	// Not negates X.
	Not struct{ X Node }
	// Compare is L op R.
	Compare struct {
		Op   string
		L, R Node
	}
	// Between is X [NOT] BETWEEN Lo AND Hi.
	Between struct {
		X, Lo, Hi Node
		Neg       bool
	}
	// In is X [NOT] IN (List).
	In struct {
		X    Node
		List []Node
		Neg  bool
	}
	// Like is X [NOT] LIKE Pattern.
	Like struct {
		X, Pattern Node
		Neg        bool
	}
	// IsNull is X IS [NOT] NULL.
	IsNull struct {
		X   Node
		Neg bool
	}
)

func (n *Ident) String() string { return "`" + strings.ReplaceAll(n.Name, "`", "``") + "`" }
func (n *Lit) String() string {
	q := "'" + strings.ReplaceAll(n.Text, "'", "''") + "'"
	switch n.Kind {
	case "number":
		return n.Text
	case "date":
		return "DATE " + q
	case "timestamp":
		return "TIMESTAMP " + q
	}
	return q
}
func (n *Binary) String() string  { return "(" + n.L.String() + " " + n.Op + " " + n.R.String() + ")" }
func (n *Not) String() string     { return "(NOT " + n.X.String() + ")" }
func (n *Compare) String() string { return "(" + n.L.String() + " " + n.Op + " " + n.R.String() + ")" }
func (n *Between) String() string {
	return "(" + n.X.String() + neg(n.Neg) + " BETWEEN " + n.Lo.String() + " AND " + n.Hi.String() + ")"
}
func (n *In) String() string {
	parts := make([]string, len(n.List))
	for i, x := range n.List {
		parts[i] = x.String()
	}
	return "(" + n.X.String() + neg(n.Neg) + " IN (" + strings.Join(parts, ", ") + "))"
}
func (n *Like) String() string {
	return "(" + n.X.String() + neg(n.Neg) + " LIKE " + n.Pattern.String() + ")"
}
func (n *IsNull) String() string {
	if n.Neg {
		return "(" + n.X.String() + " IS NOT NULL)"
	}
	return "(" + n.X.String() + " IS NULL)"
}

func neg(b bool) string {
	if b {
		return " NOT"
	}
	return ""
}

type parser struct {
	toks  []token
	i     int
	depth int
}

// ParseExpression parses a partition filter expression.
func ParseExpression(s string) (Node, error) {
	if len(s) > MaxExpression {
		return nil, fmt.Errorf("expression is longer than %d characters", MaxExpression)
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t)
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(w string) bool {
	t := p.peek()
	return t.kind == tKeyword && t.text == w
}

func (p *parser) unexpected(t token) error {
	if t.kind == tEOF {
		return fmt.Errorf("unexpected end of expression")
	}
	return fmt.Errorf("unexpected %q at %d", t.text, t.pos)
}

func (p *parser) or() (Node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("OR") {
		p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &Binary{"OR", l, r}
	}
	return l, nil
}

func (p *parser) and() (Node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("AND") {
		p.next()
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = &Binary{"AND", l, r}
	}
	return l, nil
}

func (p *parser) not() (Node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, fmt.Errorf("expression is nested too deeply")
	}
	if p.isKeyword("NOT") {
		p.next()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	}
	return p.predicate()
}

func (p *parser) predicate() (Node, error) {
	if p.peek().kind == tLParen {
		p.next()
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tRParen {
			return nil, p.unexpected(t)
		}
		return x, nil
	}
	x, err := p.operand()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind == tOp {
		p.next()
		op := t.text
		if op == "!=" {
			op = "<>"
		}
		r, err := p.operand()
		if err != nil {
			return nil, err
		}
		return &Compare{op, x, r}, nil
	}
	if t.kind != tKeyword {
		return nil, p.unexpected(t)
	}
	if t.text == "IS" {
		p.next()
		n := p.isKeyword("NOT")
		if n {
			p.next()
		}
		if !p.isKeyword("NULL") {
			return nil, p.unexpected(p.peek())
		}
		p.next()
		return &IsNull{x, n}, nil
	}
	negated := false
	if t.text == "NOT" {
		p.next()
		negated = true
		t = p.peek()
	}
	switch {
	case t.kind == tKeyword && t.text == "BETWEEN":
		p.next()
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if !p.isKeyword("AND") {
			return nil, p.unexpected(p.peek())
		}
		p.next()
		hi, err := p.operand()
		if err != nil {
			return nil, err
		}
		return &Between{x, lo, hi, negated}, nil
	case t.kind == tKeyword && t.text == "IN":
		p.next()
		if t := p.next(); t.kind != tLParen {
			return nil, p.unexpected(t)
		}
		var list []Node
		for {
			o, err := p.operand()
			if err != nil {
				return nil, err
			}
			list = append(list, o)
			t := p.next()
			if t.kind == tRParen {
				break
			}
			if t.kind != tComma {
				return nil, p.unexpected(t)
			}
		}
		return &In{x, list, negated}, nil
	case t.kind == tKeyword && t.text == "LIKE":
		p.next()
		pat, err := p.operand()
		if err != nil {
			return nil, err
		}
		return &Like{x, pat, negated}, nil
	}
	return nil, p.unexpected(t)
}

func (p *parser) operand() (Node, error) {
	t := p.next()
	switch t.kind {
	case tIdent:
		if u := strings.ToUpper(t.text); (u == "DATE" || u == "TIMESTAMP") && p.peek().kind == tString && p.toks[p.i].pos > t.pos {
			s := p.next()
			return &Lit{strings.ToLower(u), s.text}, nil
		}
		return &Ident{t.text}, nil
	case tString:
		return &Lit{"string", t.text}, nil
	case tNumber:
		return &Lit{"number", t.text}, nil
	}
	return nil, p.unexpected(t)
}
