package glueapi

import (
	"context"
	"encoding/json"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/catalog"
	"github.com/tarnhq/tarn/internal/jdbc"
)

// testConnectionInput is TestConnection's inline connection.
type testConnectionInput struct {
	ConnectionType              string
	ConnectionProperties        map[string]string
	AuthenticationConfiguration *struct {
		AuthenticationType             string
		SecretArn                      string
		KmsKeyArn                      string
		BasicAuthenticationCredentials *struct{ Username, Password string }
		OAuth2Properties               json.RawMessage
	}
}

// connection is the inline input as a catalog connection: basic
// credentials become USERNAME and PASSWORD; secrets and OAuth are refused.
func (in *testConnectionInput) connection() (catalog.Connection, error) {
	if in.ConnectionType == "" {
		return catalog.Connection{}, invalid("TestConnectionInput.ConnectionType is required.")
	}
	if in.ConnectionProperties == nil {
		return catalog.Connection{}, invalid("TestConnectionInput.ConnectionProperties is required.")
	}
	props := make(map[string]string, len(in.ConnectionProperties)+2)
	for k, v := range in.ConnectionProperties {
		props[k] = v
	}
	if ac := in.AuthenticationConfiguration; ac != nil {
		switch {
		case ac.SecretArn != "":
			return catalog.Connection{}, invalid("AuthenticationConfiguration.SecretArn names a Secrets Manager secret, which tarn does not read; use BasicAuthenticationCredentials or USERNAME and PASSWORD.")
		case ac.AuthenticationType != "" && ac.AuthenticationType != "BASIC":
			return catalog.Connection{}, invalid("AuthenticationType %s is not supported by tarn; use BASIC.", ac.AuthenticationType)
		case ac.BasicAuthenticationCredentials != nil:
			props["USERNAME"] = ac.BasicAuthenticationCredentials.Username
			props["PASSWORD"] = ac.BasicAuthenticationCredentials.Password
		}
	}
	return catalog.Connection{Name: "(TestConnectionInput)", ConnectionType: in.ConnectionType, ConnectionProperties: props}, nil
}

func (a *api) registerTestConnection(s *awsjson.Service) {
	s.Handle("TestConnection", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId           string
		ConnectionName      string
		TestConnectionInput *testConnectionInput
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		var conn catalog.Connection
		switch {
		case in.ConnectionName != "" && in.TestConnectionInput != nil:
			return nil, invalid("Provide either ConnectionName or TestConnectionInput, not both.")
		case in.ConnectionName != "":
			if conn, err = a.c.GetConnection(ctx, cat, in.ConnectionName, false); err != nil {
				return nil, err
			}
		case in.TestConnectionInput != nil:
			if conn, err = in.TestConnectionInput.connection(); err != nil {
				return nil, err
			}
		default:
			return nil, invalid("Either ConnectionName or TestConnectionInput is required.")
		}
		if err := jdbc.Test(ctx, conn); err != nil {
			return nil, err
		}
		return &struct{}{}, nil
	}))
}
