// Package config holds tarn's one typed configuration: defaults, validation,
// and loading from a JSON file and TARN_* environment variables. Flags are
// defined in internal/cli, which applies them on top (file → env → flags).
package config

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Config is the whole server configuration. Field tags name the flag (and
// so the TARN_* environment variable and the config-file key).
type Config struct {
	Addr    string `flag:"addr" usage:"listen address (host:port) for every service"`
	DataDir string `flag:"data" usage:"data directory holding all state"`
	Region  string `flag:"region" usage:"AWS region reported by every service"`
	Domain  string `flag:"domain" usage:"base domain for virtual-hosted-style S3 (bucket.DOMAIN); empty disables"`

	TLSCert string `flag:"tls-cert" usage:"TLS certificate file (PEM); serves HTTPS on --addr when set with --tls-key"`
	TLSKey  string `flag:"tls-key" usage:"TLS private key file (PEM)"`

	RootAccessKey string `flag:"root-access-key" env:"TARN_ROOT_ACCESS_KEY" usage:"root access key id (generated and stored on first start when unset)"`
	RootSecretKey string `flag:"root-secret-key" env:"TARN_ROOT_SECRET_KEY" usage:"root secret access key"`

	LogLevel  string `flag:"log-level" usage:"log level: debug, info, warn, error"`
	LogFormat string `flag:"log-format" usage:"log format: text or json"`
	AccessLog bool   `flag:"access-log" usage:"log every request"`

	// InlineLimit is the largest object stored inside the metadata store
	// instead of as a separate blob file.
	InlineLimit int `flag:"inline-limit" usage:"objects up to this many bytes are stored inline in metadata"`
	// ShutdownTimeout bounds the drain of in-flight requests on SIGTERM.
	ShutdownTimeout time.Duration `flag:"shutdown-timeout" usage:"how long SIGTERM waits for in-flight requests"`
	// MaxSkew is the allowed clock difference of signed requests.
	MaxSkew time.Duration `flag:"max-skew" usage:"allowed clock skew of signed requests"`

	// KinesisLimits enforces Kinesis's provisioned per-shard throughput.
	KinesisLimits string `flag:"kinesis-limits" usage:"Kinesis per-shard throughput limits: on, or off for local development"`
	// KinesisStateDelay is how long streams stay CREATING/UPDATING/DELETING.
	KinesisStateDelay time.Duration `flag:"kinesis-state-delay" usage:"how long Kinesis streams stay CREATING, UPDATING or DELETING"`
	// KinesisShardLimit is the account's open-shard quota.
	KinesisShardLimit int `flag:"kinesis-shard-limit" usage:"Kinesis open-shard quota of the account"`
}

// Default returns the embedded defaults.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:4566",
		DataDir:         "./tarn-data",
		Region:          "us-east-1",
		LogLevel:        "info",
		LogFormat:       "text",
		InlineLimit:     64 << 10,
		ShutdownTimeout: 30 * time.Second,
		MaxSkew:         15 * time.Minute,

		KinesisLimits:     "on",
		KinesisStateDelay: 500 * time.Millisecond,
		KinesisShardLimit: 500,
	}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: addr %q: %v", c.Addr, err)
	}
	if c.DataDir == "" {
		return fmt.Errorf("config: data dir is empty")
	}
	if c.Region == "" {
		return fmt.Errorf("config: region is empty")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("config: --tls-cert and --tls-key go together")
	}
	if (c.RootAccessKey == "") != (c.RootSecretKey == "") {
		return fmt.Errorf("config: root access key and secret key go together")
	}
	if c.RootAccessKey != "" && (len(c.RootAccessKey) < 3 || len(c.RootSecretKey) < 8) {
		return fmt.Errorf("config: root access key must be at least 3 and secret at least 8 characters")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("config: log format %q: want text or json", c.LogFormat)
	}
	if c.InlineLimit < 0 || c.InlineLimit > 1<<20 {
		return fmt.Errorf("config: inline limit %d: want 0..1048576", c.InlineLimit)
	}
	if c.MaxSkew <= 0 {
		return fmt.Errorf("config: max skew must be positive")
	}
	if c.KinesisLimits != "on" && c.KinesisLimits != "off" {
		return fmt.Errorf("config: kinesis limits %q: want on or off", c.KinesisLimits)
	}
	if c.KinesisStateDelay < 0 || c.KinesisShardLimit < 1 {
		return fmt.Errorf("config: kinesis state delay must be >= 0 and shard limit >= 1")
	}
	return nil
}

// Field describes one configuration field, for flags and docs.
type Field struct {
	Name  string // flag name
	Env   string // environment variable
	Usage string
	Index int
}

// Fields lists the configurable fields in declaration order.
func Fields() []Field {
	t := reflect.TypeOf(Config{})
	var out []Field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("flag")
		if name == "" {
			continue
		}
		env := f.Tag.Get("env")
		if env == "" {
			env = "TARN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		}
		out = append(out, Field{Name: name, Env: env, Usage: f.Tag.Get("usage"), Index: i})
	}
	return out
}

// Set assigns the string value s to the field named by flag name.
func (c *Config) Set(name, s string) error {
	for _, f := range Fields() {
		if f.Name != name {
			continue
		}
		v := reflect.ValueOf(c).Elem().Field(f.Index)
		switch v.Interface().(type) {
		case string:
			v.SetString(s)
		case bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fmt.Errorf("config: %s: %v", name, err)
			}
			v.SetBool(b)
		case int:
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("config: %s: %v", name, err)
			}
			v.SetInt(int64(n))
		case time.Duration:
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("config: %s: %v", name, err)
			}
			v.SetInt(int64(d))
		default:
			return fmt.Errorf("config: %s: unsupported type", name)
		}
		return nil
	}
	return fmt.Errorf("config: unknown setting %q", name)
}

// Get returns the field's value formatted as a string.
func (c *Config) Get(name string) string {
	for _, f := range Fields() {
		if f.Name == name {
			return fmt.Sprint(reflect.ValueOf(c).Elem().Field(f.Index).Interface())
		}
	}
	return ""
}

// LoadFile applies a JSON config file: an object whose keys are flag names
// and whose values are strings, numbers or booleans.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("config: %s: %v", path, err)
	}
	for k, v := range m {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			s = strconv.FormatBool(x)
		default:
			return fmt.Errorf("config: %s: %s: want string, number or boolean", path, k)
		}
		if err := c.Set(k, s); err != nil {
			return fmt.Errorf("%v (in %s)", err, path)
		}
	}
	return nil
}

// LoadEnv applies TARN_* variables found by lookup (os.LookupEnv in
// production). skip names flags already set on the command line.
func (c *Config) LoadEnv(lookup func(string) (string, bool), skip func(name string) bool) error {
	for _, f := range Fields() {
		if skip != nil && skip(f.Name) {
			continue
		}
		if v, ok := lookup(f.Env); ok && v != "" {
			if err := c.Set(f.Name, v); err != nil {
				return fmt.Errorf("%v (from %s)", err, f.Env)
			}
		}
	}
	return nil
}
