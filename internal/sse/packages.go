package sse

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// DARE 2.0 layout (github.com/minio/sio): a stream is a run of packages,
// each a 16-byte header (version 0x20, cipher, payload length − 1 as
// uint16 LE, 12-byte nonce whose top bit marks the final package), the
// AES-256-GCM ciphertext of up to 64 KiB, and its 16-byte tag. Every
// package of a stream carries the same nonce, XORed with its sequence
// number for the AEAD; the header's first 4 bytes are the associated data.
const (
	PackagePayload = 1 << 16
	packageHeader  = 16
	packageTag     = 16
	// PackageSize is the stored size of a full package.
	PackageSize = packageHeader + PackagePayload + packageTag
)

// PackageOpener decrypts the packages of one DARE stream in place, in
// order, starting at any package index: the fast path for sequential
// reads (no copies besides the decryption itself).
type PackageOpener struct {
	aead     cipher.AEAD
	seq      uint32
	ref      [12]byte
	haveRef  bool
	finished bool
}

// NewPackageOpener opens packages from index first on.
func NewPackageOpener(k Key, first int) *PackageOpener {
	return &PackageOpener{aead: gcm(k), seq: uint32(first)}
}

// Open decrypts the package at the start of buf in place. It returns the
// plaintext (aliasing buf), the package's stored length, and ErrAuth for
// anything that does not authenticate or is malformed.
func (p *PackageOpener) Open(buf []byte) (plain []byte, n int, err error) {
	if p.finished || len(buf) < packageHeader+packageTag+1 {
		return nil, 0, ErrAuth
	}
	h := buf[:packageHeader]
	if h[0] != 0x20 || h[1] != 0 { // version 2.0, AES-256-GCM
		return nil, 0, ErrAuth
	}
	length := int(binary.LittleEndian.Uint16(h[2:4])) + 1
	n = packageHeader + length + packageTag
	if len(buf) < n {
		return nil, 0, ErrAuth
	}
	final := h[4]&0x80 != 0
	if !final && length != PackagePayload {
		return nil, 0, ErrAuth
	}
	var nonce [12]byte
	copy(nonce[:], h[4:16])
	nonce[0] &= 0x7F
	if !p.haveRef {
		p.ref, p.haveRef = nonce, true
	} else if subtle.ConstantTimeCompare(nonce[:], p.ref[:]) != 1 {
		return nil, 0, ErrAuth
	}
	if final {
		nonce[0] |= 0x80
		p.finished = true
	}
	binary.LittleEndian.PutUint32(nonce[8:], binary.LittleEndian.Uint32(nonce[8:])^p.seq)
	ct := buf[packageHeader:n]
	out, err := p.aead.Open(ct[:0], nonce[:], ct, h[:4])
	if err != nil {
		return nil, 0, ErrAuth
	}
	p.seq++
	return out, n, nil
}
