package formats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// csvParser reads delimiter-separated records with an optional quote
// character (a doubled quote inside quotes is a literal quote). Quoted fields
// may span lines. It is lenient like Hive's OpenCSVSerDe: text after a
// closing quote is kept, a bare quote inside an unquoted field is data.
type csvParser struct {
	r      *bufio.Reader
	delim  byte
	quote  byte // 0 = no quoting
	max    int
	line   int
	quoted bool // a quoted field was seen
	rec    []byte
	buf    []byte
	bytes  int64 // bytes consumed
}

var errRecordTooLarge = errors.New("record exceeds the maximum record size")

func (p *csvParser) readLine() ([]byte, error) {
	var out []byte
	for {
		chunk, err := p.r.ReadSlice('\n')
		if len(out)+len(chunk) > p.max {
			return nil, fmt.Errorf("line %d: %w (%d bytes)", p.line+1, errRecordTooLarge, p.max)
		}
		if err == bufio.ErrBufferFull {
			out = append(out, chunk...)
			continue
		}
		if out != nil {
			out = append(out, chunk...)
		} else {
			out = chunk
		}
		p.bytes += int64(len(out))
		if err == io.EOF && len(out) > 0 {
			err = nil
		}
		if err == nil {
			p.line++
		}
		return out, err
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// read returns the next record's fields; io.EOF at the end. Blank lines are
// skipped.
func (p *csvParser) read() ([]string, error) {
	var line []byte
	for {
		l, err := p.readLine()
		if err != nil {
			return nil, err
		}
		if len(trimEOL(l)) > 0 {
			line = l
			break
		}
	}
	startLine := p.line
	// The line aliases bufio's buffer; copy it before any further read.
	p.rec = append(p.rec[:0], line...)
	rec := p.rec
	var fields []string
	i := 0
	size := len(rec)
	for {
		if p.quote != 0 && i < len(rec) && rec[i] == p.quote {
			p.quoted = true
			i++
			p.buf = p.buf[:0]
			for {
				j := bytes.IndexByte(rec[i:], p.quote)
				if j < 0 {
					p.buf = append(p.buf, rec[i:]...)
					more, err := p.readLine()
					if err != nil {
						if err == io.EOF {
							return nil, fmt.Errorf("line %d: unterminated quoted field", startLine)
						}
						return nil, err
					}
					size += len(more)
					if size > p.max {
						return nil, fmt.Errorf("line %d: %w", startLine, errRecordTooLarge)
					}
					rec = append(rec[:0:0], more...)
					i = 0
					continue
				}
				p.buf = append(p.buf, rec[i:i+j]...)
				i += j + 1
				if i < len(rec) && rec[i] == p.quote {
					p.buf = append(p.buf, p.quote)
					i++
					continue
				}
				break
			}
			k := bytes.IndexByte(rec[i:], p.delim)
			if k < 0 {
				p.buf = append(p.buf, trimEOL(rec[i:])...)
				fields = append(fields, string(p.buf))
				break
			}
			p.buf = append(p.buf, rec[i:i+k]...)
			fields = append(fields, string(p.buf))
			i += k + 1
			continue
		}
		k := bytes.IndexByte(rec[i:], p.delim)
		if k < 0 {
			fields = append(fields, string(trimEOL(rec[i:])))
			break
		}
		fields = append(fields, string(rec[i:i+k]))
		i += k + 1
	}
	return fields, nil
}

// sniffDelimiter picks the delimiter that splits the sample lines into the
// most consistent number (>1) of fields. Candidates are the ones Glue's CSV
// classifier knows: comma, tab, pipe, semicolon and Ctrl-A.
func sniffDelimiter(sample []byte, quote byte) byte {
	lines := bytes.Split(sample, []byte("\n"))
	if len(lines) > 1 && len(sample) > 0 && sample[len(sample)-1] != '\n' {
		lines = lines[:len(lines)-1] // last line may be cut
	}
	if len(lines) > 50 {
		lines = lines[:50]
	}
	best, bestScore := byte(','), 0.0
	for _, d := range []byte{',', '\t', '|', ';', '\x01'} {
		counts := map[int]int{}
		n := 0
		for _, l := range lines {
			l = trimEOL(l)
			if len(l) == 0 {
				continue
			}
			counts[countFields(l, d, quote)]++
			n++
		}
		if n == 0 {
			continue
		}
		mode, modeN := 0, 0
		for c, k := range counts {
			if k > modeN || k == modeN && c > mode {
				mode, modeN = c, k
			}
		}
		if mode < 2 {
			continue
		}
		score := float64(modeN)/float64(n)*1000 + float64(mode)
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

func countFields(l []byte, d, quote byte) int {
	n, in := 1, false
	for _, c := range l {
		switch {
		case quote != 0 && c == quote:
			in = !in
		case c == d && !in:
			n++
		}
	}
	return n
}
