package crawler

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// splitS3 splits s3://bucket/prefix into the bucket and the prefix
// (without a trailing slash).
func splitS3(p string) (string, string, error) {
	rest, ok := strings.CutPrefix(p, "s3://")
	if !ok {
		if rest, ok = strings.CutPrefix(p, "s3a://"); !ok {
			return "", "", fmt.Errorf("want s3://bucket/prefix")
		}
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("no bucket")
	}
	return bucket, strings.Trim(prefix, "/"), nil
}

// compileGlob translates a Glue exclusion glob (relative to the include
// path) to a regexp: * within a folder, ** across folders, ?, [abc],
// [!abc] and {a,b}.
func compileGlob(g string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	depth := 0
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch c {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			end := strings.IndexByte(g[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unterminated [")
			}
			cls := g[i+1 : i+1+end]
			if strings.HasPrefix(cls, "!") {
				cls = "^" + cls[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(cls, `\`, `\\`) + "]")
			i += end + 1
		case '{':
			depth++
			b.WriteString("(?:")
		case '}':
			if depth == 0 {
				return nil, fmt.Errorf("unbalanced }")
			}
			depth--
			b.WriteString(")")
		case ',':
			if depth > 0 {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		case '\\':
			if i+1 < len(g) {
				i++
				b.WriteString(regexp.QuoteMeta(g[i : i+1]))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced {")
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// ignored reports whether a key is never data: Hadoop/Spark markers,
// checksums, temporary folders, hidden files and folder placeholders.
func ignored(rel string) bool {
	base := path.Base(rel)
	switch {
	case strings.HasSuffix(rel, "/"), strings.HasSuffix(base, "_$folder$"), strings.HasSuffix(base, ".crc"),
		strings.HasPrefix(base, "_"), strings.HasPrefix(base, "."):
		return true
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "_temporary" || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9_]`)

// tableName is Glue's table name for a folder: lower case, every other
// character _.
func tableName(prefix, folder string) string {
	n := nonAlnum.ReplaceAllString(strings.ToLower(folder), "_")
	return strings.ToLower(prefix) + n
}
