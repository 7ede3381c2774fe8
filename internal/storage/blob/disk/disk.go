// Package disk is the local-drive blob.Store: one file per blob under a root
// directory, with a CRC32C per 64 KiB block verified on every read. The file
// format and directory layout are described in FORMAT.md.
//
// Durability: Commit returns after the file and its directory are fsynced;
// Delete returns after the directory is fsynced. Faults are exercised by
// targeted tests that damage files on disk (fault_test.go) rather than by an
// injected filesystem: the store's only I/O is plain os calls, and a vfs
// seam would cost an indirection on the hot read path for little gain.
package disk

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tarnhq/tarn/internal/storage/blob"
)

const tmpDir = "tmp"

// Options configure Open. The zero value is usable.
type Options struct {
	// Logger receives warnings (for example temp files removed at Open).
	// Nil discards them.
	Logger *slog.Logger
	// NoSync skips every fsync. Only for benchmarks and throwaway test
	// data: a crash may then lose or tear committed blobs.
	NoSync bool
}

// Store is a blob.Store on a local directory. It is safe for concurrent use.
type Store struct {
	root   string
	opts   Options
	log    *slog.Logger
	closed atomic.Bool
	seq    atomic.Uint64 // temp file names
	dirs   sync.Map      // fan-out dirs known to exist: path → struct{}
}

var _ blob.Store = (*Store)(nil)

// Open opens the store rooted at dir, creating it if needed, and removes
// any temp files left by writers that never committed.
func Open(dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{root: dir, opts: opts, log: log.With("component", "blob/disk")}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("blob/disk: open: %w", err)
	}
	tmp := filepath.Join(dir, tmpDir)
	ents, err := os.ReadDir(tmp)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob/disk: open: %w", err)
	}
	for _, e := range ents {
		s.log.Warn("removing orphaned temp file", "name", e.Name())
		if err := os.RemoveAll(filepath.Join(tmp, e.Name())); err != nil {
			return nil, fmt.Errorf("blob/disk: open: clearing temp files: %w", err)
		}
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("blob/disk: open: %w", err)
	}
	if err := s.syncDir(dir); err != nil {
		return nil, fmt.Errorf("blob/disk: open: %w", err)
	}
	return s, nil
}

// fanout returns the two fan-out directory names for id.
func fanout(id string) (string, string) {
	h := fnv.New32a()
	h.Write([]byte(id))
	v := h.Sum32()
	const hex = "0123456789abcdef"
	return string([]byte{hex[v>>28], hex[v>>24&0xf]}), string([]byte{hex[v>>20&0xf], hex[v>>16&0xf]})
}

// path returns the committed file's path for id (already validated).
func (s *Store) path(id string) string {
	a, b := fanout(id)
	return filepath.Join(s.root, a, b, id)
}

func (s *Store) check(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return blob.ErrClosed
	}
	return blob.ValidID(id)
}

// Create starts writing blob id into a temp file. It fails early with
// blob.ErrExist if id is committed; Commit is the authoritative check.
func (s *Store) Create(ctx context.Context, id string) (blob.Writer, error) {
	if err := s.check(ctx, id); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(s.path(id)); err == nil {
		return nil, fmt.Errorf("blob/disk: create %s: %w", id, blob.ErrExist)
	}
	name := filepath.Join(s.root, tmpDir, fmt.Sprintf("%s.%d.%d", id, os.Getpid(), s.seq.Add(1)))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("blob/disk: create %s: %w", id, err)
	}
	return newWriter(s, id, f), nil
}

// Open opens a committed blob, checking its footer and CRC table.
func (s *Store) Open(ctx context.Context, id string) (blob.Reader, error) {
	if err := s.check(ctx, id); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob/disk: open %s: %w", id, blob.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("blob/disk: open %s: %w", id, err)
	}
	r, err := newReader(id, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// Delete removes a committed blob and fsyncs its directory.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := s.check(ctx, id); err != nil {
		return err
	}
	p := s.path(id)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob/disk: delete %s: %w", id, blob.ErrNotExist)
		}
		return fmt.Errorf("blob/disk: delete %s: %w", id, err)
	}
	if err := s.syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("blob/disk: delete %s: %w", id, err)
	}
	return nil
}

// Walk calls fn for every committed blob, in directory order. Sizes are
// derived from file lengths (see FORMAT.md); a file whose length no valid
// blob can have is reported with size -1 so garbage collection can see it.
// Files that are not blobs (bad names, misplaced) are skipped.
func (s *Store) Walk(ctx context.Context, fn func(id string, size int64, modTime time.Time) error) error {
	if s.closed.Load() {
		return blob.ErrClosed
	}
	l1, err := readDirNames(s.root)
	if err != nil {
		return fmt.Errorf("blob/disk: walk: %w", err)
	}
	for _, a := range l1 {
		if !isFanout(a) {
			continue // tmp, or foreign
		}
		l2, err := readDirNames(filepath.Join(s.root, a))
		if err != nil {
			return fmt.Errorf("blob/disk: walk: %w", err)
		}
		for _, b := range l2 {
			if !isFanout(b) {
				continue
			}
			dir := filepath.Join(s.root, a, b)
			ents, err := os.ReadDir(dir)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("blob/disk: walk: %w", err)
			}
			for _, e := range ents {
				if err := ctx.Err(); err != nil {
					return err
				}
				id := e.Name()
				if !e.Type().IsRegular() || blob.ValidID(id) != nil {
					continue
				}
				if x, y := fanout(id); x != a || y != b {
					continue
				}
				info, err := e.Info()
				if errors.Is(err, fs.ErrNotExist) {
					continue // deleted meanwhile
				}
				if err != nil {
					return fmt.Errorf("blob/disk: walk: %w", err)
				}
				if err := fn(id, dataLenFromFileSize(info.Size()), info.ModTime()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Close marks the store closed. Open readers and writers stay usable until
// they are closed themselves, except that Commit fails.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

func isFanout(name string) bool {
	return len(name) == 2 && strings.Trim(name, "0123456789abcdef") == ""
}

func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// ensureDir makes the fan-out directories for a blob path, fsyncing each
// parent in which a directory was created.
func (s *Store) ensureDir(dir string) error {
	if _, ok := s.dirs.Load(dir); ok {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != s.root {
		if err := s.ensureDir(parent); err != nil {
			return err
		}
	}
	// Fsync the parent even when the directory already existed: another
	// writer may have just created it and not yet synced. This happens once
	// per directory per process.
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := s.syncDir(parent); err != nil {
		return err
	}
	s.dirs.Store(dir, struct{}{})
	return nil
}

func (s *Store) syncDir(dir string) error {
	if s.opts.NoSync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
