package streams

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
	"strconv"
	"time"
)

// Sequence numbers follow the layout kinesalite reverse-engineered from
// AWS, written in hex and sent in decimal (56 digits, starting "49"):
//
//	"2" | shard epoch (9 hex, seconds) | "0" | offset (16 hex) | "00" |
//	record time (9 hex, seconds) | shard index (8 hex) | "2"
//
// The shard epoch is fixed per shard and greater than every parent's, so
// numbers rise within a shard and children's exceed their parents'. The
// offset is the record's position in the shard log.
const seqHexLen = 47

func formatSeq(epoch int64, offset uint64, t time.Time, index int) string {
	var buf [64]byte
	return string(appendSeq(buf[:0], epoch, offset, t.Unix(), index))
}

// appendSeq appends the decimal sequence number: the 188-bit value is
// built in three words and printed 19 digits at a time, with no big.Int
// (it runs for every record put and read).
func appendSeq(b []byte, epoch int64, offset uint64, unix int64, index int) []byte {
	if epoch < 0 || epoch >= 1<<36 || index < 0 || index >= 1<<32 {
		return append(b, slowSeq(epoch, offset, unix, index)...)
	}
	t := uint64(unix) & 0xfffffffff
	w := [3]uint64{
		2 | uint64(index)<<4 | t<<36,
		t>>28 | offset<<16,
		offset>>48 | uint64(epoch)<<20 | 2<<56,
	}
	var chunks [3]uint64 // least significant first
	for i := range chunks {
		var r uint64
		for j := 2; j >= 0; j-- {
			w[j], r = bits.Div64(r, w[j], 1e19)
		}
		chunks[i] = r
	}
	b = strconv.AppendUint(b, chunks[2], 10)
	for _, c := range []uint64{chunks[1], chunks[0]} {
		var d [19]byte
		for i := 18; i >= 0; i-- {
			d[i] = byte('0' + c%10)
			c /= 10
		}
		b = append(b, d[:]...)
	}
	return b
}

// slowSeq is the layout written out in hex and converted with big.Int:
// the definition appendSeq is tested against.
func slowSeq(epoch int64, offset uint64, unix int64, index int) string {
	h := fmt.Sprintf("2%09x0%016x00%09x%08x2", epoch, offset, unix&0xfffffffff, index)
	n, _ := new(big.Int).SetString(h, 16)
	return n.String()
}

type seqParts struct {
	epoch  int64
	offset uint64
	index  int
}

func parseSeq(s string) (seqParts, bool) {
	if len(s) == 0 || len(s) > 129 {
		return seqParts{}, false
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 {
		return seqParts{}, false
	}
	h := n.Text(16)
	if len(h) != seqHexLen || h[0] != '2' || h[len(h)-1] != '2' {
		return seqParts{}, false
	}
	epoch, err1 := strconv.ParseInt(h[1:10], 16, 64)
	off, err2 := strconv.ParseUint(h[11:27], 16, 64)
	ix, err3 := strconv.ParseUint(h[38:46], 16, 32)
	if err1 != nil || err2 != nil || err3 != nil {
		return seqParts{}, false
	}
	return seqParts{epoch, off, int(ix)}, true
}

// validSeqSyntax matches the model's pattern 0|([1-9]\d{0,128}).
func validSeqSyntax(s string) bool {
	if s == "0" {
		return true
	}
	if s == "" || len(s) > 129 || s[0] < '1' || s[0] > '9' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var maxHash = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

// iterator is the content of a shard iterator token.
type iterator struct {
	account  string // the stream's owner
	caller   string // the account it was issued to
	streamID int64
	shard    int
	offset   uint64
	issued   time.Time
	name     string
}

// Tokens are base64(version | nonce | stream id | shard index | offset |
// issued ms | [account length | account] | [caller length | caller] |
// name | HMAC-SHA256[:16]) under a key kept in the metadata store, so they
// are opaque, tamper-evident and survive restarts. Version 3 names the
// stream's account and the account the iterator was issued to; version 2
// (before cross-account access) names the account, which is both; version
// 1 tokens (issued before streams were per account) are the legacy
// account's.
func (e *Engine) encodeIterator(it iterator) string {
	b := make([]byte, 0, 1+4+8+4+8+8+2+len(it.account)+len(it.caller)+len(it.name)+sha256.Size)
	b = append(b, 3)
	b = binary.BigEndian.AppendUint32(b, e.nonce.Add(1))
	b = binary.BigEndian.AppendUint64(b, uint64(it.streamID))
	b = binary.BigEndian.AppendUint32(b, uint32(it.shard))
	b = binary.BigEndian.AppendUint64(b, it.offset)
	b = binary.BigEndian.AppendUint64(b, uint64(it.issued.UnixMilli()))
	b = append(b, byte(len(it.account)))
	b = append(b, it.account...)
	b = append(b, byte(len(it.caller)))
	b = append(b, it.caller...)
	b = append(b, it.name...)
	m := hmac.New(sha256.New, e.key)
	m.Write(b)
	b = m.Sum(b)[:len(b)+16]
	return base64.StdEncoding.EncodeToString(b)
}

func (e *Engine) decodeIterator(s string) (iterator, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) < 1+4+8+4+8+8+16+1 || b[0] < 1 || b[0] > 3 {
		return iterator{}, false
	}
	body, mac := b[:len(b)-16], b[len(b)-16:]
	m := hmac.New(sha256.New, e.key)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil)[:16], mac) {
		return iterator{}, false
	}
	it := iterator{
		streamID: int64(binary.BigEndian.Uint64(body[5:])),
		shard:    int(binary.BigEndian.Uint32(body[13:])),
		offset:   binary.BigEndian.Uint64(body[17:]),
		issued:   time.UnixMilli(int64(binary.BigEndian.Uint64(body[25:]))),
		account:  e.opts.Account,
	}
	rest := body[33:]
	field := func() (string, bool) {
		n := int(rest[0])
		if len(rest) < 1+n+1 {
			return "", false
		}
		f := string(rest[1 : 1+n])
		rest = rest[1+n:]
		return f, true
	}
	var ok bool
	if body[0] >= 2 {
		if it.account, ok = field(); !ok {
			return iterator{}, false
		}
	}
	it.caller = it.account
	if body[0] == 3 {
		if it.caller, ok = field(); !ok {
			return iterator{}, false
		}
	}
	it.name = string(rest)
	return it, true
}

// Stored record payload: partition key length (u16) | key | data.
func encodePayload(pk string, data []byte) []byte {
	return appendPayload(make([]byte, 0, 2+len(pk)+len(data)), pk, data)
}

func appendPayload(b []byte, pk string, data []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(pk)))
	b = append(b, pk...)
	return append(b, data...)
}

func splitPayload(b []byte) (pk, data []byte, ok bool) {
	if len(b) < 2 {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n {
		return nil, nil, false
	}
	return b[2 : 2+n], b[2+n:], true
}
