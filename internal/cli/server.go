package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server"
)

// bindConfig defines one flag per config field on fs and returns a
// function that resolves the final config: defaults, then the config file,
// then TARN_* environment variables, then flags given on the command line.
func bindConfig(fs *pflag.FlagSet) func() (config.Config, error) {
	def := config.Default()
	vals := map[string]func() string{}
	for _, f := range config.Fields() {
		if f.Repeatable {
			list := fs.StringArray(f.Name, nil, f.Usage+" (env "+f.Env+")")
			vals[f.Name] = func() string { return strings.Join(*list, ",") }
			continue
		}
		v := fs.String(f.Name, def.Get(f.Name), f.Usage+" (env "+f.Env+")")
		vals[f.Name] = func() string { return *v }
		if def.Get(f.Name) == "false" {
			fs.Lookup(f.Name).NoOptDefVal = "true" // --access-log alone means true
		}
	}
	file := fs.String("config", os.Getenv("TARN_CONFIG"), "optional JSON config file: keys are flag names (env TARN_CONFIG)")
	return func() (config.Config, error) {
		cfg := config.Default()
		if *file != "" {
			if err := cfg.LoadFile(*file); err != nil {
				return cfg, err
			}
		}
		if err := cfg.LoadEnv(os.LookupEnv, func(name string) bool { return fs.Changed(name) }); err != nil {
			return cfg, err
		}
		for name, v := range vals {
			if fs.Changed(name) {
				if err := cfg.Set(name, v()); err != nil {
					return cfg, err
				}
			}
		}
		return cfg, cfg.Validate()
	}
}

func newLogger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func serverCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run every tarn service on one port",
		Args:  cobra.NoArgs,
	}
	resolve := bindConfig(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := resolve()
		if err != nil {
			return err
		}
		return runServer(cfg)
	}
	return cmd
}

func runServer(cfg config.Config) error {
	log := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if err := srv.Listen(nil); err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	if srv.GeneratedCredentials {
		ak, sk := srv.RootCredentials()
		fmt.Fprintf(os.Stderr, "\nGenerated root credentials (stored in %s/root-credentials.json, shown once):\n"+
			"  export AWS_ACCESS_KEY_ID=%s\n  export AWS_SECRET_ACCESS_KEY=%s\n\n", cfg.DataDir, ak, sk)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	log.Info("tarn ready", "version", server.Version, "endpoint", scheme+"://"+srv.Addr(), "data", cfg.DataDir,
		"startup_ms", float64(srv.StartupDuration.Microseconds())/1000)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	<-errc
	log.Info("stopped")
	return nil
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "tarn", server.Version)
		},
	}
}
