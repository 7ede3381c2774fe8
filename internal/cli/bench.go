package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tarnhq/tarn/internal/bench"
	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server"
)

func init() { extraCommands = append(extraCommands, benchCmd) }

func benchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure tarn with real AWS clients, beside the machine's physical limits"}
	var endpoint, sizes, concs, dataDir, encryption, cpuprofile string
	var profFile *os.File
	cmd.PersistentFlags().StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of client and in-process server to this file")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuprofile == "" {
			return nil
		}
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		profFile = f
		return pprof.StartCPUProfile(f)
	}
	cmd.PersistentPostRun = func(*cobra.Command, []string) {
		if profFile != nil {
			pprof.StopCPUProfile()
			profFile.Close()
		}
	}
	var dur time.Duration
	var limits bool
	s3c := &cobra.Command{
		Use:   "s3",
		Short: "PUT and GET of fixed-size objects at several concurrencies (aws-sdk-go-v2 client)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sz, err := parseList(sizes, bench.ParseSize)
			if err != nil {
				return err
			}
			cc, err := parseList(concs, strconv.Atoi)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			ak, sk := os.Getenv("TARN_ROOT_ACCESS_KEY"), os.Getenv("TARN_ROOT_SECRET_KEY")
			if endpoint == "" {
				// Start a server in this process on a fresh data dir.
				if dataDir == "" {
					d, err := os.MkdirTemp("", "tarn-bench-")
					if err != nil {
						return err
					}
					defer os.RemoveAll(d)
					dataDir = d
				}
				cfg := config.Default()
				cfg.Addr, cfg.DataDir = "127.0.0.1:0", dataDir
				cfg.RootAccessKey, cfg.RootSecretKey = "BENCHROOT", "bench-root-secret"
				cfg.S3DefaultEncryption = encryption
				ak, sk = cfg.RootAccessKey, cfg.RootSecretKey
				t0 := time.Now()
				srv, err := server.New(cmd.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err != nil {
					return err
				}
				ln, err := net.Listen("tcp", cfg.Addr)
				if err != nil {
					return err
				}
				if err := srv.Listen(ln); err != nil {
					return err
				}
				go srv.Serve()
				fmt.Fprintf(out, "server: in-process, data dir %s, default encryption %s, start-up %s\n\n", dataDir, encryption, time.Since(t0).Round(time.Microsecond))
				defer srv.Shutdown(context.Background())
				endpoint = "http://" + srv.Addr()
			}
			bench.PrintHeader(out)
			if _, err := bench.S3(cmd.Context(), bench.S3Options{Endpoint: endpoint, AccessKey: ak, Secret: sk,
				Sizes: sz, Concurrency: cc, Duration: dur, Out: out}); err != nil {
				return err
			}
			if !limits {
				return nil
			}
			dir := dataDir
			if dir == "" {
				dir = os.TempDir()
			}
			if _, err := bench.FileLimits(dir, sz, cc, dur, out); err != nil {
				return err
			}
			_, err = bench.LoopbackLimits(sz, cc, dur, out)
			return err
		},
	}
	s3c.Flags().StringVar(&endpoint, "endpoint", "", "tarn endpoint (root creds from TARN_ROOT_*); empty starts a server in-process")
	s3c.Flags().StringVar(&dataDir, "data", "", "data dir of the in-process server (default: a temp dir; put it on the disk you measure)")
	s3c.Flags().StringVar(&sizes, "sizes", "4KiB,1MiB", "object sizes")
	s3c.Flags().StringVar(&concs, "concurrency", "1,16,64", "concurrent clients")
	s3c.Flags().DurationVar(&dur, "duration", 5*time.Second, "duration of each cell")
	s3c.Flags().StringVar(&encryption, "encryption", "AES256", "in-process server's default encryption: AES256 (as S3) or none")
	s3c.Flags().BoolVar(&limits, "limits", true, "also measure file write+fsync/read and loopback HTTP limits")
	cmd.AddCommand(s3c, kinesisBenchCmd())
	return cmd
}

func parseList[T any](s string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, f := range strings.Split(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
