package crawler

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/tarnhq/tarn/internal/formats/types"
)

// The layout step turns the folders of one include path into tables and
// partitions, as Glue's crawler does: folders whose data is compatible
// (same classification, compression and delimiter/SerDe) and whose schemas
// are similar become partitions of one table rooted at their parent; the
// rest become separate tables named after their folders.

type node struct {
	name  string
	path  string // relative to the include path
	depth int    // folders below the include path
	units []*unit
	kids  map[string]*node
}

// part is one partition of a candidate table: the folder names from the
// table root down to the unit's folder.
type part struct {
	values []string
	u      *unit
}

// cand is a table the layout decided on.
type cand struct {
	name  string // table name before sanitizing and prefix
	root  string // folder relative to the include path
	sig   string
	depth int // partition levels
	cols  []types.Column
	parts []part
}

type layout struct {
	threshold   float64
	combine     bool // CombineCompatibleSchemas
	tableLevel  int  // absolute (bucket = 1); 0 = unset
	prefixDepth int  // folders in the include path below the bucket
	forceRoot   bool // one table at the include path (catalog targets)
	rootName    string
}

func buildTree(units []*unit) *node {
	root := &node{kids: map[string]*node{}}
	for _, u := range units {
		n := root
		if u.Folder != "" {
			for _, seg := range strings.Split(u.Folder, "/") {
				k := n.kids[seg]
				if k == nil {
					k = &node{name: seg, path: strings.TrimPrefix(n.path+"/"+seg, "/"), depth: n.depth + 1, kids: map[string]*node{}}
					n.kids[seg] = k
				}
				n = k
			}
		}
		n.units = append(n.units, u)
	}
	return root
}

// tables runs the layout over a tree.
func (l *layout) tables(root *node) []*cand {
	root.name = l.rootName
	c, out := l.build(root)
	if c != nil {
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].root < out[j].root })
	return out
}

func (l *layout) level(n *node) int { return 1 + l.prefixDepth + n.depth }

func leafCand(n *node, u *unit) *cand {
	name := n.name
	if u.Name != "" {
		name += "_" + u.Name
	}
	return &cand{name: name, root: n.path, sig: u.Sig, cols: u.parsed(), parts: []part{{u: u}}}
}

func (l *layout) build(n *node) (*cand, []*cand) {
	var tables, kids []*cand
	all := true
	names := make([]string, 0, len(n.kids))
	for k := range n.kids {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		c, t := l.build(n.kids[k])
		tables = append(tables, t...)
		if c == nil {
			all = false
		} else {
			kids = append(kids, c)
		}
	}
	var main *cand
	for _, u := range n.units {
		if u.Name == "" {
			main = leafCand(n, u)
		} else {
			tables = append(tables, leafCand(n, u))
		}
	}
	lvl := l.level(n)
	forced := l.forceRoot || l.tableLevel > 0 && lvl > l.tableLevel
	above := l.tableLevel > 0 && lvl < l.tableLevel && !l.forceRoot
	if len(n.kids) == 0 {
		if main != nil && l.tableLevel > 0 && lvl == l.tableLevel {
			return nil, append(tables, main)
		}
		return main, tables
	}
	if main != nil {
		// Files beside folders: the files are a table of their own and
		// the folders' tables stand alone.
		return nil, append(append(tables, main), kids...)
	}
	if !all || above || !l.compatible(kids, forced) {
		return nil, append(tables, kids...)
	}
	merged := &cand{name: n.name, root: n.path, sig: kids[0].sig, depth: kids[0].depth + 1}
	for _, k := range kids {
		merged.cols = types.MergeColumns(merged.cols, k.cols)
		seg := path.Base(k.root)
		for _, p := range k.parts {
			merged.parts = append(merged.parts, part{values: append([]string{seg}, p.values...), u: p.u})
		}
	}
	if l.tableLevel > 0 && lvl == l.tableLevel {
		return nil, append(tables, merged)
	}
	return merged, tables
}

// compatible reports whether sibling tables may become partitions of one
// table: equal partition depth, the same format signature, and (unless
// forced or CombineCompatibleSchemas) a majority of similar schemas. A
// schema is similar when the columns it shares with the "core" (columns
// present in more than half of the siblings) are at least threshold of the
// smaller of the two: a folder that adds columns to the core is similar,
// one with mostly other columns is not.
func (l *layout) compatible(kids []*cand, forced bool) bool {
	for _, k := range kids[1:] {
		if k.depth != kids[0].depth {
			return false
		}
		if !forced && k.sig != kids[0].sig {
			return false
		}
	}
	if forced || l.combine || len(kids) == 1 {
		return true
	}
	count := map[string]int{}
	for _, k := range kids {
		for _, c := range k.cols {
			count[strings.ToLower(c.Name)]++
		}
	}
	core := map[string]bool{}
	for n, c := range count {
		if 2*c > len(kids) {
			core[n] = true
		}
	}
	similar := 0
	for _, k := range kids {
		shared := 0
		for _, c := range k.cols {
			if core[strings.ToLower(c.Name)] {
				shared++
			}
		}
		if smaller := min(len(core), len(k.cols)); smaller > 0 && float64(shared)/float64(smaller) >= l.threshold {
			similar++
		}
	}
	return 2*similar > len(kids)
}

// partitionKeys names the partition levels of a table: key=value folders
// sharing one key give that key, other levels partition_<i>.
func partitionKeys(c *cand) []string {
	keys := make([]string, c.depth)
	for i := range keys {
		k := ""
		for j, p := range c.parts {
			name, _, ok := strings.Cut(p.values[i], "=")
			if !ok || name == "" || (j > 0 && !strings.EqualFold(name, k)) {
				k = ""
				break
			}
			k = name
		}
		if k == "" {
			k = "partition_" + strconv.Itoa(i)
		}
		keys[i] = strings.ToLower(k)
	}
	return keys
}

// partitionValues are a part's values for the keys (the value of a
// key=value folder, else the folder name).
func partitionValues(p part, keys []string) []string {
	out := make([]string, len(p.values))
	for i, v := range p.values {
		if !strings.HasPrefix(keys[i], "partition_") {
			_, v, _ = strings.Cut(v, "=")
		}
		out[i] = v
	}
	return out
}
