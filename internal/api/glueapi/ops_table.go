package glueapi

import (
	"context"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/catalog"
)

func (a *api) registerDatabases(s *awsjson.Service) {
	s.Handle("CreateDatabase", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId     string
		DatabaseInput *catalog.DatabaseInput
		Tags          map[string]string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.DatabaseInput == nil {
			return nil, invalid("DatabaseInput is required.")
		}
		if err := a.c.CreateDatabase(ctx, cat, *in.DatabaseInput); err != nil {
			return nil, err
		}
		if len(in.Tags) > 0 {
			return nil, a.c.TagResource(ctx, cat, a.c.ARN(cat, "database", in.DatabaseInput.Name), in.Tags)
		}
		return nil, nil
	}))
	s.Handle("GetDatabase", awsjson.Op(func(ctx context.Context, in *struct{ CatalogId, Name string }) (*struct{ Database wDatabase }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		db, err := a.c.GetDatabase(ctx, cat, in.Name)
		if err != nil {
			return nil, err
		}
		return &struct{ Database wDatabase }{database(db)}, nil
	}))
	type dbList struct {
		DatabaseList []wDatabase
		NextToken    string `json:",omitempty"`
	}
	s.Handle("GetDatabases", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId string
		page
	}) (*dbList, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		dbs, next, err := a.c.GetDatabases(ctx, cat, in.page.engine())
		if err != nil {
			return nil, err
		}
		out := &dbList{DatabaseList: []wDatabase{}, NextToken: next}
		for _, d := range dbs {
			out.DatabaseList = append(out.DatabaseList, database(d))
		}
		return out, nil
	}))
	s.Handle("UpdateDatabase", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId, Name string
		DatabaseInput   *catalog.DatabaseInput
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.DatabaseInput == nil {
			return nil, invalid("DatabaseInput is required.")
		}
		return nil, a.c.UpdateDatabase(ctx, cat, in.Name, *in.DatabaseInput)
	}))
	s.Handle("DeleteDatabase", awsjson.Op(func(ctx context.Context, in *struct{ CatalogId, Name string }) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		return nil, a.c.DeleteDatabase(ctx, cat, in.Name)
	}))
}

type tableRef struct {
	CatalogId, DatabaseName string
}

type tableErr struct {
	TableName   string      `json:",omitempty"`
	VersionId   string      `json:",omitempty"`
	ErrorDetail errorDetail `json:"ErrorDetail"`
}

func tableErrs(es []catalog.TableError) []tableErr {
	out := []tableErr{}
	for _, e := range es {
		out = append(out, tableErr{e.TableName, e.VersionId, errorDetail{e.Code, e.Msg}})
	}
	return out
}

type tableVersion struct {
	Table     wTable
	VersionId string
}

func (a *api) registerTables(s *awsjson.Service) {
	s.Handle("CreateTable", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		TableInput       *wTableInput
		PartitionIndexes []catalog.PartitionIndex
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.TableInput == nil {
			return nil, invalid("TableInput is required.")
		}
		return nil, a.c.CreateTable(ctx, cat, in.DatabaseName, in.TableInput.engine(), in.PartitionIndexes)
	}))
	s.Handle("GetTable", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		Name string
	}) (*struct{ Table wTable }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		t, err := a.c.GetTable(ctx, cat, in.DatabaseName, in.Name)
		if err != nil {
			return nil, err
		}
		return &struct{ Table wTable }{table(t)}, nil
	}))
	type tableList struct {
		TableList []wTable
		NextToken string `json:",omitempty"`
	}
	s.Handle("GetTables", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		Expression string
		page
	}) (*tableList, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		ts, next, err := a.c.GetTables(ctx, cat, in.DatabaseName, in.Expression, in.page.engine())
		if err != nil {
			return nil, err
		}
		return &tableList{tables(ts), next}, nil
	}))
	s.Handle("UpdateTable", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		TableInput  *wTableInput
		SkipArchive bool
		VersionId   string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.TableInput == nil {
			return nil, invalid("TableInput is required.")
		}
		return nil, a.c.UpdateTable(ctx, cat, in.DatabaseName, in.TableInput.engine(), catalog.UpdateOptions{SkipArchive: in.SkipArchive, VersionId: in.VersionId})
	}))
	s.Handle("DeleteTable", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		Name string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		return nil, a.c.DeleteTable(ctx, cat, in.DatabaseName, in.Name)
	}))
	s.Handle("BatchDeleteTable", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		TablesToDelete []string
	}) (*struct{ Errors []tableErr }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		es, err := a.c.BatchDeleteTable(ctx, cat, in.DatabaseName, in.TablesToDelete)
		if err != nil {
			return nil, err
		}
		return &struct{ Errors []tableErr }{tableErrs(es)}, nil
	}))
	s.Handle("GetTableVersion", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		TableName, VersionId string
	}) (*struct{ TableVersion tableVersion }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		v, err := a.c.GetTableVersion(ctx, cat, in.DatabaseName, in.TableName, in.VersionId)
		if err != nil {
			return nil, err
		}
		return &struct{ TableVersion tableVersion }{tableVersion{table(v.Table), v.VersionId}}, nil
	}))
	type versionList struct {
		TableVersions []tableVersion
		NextToken     string `json:",omitempty"`
	}
	s.Handle("GetTableVersions", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		TableName string
		page
	}) (*versionList, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		vs, next, err := a.c.GetTableVersions(ctx, cat, in.DatabaseName, in.TableName, in.page.engine())
		if err != nil {
			return nil, err
		}
		out := &versionList{TableVersions: []tableVersion{}, NextToken: next}
		for _, v := range vs {
			out.TableVersions = append(out.TableVersions, tableVersion{table(v.Table), v.VersionId})
		}
		return out, nil
	}))
	s.Handle("DeleteTableVersion", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		TableName, VersionId string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		return nil, a.c.DeleteTableVersion(ctx, cat, in.DatabaseName, in.TableName, in.VersionId)
	}))
	s.Handle("BatchDeleteTableVersion", awsjson.Op(func(ctx context.Context, in *struct {
		tableRef
		TableName  string
		VersionIds []string
	}) (*struct{ Errors []tableErr }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		es, err := a.c.BatchDeleteTableVersion(ctx, cat, in.DatabaseName, in.TableName, in.VersionIds)
		if err != nil {
			return nil, err
		}
		return &struct{ Errors []tableErr }{tableErrs(es)}, nil
	}))
	type searchOut struct {
		TableList []wTable
		NextToken string `json:",omitempty"`
	}
	s.Handle("SearchTables", awsjson.Op(func(ctx context.Context, in *struct {
		CatalogId    string
		SearchText   string
		Filters      []catalog.PropertyPredicate
		SortCriteria []catalog.SortCriterion
		page
	}) (*searchOut, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		ts, next, err := a.c.SearchTables(ctx, cat, catalog.SearchQuery{SearchText: in.SearchText, Filters: in.Filters,
			Sort: in.SortCriteria, Page: in.page.engine()})
		if err != nil {
			return nil, err
		}
		return &searchOut{tables(ts), next}, nil
	}))
}
