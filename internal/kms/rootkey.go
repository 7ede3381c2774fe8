package kms

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// RootKeyFile is the name of the generated root key in the data dir.
const RootKeyFile = "kms-root.key"

// sealer seals key material under the root key with AES-256-GCM. A sealed
// value is nonce(12) || ciphertext || tag(16).
type sealer struct {
	aead cipher.AEAD
	rand io.Reader
}

func newSealer(root []byte, rnd io.Reader) (*sealer, error) {
	if len(root) != 32 {
		return nil, fmt.Errorf("kms: root key is %d bytes, want 32", len(root))
	}
	b, err := aes.NewCipher(root)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: g, rand: rnd}, nil
}

func (s *sealer) seal(aad, plain []byte) ([]byte, error) {
	out := make([]byte, 12, 12+len(plain)+16)
	if _, err := io.ReadFull(s.rand, out); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[:12], plain, aad), nil
}

func (s *sealer) open(aad, sealed []byte) ([]byte, error) {
	if len(sealed) < 12+16 {
		return nil, errors.New("sealed value too short")
	}
	return s.aead.Open(nil, sealed[:12], sealed[12:], aad)
}

// materialAAD binds sealed material to its key and version, so a sealed
// value copied onto another key record does not open.
func materialAAD(account, id string, version uint32) []byte {
	return fmt.Appendf(nil, "tarn-kms-material-v1\x00%s\x00%s\x00%d", account, id, version)
}

// decodeKey accepts a base64 (standard or URL, padded or not) 32-byte key,
// or the raw 32 bytes.
func decodeKey(b []byte) ([]byte, error) {
	s := strings.TrimSpace(string(b))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != 32 {
				return nil, fmt.Errorf("decodes to %d bytes, want 32", len(k))
			}
			return k, nil
		}
	}
	if len(b) == 32 {
		return bytes.Clone(b), nil
	}
	return nil, errors.New("not a base64-encoded 32-byte key")
}

// loadRootKey resolves the root key: Options.RootKey, else
// Options.RootKeyFile, else DataDir/kms-root.key, generated (0600) when
// absent and mayGenerate (no sealed key exists yet).
func loadRootKey(o Options, mayGenerate bool) (key []byte, source string, err error) {
	if o.RootKey != "" {
		k, err := decodeKey([]byte(o.RootKey))
		if err != nil {
			return nil, "", fmt.Errorf("kms: root key (TARN_KMS_ROOT_KEY / --kms-root-key): %v", err)
		}
		return k, "TARN_KMS_ROOT_KEY", nil
	}
	if o.RootKeyFile != "" {
		b, err := os.ReadFile(o.RootKeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("kms: root key file: %w", err)
		}
		k, err := decodeKey(b)
		if err != nil {
			return nil, "", fmt.Errorf("kms: root key file %s: %v", o.RootKeyFile, err)
		}
		return k, o.RootKeyFile, nil
	}
	if o.DataDir == "" {
		return nil, "", errors.New("kms: no root key: set TARN_KMS_ROOT_KEY, --kms-root-key-file or a data dir")
	}
	path := filepath.Join(o.DataDir, RootKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := decodeKey(b)
		if err != nil {
			return nil, "", fmt.Errorf("kms: root key file %s is damaged: %v", path, err)
		}
		return k, path, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("kms: root key: %w", err)
	}
	if !mayGenerate {
		return nil, "", fmt.Errorf("kms: %s is missing but this data dir holds keys sealed by a root key; "+
			"restore it or supply the original key with TARN_KMS_ROOT_KEY or --kms-root-key-file", path)
	}
	k := make([]byte, 32)
	if _, err := io.ReadFull(o.Rand, k); err != nil {
		return nil, "", err
	}
	if err := writeFileAtomic(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n")); err != nil {
		return nil, "", fmt.Errorf("kms: writing generated root key: %w", err)
	}
	return k, path, nil
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
