// Package pgtest starts throwaway PostgreSQL clusters for tests: initdb
// into a temporary directory, postgres on a free loopback port with its
// unix socket in that directory, fsync off, password (SCRAM) auth over
// TCP. One cluster is shared per test binary (Shared, stopped by Main from
// the package's TestMain).
//
// The server binaries are found through TARN_PG_BINDIR, then Debian's
// /usr/lib/postgresql/<version>/bin (highest version), then PATH. As root,
// initdb and postgres run as the "postgres" user (postgres refuses to run
// as root). Without binaries a test is skipped with a message, except
// under CI=true, where it fails: CI must install them (.ci/run does).
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("pgtest: PostgreSQL server binaries (initdb, postgres) not found; install postgresql (Debian: apt-get install postgresql) or set TARN_PG_BINDIR")

// User is the superuser of every test cluster.
const User = "tarn"

// Server is a running throwaway cluster.
type Server struct {
	Host     string // 127.0.0.1
	Port     int
	User     string
	Password string

	dir  string
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{} // closed when postgres exits
}

// BinDir returns the directory holding initdb and postgres.
func BinDir() (string, error) {
	if d := os.Getenv("TARN_PG_BINDIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("%w (TARN_PG_BINDIR=%s has no initdb)", ErrNoBinaries, d)
		}
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
				return d, nil
			}
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func version(bindir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(bindir)), 64)
	return v
}

// Start initialises and starts a cluster; Stop removes it.
func Start() (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgtest: running as root needs a \"postgres\" user to run the server as (postgres refuses to run as root): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	dir, err := os.MkdirTemp("", "tarn-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", User: User, Password: randHex(12), dir: dir, log: &lockedBuffer{}}
	fail := func(err error) (*Server, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(s.Password+"\n"), 0o600); err != nil {
		return fail(err)
	}
	if cred != nil {
		for _, p := range []string{dir, pw} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return fail(err)
			}
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", User, "--pwfile="+pw, "--auth=scram-sha-256",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Env = cleanEnv()
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("pgtest: initdb: %v\n%s", err, out))
	}
	for attempt := 0; ; attempt++ {
		err = s.start(bin, data, cred)
		if err == nil {
			return s, nil
		}
		if attempt == 2 || !strings.Contains(s.log.String(), "could not bind") {
			return fail(err)
		}
	}
}

func (s *Server) start(bin, data string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	s.log.Reset()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=40", "-c", "shared_buffers=16MB", "-c", "logging_collector=off")
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = s.log, s.log
	// The server dies with the test binary, even when it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: starting postgres: %w", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, s.URL("postgres"))
		cancel()
		if err == nil {
			c.Close(context.Background())
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("pgtest: postgres exited: %s", s.log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.kill()
			return fmt.Errorf("pgtest: postgres did not accept connections within 30s: %v\n%s", err, s.log.String())
		}
	}
}

func (s *Server) kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Stop shuts the server down and removes its files.
func (s *Server) Stop() {
	s.kill()
	os.RemoveAll(s.dir)
}

// URL is a pgx/libpq URL for database db as the superuser.
func (s *Server) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(s.User, s.Password), Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// JDBCURL is the JDBC URL of database db (credentials go separately).
func (s *Server) JDBCURL(db string) string {
	return fmt.Sprintf("jdbc:postgresql://%s:%d/%s", s.Host, s.Port, db)
}

// Exec runs sql (one or more statements, simple protocol) in database db.
func (s *Server) Exec(ctx context.Context, db, sql string) error {
	c, err := pgx.Connect(ctx, s.URL(db))
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql)
	return err
}

// CreateDatabase creates database name (dropping an older one).
func (s *Server) CreateDatabase(ctx context.Context, name string) error {
	q := pgx.Identifier{name}.Sanitize()
	if err := s.Exec(ctx, "postgres", "DROP DATABASE IF EXISTS "+q+" WITH (FORCE)"); err != nil {
		return err
	}
	return s.Exec(ctx, "postgres", "CREATE DATABASE "+q)
}

var shared struct {
	sync.Mutex
	srv *Server
	err error
	ran bool
}

// Shared returns the test binary's cluster, starting it on first use. It
// skips the test when PostgreSQL is not installed, or fails it under
// CI=true; a cluster that does not start fails the test.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.ran {
		shared.ran = true
		start := time.Now()
		shared.srv, shared.err = Start()
		if shared.err == nil {
			t.Logf("pgtest: PostgreSQL on %s:%d started in %v", shared.srv.Host, shared.srv.Port, time.Since(start).Round(time.Millisecond))
		}
	}
	switch {
	case errors.Is(shared.err, ErrNoBinaries) && os.Getenv("CI") != "true":
		t.Skipf("skipping: %v", shared.err)
	case shared.err != nil:
		t.Fatal(shared.err)
	}
	return shared.srv
}

// Main runs the tests of a package and stops its shared cluster; call it
// from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	shared.Lock()
	if shared.srv != nil {
		shared.srv.Stop()
	}
	shared.Unlock()
	os.Exit(code)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// cleanEnv is the environment without libpq variables, which would
// redirect or reconfigure the server tools.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			out = append(out, kv)
		}
	}
	return append(out, "LC_ALL=C")
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// lockedBuffer collects the server log; postgres writes it from another
// goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 {
		b.buf.Reset()
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

var _ io.Writer = (*lockedBuffer)(nil)
