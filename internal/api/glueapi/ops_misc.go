package glueapi

import (
	"context"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/catalog"
)

type colErr struct {
	ColumnName string      `json:"ColumnName,omitempty"`
	Error      errorDetail `json:"Error"`
}

type statsRef struct {
	partRef
	PartitionValues []string
}

// values is nil for the table-level operations.
func (r *statsRef) values(partition bool) []string {
	if !partition {
		return nil
	}
	if r.PartitionValues == nil {
		return []string{}
	}
	return r.PartitionValues
}

func (a *api) registerStats(s *awsjson.Service, suffix string, partition bool) {
	type getOut struct {
		ColumnStatisticsList []wColumnStatistics
		Errors               []colErr
	}
	s.Handle("GetColumnStatisticsFor"+suffix, awsjson.Op(func(ctx context.Context, in *struct {
		statsRef
		ColumnNames []string
	}) (*getOut, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		st, bad, err := a.c.GetColumnStatistics(ctx, cat, in.DatabaseName, in.TableName, in.values(partition), in.ColumnNames)
		if err != nil {
			return nil, err
		}
		out := &getOut{ColumnStatisticsList: []wColumnStatistics{}, Errors: []colErr{}}
		for _, x := range st {
			out.ColumnStatisticsList = append(out.ColumnStatisticsList, columnStats(x))
		}
		for _, e := range bad {
			out.Errors = append(out.Errors, colErr{e.ColumnName, errorDetail{e.Code, e.Msg}})
		}
		return out, nil
	}))
	type updErr struct {
		ColumnStatistics wColumnStatistics
		Error            errorDetail
	}
	s.Handle("UpdateColumnStatisticsFor"+suffix, awsjson.Op(func(ctx context.Context, in *struct {
		statsRef
		ColumnStatisticsList []wColumnStatistics
	}) (*struct{ Errors []updErr }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		list := make([]catalog.ColumnStatistics, len(in.ColumnStatisticsList))
		byName := map[string]wColumnStatistics{}
		for i := range in.ColumnStatisticsList {
			list[i] = in.ColumnStatisticsList[i].engine()
			byName[list[i].ColumnName] = in.ColumnStatisticsList[i]
		}
		bad, err := a.c.UpdateColumnStatistics(ctx, cat, in.DatabaseName, in.TableName, in.values(partition), list)
		if err != nil {
			return nil, err
		}
		out := []updErr{}
		for _, e := range bad {
			out = append(out, updErr{byName[e.ColumnName], errorDetail{e.Code, e.Msg}})
		}
		return &struct{ Errors []updErr }{out}, nil
	}))
	s.Handle("DeleteColumnStatisticsFor"+suffix, awsjson.Op(func(ctx context.Context, in *struct {
		statsRef
		ColumnName string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		return nil, a.c.DeleteColumnStatistics(ctx, cat, in.DatabaseName, in.TableName, in.values(partition), in.ColumnName)
	}))
}

func (a *api) registerMisc(s *awsjson.Service) {
	a.registerStats(s, "Table", false)
	a.registerStats(s, "Partition", true)
	a.registerConnections(s)
	a.registerTestConnection(s)
	a.registerFunctions(s)
	s.Handle("TagResource", awsjson.Op(func(ctx context.Context, in *struct {
		ResourceArn string
		TagsToAdd   map[string]string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return nil, a.c.TagResource(ctx, cat, in.ResourceArn, in.TagsToAdd)
	}))
	s.Handle("UntagResource", awsjson.Op(func(ctx context.Context, in *struct {
		ResourceArn  string
		TagsToRemove []string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		return nil, a.c.UntagResource(ctx, cat, in.ResourceArn, in.TagsToRemove)
	}))
	s.Handle("GetTags", awsjson.Op(func(ctx context.Context, in *struct{ ResourceArn string }) (*struct{ Tags map[string]string }, error) {
		cat, err := catalogID(ctx, "")
		if err != nil {
			return nil, err
		}
		tags, err := a.c.GetTags(ctx, cat, in.ResourceArn)
		if err != nil {
			return nil, err
		}
		return &struct{ Tags map[string]string }{tags}, nil
	}))
	s.Handle("GetDataCatalogEncryptionSettings", awsjson.Op(func(ctx context.Context, in *struct{ CatalogId string }) (*struct {
		DataCatalogEncryptionSettings map[string]any
	}, error) {
		if _, err := catalogID(ctx, in.CatalogId); err != nil {
			return nil, err
		}
		return &struct{ DataCatalogEncryptionSettings map[string]any }{map[string]any{
			"EncryptionAtRest":             map[string]any{"CatalogEncryptionMode": "DISABLED"},
			"ConnectionPasswordEncryption": map[string]any{"ReturnConnectionPasswordEncrypted": false},
		}}, nil
	}))
}

func (a *api) registerConnections(s *awsjson.Service) {
	s.Handle("CreateConnection", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId       string
		ConnectionInput *catalog.ConnectionInput
		Tags            map[string]string
	}) (*struct{ CreateConnectionStatus string }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.ConnectionInput == nil {
			return nil, invalid("ConnectionInput is required.")
		}
		if err := a.c.CreateConnection(ctx, cat, *in.ConnectionInput); err != nil {
			return nil, err
		}
		if len(in.Tags) > 0 {
			if err := a.c.TagResource(ctx, cat, a.c.ARN(cat, "connection", in.ConnectionInput.Name), in.Tags); err != nil {
				return nil, err
			}
		}
		return &struct{ CreateConnectionStatus string }{"READY"}, nil
	}))
	s.Handle("GetConnection", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId, Name string
		HidePassword    bool
	}) (*struct{ Connection wConnection }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		c, err := a.c.GetConnection(ctx, cat, in.Name, in.HidePassword)
		if err != nil {
			return nil, err
		}
		return &struct{ Connection wConnection }{connection(c)}, nil
	}))
	type connList struct {
		ConnectionList []wConnection
		NextToken      string `json:",omitempty"`
	}
	s.Handle("GetConnections", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId    string
		Filter       *catalog.ConnectionFilter
		HidePassword bool
		page
	}) (*connList, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		var f catalog.ConnectionFilter
		if in.Filter != nil {
			f = *in.Filter
		}
		cs, next, err := a.c.GetConnections(ctx, cat, f, in.HidePassword, in.page.engine())
		if err != nil {
			return nil, err
		}
		out := &connList{ConnectionList: []wConnection{}, NextToken: next}
		for _, c := range cs {
			out.ConnectionList = append(out.ConnectionList, connection(c))
		}
		return out, nil
	}))
	s.Handle("UpdateConnection", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId, Name string
		ConnectionInput *catalog.ConnectionInput
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.ConnectionInput == nil {
			return nil, invalid("ConnectionInput is required.")
		}
		return nil, a.c.UpdateConnection(ctx, cat, in.Name, *in.ConnectionInput)
	}))
	s.Handle("DeleteConnection", awsjson.Op(func(ctx context.Context, in *struct{ CatalogId, ConnectionName string }) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		return nil, a.c.DeleteConnection(ctx, cat, in.ConnectionName)
	}))
	type batchOut struct {
		Succeeded []string
		Errors    map[string]errorDetail
	}
	s.Handle("BatchDeleteConnection", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId          string
		ConnectionNameList []string
	}) (*batchOut, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		ok, bad, err := a.c.BatchDeleteConnection(ctx, cat, in.ConnectionNameList)
		if err != nil {
			return nil, err
		}
		out := &batchOut{Succeeded: ok, Errors: map[string]errorDetail{}}
		if out.Succeeded == nil {
			out.Succeeded = []string{}
		}
		for _, e := range bad {
			out.Errors[e.TableName] = errorDetail{e.Code, e.Msg}
		}
		return out, nil
	}))
}

func (a *api) registerFunctions(s *awsjson.Service) {
	type fnRef struct{ CatalogId, DatabaseName, FunctionName string }
	s.Handle("CreateUserDefinedFunction", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId, DatabaseName string
		FunctionInput           *catalog.UserDefinedFunctionInput
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.FunctionInput == nil {
			return nil, invalid("FunctionInput is required.")
		}
		return nil, a.c.CreateUserDefinedFunction(ctx, cat, in.DatabaseName, *in.FunctionInput)
	}))
	s.Handle("GetUserDefinedFunction", awsjson.Op(func(ctx context.Context, in *fnRef) (*struct{ UserDefinedFunction wFunction }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		f, err := a.c.GetUserDefinedFunction(ctx, cat, in.DatabaseName, in.FunctionName)
		if err != nil {
			return nil, err
		}
		return &struct{ UserDefinedFunction wFunction }{function(f)}, nil
	}))
	type fnList struct {
		UserDefinedFunctions []wFunction
		NextToken            string `json:",omitempty"`
	}
	s.Handle("GetUserDefinedFunctions", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId, DatabaseName, Pattern string
		page
	}) (*fnList, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		fs, next, err := a.c.GetUserDefinedFunctions(ctx, cat, in.DatabaseName, in.Pattern, in.page.engine())
		if err != nil {
			return nil, err
		}
		out := &fnList{UserDefinedFunctions: []wFunction{}, NextToken: next}
		for _, f := range fs {
			out.UserDefinedFunctions = append(out.UserDefinedFunctions, function(f))
		}
		return out, nil
	}))
	s.Handle("UpdateUserDefinedFunction", awsjson.Op(func(ctx context.Context, in *struct {
		fnRef
		FunctionInput *catalog.UserDefinedFunctionInput
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.FunctionInput == nil {
			return nil, invalid("FunctionInput is required.")
		}
		return nil, a.c.UpdateUserDefinedFunction(ctx, cat, in.DatabaseName, in.FunctionName, *in.FunctionInput)
	}))
	s.Handle("DeleteUserDefinedFunction", awsjson.Op(func(ctx context.Context, in *fnRef) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		return nil, a.c.DeleteUserDefinedFunction(ctx, cat, in.DatabaseName, in.FunctionName)
	}))
}
