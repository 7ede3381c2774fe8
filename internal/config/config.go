// Package config holds tarn's one typed configuration: defaults, validation,
// and loading from a JSON file and TARN_* environment variables. Flags are
// defined in internal/cli, which applies them on top (file → env → flags).
package config

import (
	"encoding/base64"
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

	// RootKey is the base64 256-bit key that seals tarn's own keys (SSE-S3
	// master keys); RootKeyFile names a file holding it. With neither, a key
	// is generated at first start and kept (0600) in the data dir.
	RootKey     string `flag:"root-key" env:"TARN_ROOT_KEY" usage:"base64 256-bit root key sealing tarn's keys (default: generated, stored in the data dir)"`
	RootKeyFile string `flag:"root-key-file" usage:"file holding the base64 root key"`
	// S3DefaultEncryption is applied to buckets without their own rule:
	// AES256 (what S3 does for every new object) or none.
	S3DefaultEncryption string `flag:"s3-default-encryption" usage:"encryption of new objects in buckets without a rule: AES256 (as S3) or none"`
	// SSEMasterRotation is how often the SSE-S3 master key rotates (0: never).
	SSEMasterRotation time.Duration `flag:"sse-master-rotation" usage:"SSE-S3 master key rotation period (0 disables)"`
	// SSECHTTPLoopback allows SSE-C over plain HTTP from loopback clients.
	SSECHTTPLoopback bool `flag:"ssec-http-loopback" usage:"allow SSE-C over plain HTTP from loopback clients (S3 requires TLS)"`
	// KMSRootKey seals every KMS key's material; when neither it nor
	// KMSRootKeyFile is set, one is generated into DATA/kms-root.key (0600).
	KMSRootKey     string `flag:"kms-root-key" env:"TARN_KMS_ROOT_KEY" usage:"base64 32-byte KMS root key (prefer the environment variable; default: generated into DATA/kms-root.key)"`
	KMSRootKeyFile string `flag:"kms-root-key-file" usage:"file holding the base64 32-byte KMS root key"`
	// KMSStaticKeys pre-define KMS keys with fixed ids: NAME:BASE64KEY.
	KMSStaticKeys []string `flag:"kms-static-key" env:"TARN_KMS_STATIC_KEYS" usage:"NAME:BASE64KEY pre-defines a KMS key with id NAME and 32-byte material (repeatable; comma-separated in env and file)"`
	// KinesisLimits enforces Kinesis's provisioned per-shard throughput.
	KinesisLimits string `flag:"kinesis-limits" usage:"Kinesis per-shard throughput limits: on, or off for local development"`
	// KinesisStateDelay is how long streams stay CREATING/UPDATING/DELETING.
	KinesisStateDelay time.Duration `flag:"kinesis-state-delay" usage:"how long Kinesis streams stay CREATING, UPDATING or DELETING"`
	// KinesisShardLimit is the account's open-shard quota.
	KinesisShardLimit int `flag:"kinesis-shard-limit" usage:"Kinesis open-shard quota of each account"`

	// LifecycleDay is the length of a lifecycle "day" (shorter for demos:
	// it scales lifecycle rules, Intelligent-Tiering and restore timings).
	LifecycleDay time.Duration `flag:"lifecycle-day" usage:"length of a lifecycle day (e.g. 10s for demos; scales restore and Intelligent-Tiering timings too)"`
	// StorageClassTiers maps storage classes to tiers: CLASS:TIER.
	StorageClassTiers []string `flag:"storage-class-tier" usage:"CLASS:TIER maps an S3 storage class to a tier (hot or cold; repeatable; default: GLACIER and DEEP_ARCHIVE on cold, the rest on hot)"`
	// LifecycleActionsPerSec and LifecycleBytesPerSec rate-limit lifecycle.
	LifecycleActionsPerSec int `flag:"lifecycle-actions-per-sec" usage:"lifecycle actions per second (0: default 500, -1: unlimited)"`
	LifecycleBytesPerSec   int `flag:"lifecycle-bytes-per-sec" usage:"bytes per second lifecycle moves between tiers (0: default 64 MiB/s, -1: unlimited)"`
	LifecycleWorkers       int `flag:"lifecycle-workers" usage:"due objects the lifecycle engine acts on at once (0: default 4)"`
	// RestoreDelays sets restore times per retrieval tier: TIER:DURATION.
	RestoreDelays []string `flag:"restore-delay" usage:"TIER:DURATION restore time of Expedited, Standard or Bulk at a 24h lifecycle day (repeatable)"`
	// StoragePrices overrides the cost view's prices: CLASS:USD per GB-month.
	StoragePrices []string `flag:"storage-price" usage:"CLASS:USD per GB-month for the cost view (repeatable; default AWS us-east-1 list prices)"`
	// CrawlerWorkers bounds the files Glue crawlers read at once.
	CrawlerWorkers int `flag:"crawler-workers" usage:"files Glue crawlers read in parallel (all crawls together)"`
	// CrawlerScheduleMinute is how long one minute of crawler schedule
	// time lasts; shorten it to watch cron schedules fire in demos.
	CrawlerScheduleMinute time.Duration `flag:"crawler-schedule-minute" usage:"real duration of one minute of Glue crawler schedule time (demos: 1s)"`
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

		S3DefaultEncryption: "AES256",
		SSEMasterRotation:   30 * 24 * time.Hour,
		SSECHTTPLoopback:    true,
		KinesisLimits:       "on",
		KinesisStateDelay:   500 * time.Millisecond,
		KinesisShardLimit:   500,
		LifecycleDay:        24 * time.Hour,

		CrawlerWorkers:        8,
		CrawlerScheduleMinute: time.Minute,
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
	if c.LifecycleDay <= 0 {
		return fmt.Errorf("config: lifecycle day %v: want a positive duration", c.LifecycleDay)
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
	switch c.S3DefaultEncryption {
	case "AES256", "none":
	default:
		return fmt.Errorf("config: s3 default encryption %q: want AES256 or none", c.S3DefaultEncryption)
	}
	if c.CrawlerWorkers < 1 || c.CrawlerWorkers > 1024 {
		return fmt.Errorf("config: crawler workers %d: want 1..1024", c.CrawlerWorkers)
	}
	if c.CrawlerScheduleMinute < time.Millisecond {
		return fmt.Errorf("config: crawler schedule minute must be at least 1ms")
	}
	if c.SSEMasterRotation < 0 {
		return fmt.Errorf("config: sse master rotation must not be negative")
	}
	if c.RootKey != "" && c.RootKeyFile != "" {
		return fmt.Errorf("config: give the root key or a root key file, not both")
	}
	if c.KMSRootKey != "" && c.KMSRootKeyFile != "" {
		return fmt.Errorf("config: --kms-root-key and --kms-root-key-file are exclusive")
	}
	seen := map[string]bool{}
	for _, sk := range c.KMSStaticKeys {
		name, _, err := ParseStaticKey(sk)
		if err != nil {
			return err
		}
		if seen[name] {
			return fmt.Errorf("config: kms static key %q given twice", name)
		}
		seen[name] = true
	}
	if c.KinesisLimits != "on" && c.KinesisLimits != "off" {
		return fmt.Errorf("config: kinesis limits %q: want on or off", c.KinesisLimits)
	}
	if c.KinesisStateDelay < 0 || c.KinesisShardLimit < 1 {
		return fmt.Errorf("config: kinesis state delay must be >= 0 and shard limit >= 1")
	}
	return nil
}

// ParseStaticKey splits a --kms-static-key value NAME:BASE64KEY: NAME is
// 1–255 of [A-Za-z0-9_-], the key 32 bytes in standard base64.
func ParseStaticKey(s string) (name string, key []byte, err error) {
	name, b64, ok := strings.Cut(s, ":")
	if !ok || name == "" || len(name) > 255 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
		return "", nil, fmt.Errorf("config: kms static key %q: want NAME:BASE64KEY with NAME of letters, digits, '-' and '_'", redactKey(s))
	}
	key, err = base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) != 32 {
		return "", nil, fmt.Errorf("config: kms static key %q: the key must be 32 bytes in standard base64", name)
	}
	return name, key, nil
}

// redactKey keeps key material out of error messages.
func redactKey(s string) string {
	if name, _, ok := strings.Cut(s, ":"); ok {
		return name + ":…"
	}
	return "…"
}

// Field describes one configuration field, for flags and docs.
type Field struct {
	Name  string // flag name
	Env   string // environment variable
	Usage string
	Index int
	// Repeatable fields ([]string) take the flag many times; in the
	// environment and config file they are comma-separated.
	Repeatable bool
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
		out = append(out, Field{Name: name, Env: env, Usage: f.Tag.Get("usage"), Index: i,
			Repeatable: f.Type == reflect.TypeOf([]string(nil))})
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
		case []string:
			var list []string
			for _, e := range strings.Split(s, ",") {
				if e = strings.TrimSpace(e); e != "" {
					list = append(list, e)
				}
			}
			v.Set(reflect.ValueOf(list))
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
			v := reflect.ValueOf(c).Elem().Field(f.Index).Interface()
			if list, ok := v.([]string); ok {
				return strings.Join(list, ",")
			}
			return fmt.Sprint(v)
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
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				str, ok := e.(string)
				if !ok {
					return fmt.Errorf("config: %s: %s: want a list of strings", path, k)
				}
				parts[i] = str
			}
			s = strings.Join(parts, ",")
		default:
			return fmt.Errorf("config: %s: %s: want string, number, boolean or list of strings", path, k)
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
