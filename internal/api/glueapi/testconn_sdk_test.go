package glueapi_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/tarnhq/tarn/internal/pgtest"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

// TestConnection against a real PostgreSQL: by name and inline, and each
// way a test fails.
func TestTestConnectionPostgres(t *testing.T) {
	pg := pgtest.Shared(t)
	if err := pg.CreateDatabase(ctx, "probe"); err != nil {
		t.Fatal(err)
	}
	// A port nothing listens on, and one that accepts but never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()

	s := servertest.Start(t)
	c := s.Glue()
	mkconn(t, c, "good", pg.JDBCURL("probe"), pg.User, pg.Password)
	mkconn(t, c, "badpw", pg.JDBCURL("probe"), pg.User, "not-the-password")
	mkconn(t, c, "nodb", pg.JDBCURL("nosuchdb"), pg.User, pg.Password)
	mkconn(t, c, "down", "jdbc:postgresql://"+closed+"/probe", pg.User, pg.Password)
	mkconn(t, c, "mute", "jdbc:postgresql://"+mute.Addr().String()+"/probe?connectTimeout=1", pg.User, pg.Password)
	mkconn(t, c, "mysql", "jdbc:mysql://127.0.0.1:3306/probe", "root", "x")
	ok[*glue.CreateConnectionOutput](t)(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: &types.ConnectionInput{
		Name: aws.String("kafka"), ConnectionType: types.ConnectionTypeKafka,
		ConnectionProperties: map[string]string{"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"}}}))

	byName := func(name string) error {
		_, err := c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String(name)})
		return err
	}
	inline := func(url string, props map[string]string, auth *types.AuthenticationConfigurationInput) error {
		p := map[string]string{"JDBC_CONNECTION_URL": url}
		for k, v := range props {
			p[k] = v
		}
		_, err := c.TestConnection(ctx, &glue.TestConnectionInput{TestConnectionInput: &types.TestConnectionInput{
			ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: p, AuthenticationConfiguration: auth}})
		return err
	}
	basic := func(user, pass string) *types.AuthenticationConfigurationInput {
		return &types.AuthenticationConfigurationInput{AuthenticationType: types.AuthenticationTypeBasic,
			BasicAuthenticationCredentials: &types.BasicAuthenticationCredentials{Username: aws.String(user), Password: aws.String(pass)}}
	}

	t.Run("success", func(t *testing.T) {
		ok[*glue.TestConnectionOutput](t)(c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("good")}))
		ok[*glue.TestConnectionOutput](t)(c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("GOOD"), CatalogId: aws.String("000000000000")}))
		if err := inline(pg.JDBCURL("probe"), map[string]string{"USERNAME": pg.User, "PASSWORD": pg.Password}, nil); err != nil {
			t.Fatal(err)
		}
		if err := inline(pg.JDBCURL("probe"), nil, basic(pg.User, pg.Password)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		err := byName("badpw")
		wantErr(t, err, "InvalidInputException", "connection badpw", `password authentication failed for user "tarn"`)
		if strings.Contains(err.Error(), "not-the-password") {
			t.Errorf("the message shows the password: %v", err)
		}
		wantErr(t, inline(pg.JDBCURL("probe"), map[string]string{"PASSWORD": pg.Password}, basic(pg.User, "wrong")),
			"InvalidInputException", "password authentication failed")
	})
	t.Run("unknown database", func(t *testing.T) {
		wantErr(t, byName("nodb"), "InvalidInputException", `database "nosuchdb" does not exist`)
	})
	t.Run("unreachable", func(t *testing.T) {
		wantErr(t, byName("down"), "InvalidInputException", "connection down", closed, "connection refused")
		wantErr(t, inline("jdbc:postgresql://"+closed+"/probe", nil, basic(pg.User, pg.Password)), "InvalidInputException", "connection refused")
	})
	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		wantErr(t, byName("mute"), "OperationTimeoutException", "connection mute", "no answer within 1s")
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("connectTimeout=1 took %s", d)
		}
	})
	t.Run("unsupported", func(t *testing.T) {
		wantErr(t, byName("mysql"), "InvalidInputException", "uses the mysql JDBC engine")
		wantErr(t, byName("kafka"), "InvalidInputException", "connection kafka is a KAFKA connection, not JDBC")
		wantErr(t, inline("jdbc:oracle:thin://@127.0.0.1:1521/ORCL", nil, nil), "InvalidInputException", "uses the oracle JDBC engine")
		wantErr(t, inline(pg.JDBCURL("probe"), nil, &types.AuthenticationConfigurationInput{SecretArn: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:pg")}),
			"InvalidInputException", "Secrets Manager")
		wantErr(t, inline(pg.JDBCURL("probe"), nil, &types.AuthenticationConfigurationInput{AuthenticationType: types.AuthenticationTypeOauth2}),
			"InvalidInputException", "OAUTH2")
	})
	t.Run("missing connection", func(t *testing.T) {
		wantErr(t, byName("ghost"), "EntityNotFoundException", "ghost")
	})
	t.Run("bad input", func(t *testing.T) {
		_, err := c.TestConnection(ctx, &glue.TestConnectionInput{})
		wantErr(t, err, "InvalidInputException", "Either ConnectionName or TestConnectionInput")
		_, err = c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("good"), TestConnectionInput: &types.TestConnectionInput{
			ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": pg.JDBCURL("probe")}}})
		wantErr(t, err, "InvalidInputException", "not both")
		_, err = c.TestConnection(ctx, &glue.TestConnectionInput{ConnectionName: aws.String("good"), CatalogId: aws.String("123456789012")})
		wantErr(t, err, "AccessDeniedException")
	})
}
