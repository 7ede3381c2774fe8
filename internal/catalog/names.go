package catalog

import (
	"regexp"
	"strings"
)

// NamePattern compiles a GetTables name expression. Glue takes a regular
// expression matched against the whole (lower-case) name,
// case-insensitively; Hive-style patterns that clients pass through
// unchanged also work: a bare `*` means any run of characters (`sales*`),
// and `|` separates alternatives (`a*|b*`). The empty pattern matches
// everything.
func NamePattern(expr string) (func(string) bool, error) {
	if expr == "" || expr == "*" || expr == ".*" {
		return func(string) bool { return true }, nil
	}
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		ch := expr[i]
		switch {
		case ch == '\\' && i+1 < len(expr):
			b.WriteByte(ch)
			i++
			b.WriteByte(expr[i])
		case ch == '*' && (i == 0 || expr[i-1] != '.' && expr[i-1] != ')' && expr[i-1] != ']'):
			b.WriteString(".*")
		default:
			b.WriteByte(ch)
		}
	}
	re, err := regexp.Compile("(?is)^(?:" + b.String() + ")$")
	if err != nil {
		return nil, err
	}
	return re.MatchString, nil
}
