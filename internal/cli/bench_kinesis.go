package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/tarnhq/tarn/internal/bench"
	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server"
)

// kinesisBenchCmd is `tarn bench kinesis`.
func kinesisBenchCmd() *cobra.Command {
	var o bench.KinesisOptions
	var dataDir string
	cmd := &cobra.Command{
		Use:   "kinesis",
		Short: "PutRecords throughput, read-back throughput and put→get latency over a durable stream (limits lifted)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			o.Out = out
			o.AccessKey, o.Secret = os.Getenv("TARN_ROOT_ACCESS_KEY"), os.Getenv("TARN_ROOT_SECRET_KEY")
			if o.Endpoint == "" {
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
				cfg.KinesisLimits, cfg.KinesisStateDelay = "off", 0
				o.AccessKey, o.Secret = cfg.RootAccessKey, cfg.RootSecretKey
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
				// Profiler labels side=server / side=client are inherited
				// by the goroutines each side starts (connections, shard
				// appends, transports): `go tool pprof -tagfocus side=server`
				// separates the two in one --cpuprofile.
				go pprof.Do(context.Background(), pprof.Labels("side", "server"), func(context.Context) { srv.Serve() })
				defer srv.Shutdown(context.Background())
				o.Endpoint = "http://" + srv.Addr()
				fmt.Fprintf(out, "server: in-process, data dir %s, --kinesis-limits=off\n", dataDir)
			}
			var err error
			pprof.Do(cmd.Context(), pprof.Labels("side", "client"), func(ctx context.Context) { _, err = bench.Kinesis(ctx, o) })
			if err != nil {
				return err
			}
			dir := dataDir
			if dir == "" {
				dir = os.TempDir()
			}
			if _, err = bench.AppendLimit(dir, o.Batch*o.Size, 2*time.Second, out); err != nil {
				return err
			}
			return bench.KinesisLimits(o, 2*time.Second, out)
		},
	}
	cmd.Flags().StringVar(&o.Endpoint, "endpoint", "", "tarn endpoint (root creds from TARN_ROOT_*; start it with --kinesis-limits=off); empty starts a server in-process")
	cmd.Flags().StringVar(&dataDir, "data", "", "data dir of the in-process server (default: a temp dir)")
	cmd.Flags().IntVar(&o.Shards, "shards", 4, "shards")
	cmd.Flags().IntVar(&o.Producers, "producers", 8, "concurrent PutRecords callers")
	cmd.Flags().IntVar(&o.Batch, "batch", 500, "records per PutRecords")
	cmd.Flags().IntVar(&o.Size, "size", 1024, "record size in bytes")
	cmd.Flags().DurationVar(&o.Duration, "duration", 5*time.Second, "write phase duration")
	cmd.Flags().IntVar(&o.Rate, "rate", 0, "cap on total records/s sent (0: as fast as possible), to measure latency at a given load")
	cmd.Flags().BoolVar(&o.Raw, "raw", false, "raw clients instead of the SDK: producers send pre-encoded, SigV4-signed PutRecords bodies over net/http, consumers scan GetRecords replies for timestamps only (the server's capacity without the client's JSON costs)")
	cmd.Flags().BoolVar(&o.CBOR, "cbor", false, "raw clients speaking CBOR (application/x-amz-cbor-1.1, as the Java SDK, KPL and KCL do); implies --raw")
	return cmd
}
