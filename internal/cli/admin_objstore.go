package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// adminLifecycleCmd is `tarn admin lifecycle status`.
func adminLifecycleCmd(client func() (*adminClient, error)) *cobra.Command {
	lc := &cobra.Command{Use: "lifecycle", Short: "Lifecycle engine"}
	lc.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the lifecycle engine's progress and totals",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			var out map[string]any
			if err := c.call(cmd.Context(), "GET", "lifecycle", nil, &out); err != nil {
				return err
			}
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	})
	return lc
}

// adminUsageCmd is `tarn admin usage`: the cost view.
func adminUsageCmd(client func() (*adminClient, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "usage",
		Short: "Show storage per bucket and class, billable bytes and estimated monthly cost",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			var out struct {
				Classes []struct {
					Bucket        string  `json:"bucket"`
					Class         string  `json:"class"`
					Objects       int64   `json:"objects"`
					Bytes         int64   `json:"bytes"`
					BillableBytes int64   `json:"billable_bytes"`
					MonthlyUSD    float64 `json:"monthly_usd"`
					UnderMinimum  int64   `json:"under_minimum"`
					MinimumUSD    float64 `json:"minimum_charge_usd"`
					EarlyDeletes  int64   `json:"early_deletes"`
					EarlyUSD      float64 `json:"early_delete_usd"`
				} `json:"classes"`
				MonthlyUSD float64 `json:"monthly_usd"`
				MinimumUSD float64 `json:"minimum_charge_usd"`
				EarlyUSD   float64 `json:"early_delete_usd"`
				SavedUSD   float64 `json:"saved_usd"`
			}
			if err := c.call(cmd.Context(), "GET", "usage", nil, &out); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "BUCKET\tCLASS\tOBJECTS\tBYTES\tBILLABLE\tUSD/MONTH\tUNDER MIN. DURATION\tMIN. DURATION USD\tEARLY DELETES\tEARLY DELETE USD")
			for _, u := range out.Classes {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.6f\t%d\t%.6f\t%d\t%.6f\n", u.Bucket, u.Class, u.Objects, u.Bytes, u.BillableBytes, u.MonthlyUSD,
					u.UnderMinimum, u.MinimumUSD, u.EarlyDeletes, u.EarlyUSD)
			}
			fmt.Fprintf(tw, "total\t\t\t\t\t%.6f\t\t%.6f\t\t%.6f\n", out.MonthlyUSD, out.MinimumUSD, out.EarlyUSD)
			fmt.Fprintf(tw, "saved vs STANDARD\t\t\t\t\t%.6f\n", out.SavedUSD)
			return tw.Flush()
		},
	}
}
