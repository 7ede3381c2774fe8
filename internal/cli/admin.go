package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/spf13/cobra"

	"github.com/tarnhq/tarn/internal/api/adminapi"
)

// adminClient calls the admin API signed with the root credentials.
type adminClient struct {
	endpoint string
	ak, sk   string
	http     *http.Client
}

func adminCmd() *cobra.Command {
	var endpoint string
	var insecure bool
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Administer a running tarn (accounts, access keys) with the root credentials from TARN_ROOT_ACCESS_KEY / TARN_ROOT_SECRET_KEY",
	}
	cmd.PersistentFlags().StringVar(&endpoint, "endpoint", envOr("TARN_ENDPOINT", "http://127.0.0.1:4566"), "tarn endpoint URL (env TARN_ENDPOINT)")
	cmd.PersistentFlags().BoolVar(&insecure, "insecure", false, "accept a self-signed TLS certificate")
	client := func() (*adminClient, error) {
		ak, sk := os.Getenv("TARN_ROOT_ACCESS_KEY"), os.Getenv("TARN_ROOT_SECRET_KEY")
		if ak == "" || sk == "" {
			return nil, fmt.Errorf("set TARN_ROOT_ACCESS_KEY and TARN_ROOT_SECRET_KEY to the server's root credentials")
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if insecure {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		}
		return &adminClient{endpoint: strings.TrimRight(endpoint, "/"), ak: ak, sk: sk, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, nil
	}

	account := &cobra.Command{Use: "account", Short: "Manage accounts"}
	var ak, sk string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an account with one access key (generated unless given)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			var out adminapi.AccountReply
			if err := c.call(cmd.Context(), http.MethodPost, "accounts", adminapi.KeyRequest{Name: args[0], AccessKey: ak, SecretKey: sk}, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "account_id=%s\nname=%s\ncanonical_id=%s\naccess_key=%s\nsecret_key=%s\n",
				out.Account.ID, out.Account.Name, out.Account.CanonicalID, out.AccessKey, out.SecretKey)
			return nil
		},
	}
	create.Flags().StringVar(&ak, "access-key", "", "access key id to create (generated when empty)")
	create.Flags().StringVar(&sk, "secret-key", "", "secret key (generated when empty)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			var out struct {
				Accounts []struct{ ID, Name string } `json:"accounts"`
			}
			if err := c.call(cmd.Context(), http.MethodGet, "accounts", nil, &out); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ACCOUNT ID\tNAME")
			for _, a := range out.Accounts {
				fmt.Fprintf(tw, "%s\t%s\n", a.ID, a.Name)
			}
			return tw.Flush()
		},
	}
	account.AddCommand(create, list)

	key := &cobra.Command{Use: "key", Short: "Manage access keys"}
	var kak, ksk string
	keyCreate := &cobra.Command{
		Use:   "create ACCOUNT_ID",
		Short: "Add an access key to an account",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			var out adminapi.AccountReply
			if err := c.call(cmd.Context(), http.MethodPost, "accounts/"+args[0]+"/keys", adminapi.KeyRequest{AccessKey: kak, SecretKey: ksk}, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "access_key=%s\nsecret_key=%s\n", out.AccessKey, out.SecretKey)
			return nil
		},
	}
	keyCreate.Flags().StringVar(&kak, "access-key", "", "access key id (generated when empty)")
	keyCreate.Flags().StringVar(&ksk, "secret-key", "", "secret key (generated when empty)")
	keyDelete := &cobra.Command{
		Use:   "delete ACCESS_KEY",
		Short: "Delete an access key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			return c.call(cmd.Context(), http.MethodDelete, "keys/"+args[0], nil, nil)
		},
	}
	key.AddCommand(keyCreate, keyDelete)
	cmd.AddCommand(account, key, adminLifecycleCmd(client), adminUsageCmd(client))
	return cmd
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func (c *adminClient) call(ctx context.Context, method, path string, in, out any) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint+adminapi.Prefix+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: c.ak, SecretAccessKey: c.sk}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "tarn", "us-east-1", time.Now()); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		json.Unmarshal(b, &e)
		return fmt.Errorf("%s: %s (HTTP %d)", e.Type, e.Message, resp.StatusCode)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
