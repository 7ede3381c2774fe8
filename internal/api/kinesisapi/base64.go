package kinesisapi

import (
	"encoding/base64"
	"encoding/binary"
)

// appendBase64 appends the standard (padded) base64 of src, as
// base64.StdEncoding.AppendEncode does, two to three times as fast: six bytes at
// a time become eight characters through a table of every 12-bit value's
// two characters (8 KiB). GetRecords replies in JSON spend most of their
// time here.
func appendBase64(dst, src []byte) []byte {
	n := base64.StdEncoding.EncodedLen(len(src))
	start := len(dst)
	if cap(dst)-start < n {
		dst = append(dst, make([]byte, n)...)[:start]
	}
	out := dst[start : start+n]
	si, di := 0, 0
	// Eight source bytes are loaded to use six: stop two short of the end.
	for ; len(src)-si >= 26; si, di = si+24, di+32 {
		s, d := src[si:si+26], out[di:di+32]
		binary.BigEndian.PutUint64(d[0:], encode6(s[0:8]))
		binary.BigEndian.PutUint64(d[8:], encode6(s[6:14]))
		binary.BigEndian.PutUint64(d[16:], encode6(s[12:20]))
		binary.BigEndian.PutUint64(d[24:], encode6(s[18:26]))
	}
	for ; len(src)-si >= 8; si, di = si+6, di+8 {
		binary.BigEndian.PutUint64(out[di:], encode6(src[si:si+8]))
	}
	base64.StdEncoding.Encode(out[di:], src[si:])
	return dst[:start+n]
}

// encode6 encodes the first six of the eight bytes of s.
func encode6(s []byte) uint64 {
	v := binary.BigEndian.Uint64(s)
	return uint64(b64pairs[v>>52])<<48 | uint64(b64pairs[v>>40&0xfff])<<32 | uint64(b64pairs[v>>28&0xfff])<<16 | uint64(b64pairs[v>>16&0xfff])
}

// b64pairs holds the two base64 characters of each 12-bit value, the
// first in the high byte.
var b64pairs = func() (t [4096]uint16) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = uint16(alphabet[i>>6])<<8 | uint16(alphabet[i&63])
	}
	return t
}()
