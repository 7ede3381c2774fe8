package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:4566" || c.DataDir != "./tarn-data" {
		t.Fatalf("defaults changed: %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tarn.json")
	os.WriteFile(p, []byte(`{"addr":"127.0.0.1:1","region":"eu-west-1","inline-limit":100,"access-log":true,"shutdown-timeout":"5s"}`), 0o600)
	c := Default()
	if err := c.LoadFile(p); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TARN_ADDR": "127.0.0.1:2", "TARN_ROOT_ACCESS_KEY": "AKID", "TARN_DATA": "/x"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	// "data" was given as a flag, so TARN_DATA must not override it.
	if err := c.LoadEnv(lookup, func(n string) bool { return n == "data" }); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:2" || c.Region != "eu-west-1" || c.InlineLimit != 100 || !c.AccessLog ||
		c.ShutdownTimeout != 5*time.Second || c.RootAccessKey != "AKID" || c.DataDir != "./tarn-data" {
		t.Fatalf("got %+v", c)
	}
}

func TestValidateErrors(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"addr":     func(c *Config) { c.Addr = "nope" },
		"tls":      func(c *Config) { c.TLSCert = "x" },
		"root":     func(c *Config) { c.RootAccessKey = "AKIDAKID" },
		"loglevel": func(c *Config) { c.LogLevel = "loud" },
		"inline":   func(c *Config) { c.InlineLimit = -1 },
	} {
		c := Default()
		mut(&c)
		if c.Validate() == nil {
			t.Errorf("%s: want error", name)
		}
	}
	c := Default()
	if err := c.Set("inline-limit", "abc"); err == nil {
		t.Fatal("want parse error")
	}
	if err := c.Set("nope", "1"); err == nil {
		t.Fatal("want unknown")
	}
}

func TestKMSStaticKeys(t *testing.T) {
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	c := Default()
	if err := c.Set("kms-static-key", "a:"+key+", b:"+key); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil || len(c.KMSStaticKeys) != 2 || c.Get("kms-static-key") != "a:"+key+",b:"+key {
		t.Fatal(err, c.KMSStaticKeys)
	}
	for _, bad := range []string{"noseparator", ":" + key, "a b:" + key, "a:c2hvcnQ=", "a:" + key + ",a:" + key} {
		c := Default()
		c.Set("kms-static-key", bad)
		if err := c.Validate(); err == nil {
			t.Errorf("%q: want error", bad)
		} else if strings.Contains(err.Error(), key) {
			t.Errorf("%q: error leaks the key: %v", bad, err)
		}
	}
	c = Default()
	c.KMSRootKey, c.KMSRootKeyFile = "x", "y"
	if c.Validate() == nil {
		t.Fatal("root key and file together")
	}
}
