package server

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tarnhq/tarn/internal/sse"
)

// rootKeyFile is where a generated root key is kept (mode 0600).
const rootKeyFile = "root.key"

// rootKey returns the key that seals tarn's own keys: from the config, a
// named file, or the data dir (generated on first start).
func (s *Server) rootKey() (sse.Key, error) {
	var k sse.Key
	text := s.cfg.RootKey
	if s.cfg.RootKeyFile != "" {
		b, err := os.ReadFile(s.cfg.RootKeyFile)
		if err != nil {
			return k, fmt.Errorf("server: root key file: %w", err)
		}
		text = string(b)
	}
	if text == "" {
		path := filepath.Join(s.cfg.DataDir, rootKeyFile)
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			text = string(b)
		case errors.Is(err, os.ErrNotExist):
			k = sse.NewKey()
			if err := writeFileSync(path, []byte(base64.StdEncoding.EncodeToString(k[:])+"\n")); err != nil {
				return k, fmt.Errorf("server: writing root key: %w", err)
			}
			return k, nil
		default:
			return k, fmt.Errorf("server: %w", err)
		}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(raw) != len(k) {
		return k, fmt.Errorf("server: the root key must be 32 bytes, base64-encoded")
	}
	copy(k[:], raw)
	return k, nil
}

// writeFileSync writes a 0600 file atomically and durably.
func writeFileSync(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		if d, derr := os.Open(filepath.Dir(path)); derr == nil {
			err = d.Sync()
			d.Close()
		}
	}
	return err
}
