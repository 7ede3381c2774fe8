package glueapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

var ctx = context.Background()

func wantErr(t *testing.T, err error, code string, msgPart ...string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	for _, p := range msgPart {
		if !strings.Contains(ae.ErrorMessage(), p) {
			t.Fatalf("%s message %q lacks %q", code, ae.ErrorMessage(), p)
		}
	}
}

func ok[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func mkdb(t *testing.T, c *glue.Client, name string) {
	t.Helper()
	ok[*glue.CreateDatabaseOutput](t)(c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{
		Name: aws.String(name), LocationUri: aws.String("s3://b/" + name), Parameters: map[string]string{"k": "v"}}}))
}

func tableInput(name string, keys ...types.Column) *types.TableInput {
	return &types.TableInput{Name: aws.String(name), TableType: aws.String("EXTERNAL_TABLE"), Owner: aws.String("hadoop"),
		Parameters: map[string]string{"classification": "parquet"}, PartitionKeys: keys,
		StorageDescriptor: &types.StorageDescriptor{
			Columns:      []types.Column{{Name: aws.String("id"), Type: aws.String("bigint"), Comment: aws.String("the id")}, {Name: aws.String("name"), Type: aws.String("string")}},
			Location:     aws.String("s3://b/" + name),
			InputFormat:  aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"),
			OutputFormat: aws.String("org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"),
			SerdeInfo: &types.SerDeInfo{SerializationLibrary: aws.String("org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"),
				Parameters: map[string]string{"serialization.format": "1"}},
			BucketColumns: []string{"id"}, NumberOfBuckets: 4, SortColumns: []types.Order{{Column: aws.String("id"), SortOrder: 1}},
			SkewedInfo:             &types.SkewedInfo{SkewedColumnNames: []string{"name"}, SkewedColumnValues: []string{"x"}},
			StoredAsSubDirectories: false, Parameters: map[string]string{"sd": "1"},
		}}
}

func col(name, typ string) types.Column {
	return types.Column{Name: aws.String(name), Type: aws.String(typ)}
}

func TestDatabases(t *testing.T) {
	s := servertest.Start(t)
	c := s.Glue()
	mkdb(t, c, "Sales")
	_, err := c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("sales")}})
	wantErr(t, err, "AlreadyExistsException", "sales")
	_, err = c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String(strings.Repeat("x", 256))}})
	wantErr(t, err, "InvalidInputException")
	_, err = c.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &types.DatabaseInput{Name: aws.String("bad\nname")}})
	wantErr(t, err, "InvalidInputException")
	db := ok[*glue.GetDatabaseOutput](t)(c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("SALES")})).Database
	if *db.Name != "sales" || *db.LocationUri != "s3://b/Sales" || db.Parameters["k"] != "v" || db.CreateTime == nil ||
		time.Since(*db.CreateTime) > time.Minute || *db.CatalogId != "000000000000" || len(db.CreateTableDefaultPermissions) != 1 {
		t.Fatalf("database %+v", db)
	}
	_, err = c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("nope")})
	wantErr(t, err, "EntityNotFoundException", "Database nope not found.")
	_, err = c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("x"), CatalogId: aws.String("111111111111")})
	wantErr(t, err, "AccessDeniedException")
	ok[*glue.UpdateDatabaseOutput](t)(c.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{Name: aws.String("sales"),
		DatabaseInput: &types.DatabaseInput{Name: aws.String("sales"), Description: aws.String("d2")}}))
	db = ok[*glue.GetDatabaseOutput](t)(c.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("sales")})).Database
	if aws.ToString(db.Description) != "d2" || db.LocationUri != nil {
		t.Fatalf("updated %+v", db)
	}
	for i := range 7 {
		mkdb(t, c, fmt.Sprintf("db%d", i))
	}
	var names []string
	p := glue.NewGetDatabasesPaginator(c, &glue.GetDatabasesInput{MaxResults: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		out := ok[*glue.GetDatabasesOutput](t)(p.NextPage(ctx))
		pages++
		for _, d := range out.DatabaseList {
			names = append(names, *d.Name)
		}
	}
	if len(names) != 8 || pages != 3 || names[7] != "sales" {
		t.Fatalf("paged databases %v in %d pages", names, pages)
	}
	_, err = c.GetDatabases(ctx, &glue.GetDatabasesInput{NextToken: aws.String("garbage!")})
	wantErr(t, err, "InvalidInputException")
	ok[*glue.DeleteDatabaseOutput](t)(c.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String("db0")}))
	_, err = c.DeleteDatabase(ctx, &glue.DeleteDatabaseInput{Name: aws.String("db0")})
	wantErr(t, err, "EntityNotFoundException")
}

func TestTablesAndVersions(t *testing.T) {
	s := servertest.Start(t)
	c := s.Glue()
	mkdb(t, c, "db")
	_, err := c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("nodb"), TableInput: tableInput("t")})
	wantErr(t, err, "EntityNotFoundException", "Database nodb not found.")
	ok[*glue.CreateTableOutput](t)(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"),
		TableInput: tableInput("Events", col("dt", "string"))}))
	_, err = c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: tableInput("events")})
	wantErr(t, err, "AlreadyExistsException")
	bad := tableInput("bad", col("id", "int"))
	_, err = c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: bad})
	wantErr(t, err, "InvalidInputException")
	tb := ok[*glue.GetTableOutput](t)(c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("DB"), Name: aws.String("EVENTS")})).Table
	sd := tb.StorageDescriptor
	if *tb.Name != "events" || *tb.DatabaseName != "db" || *tb.TableType != "EXTERNAL_TABLE" || *tb.Owner != "hadoop" ||
		len(sd.Columns) != 2 || *sd.Columns[0].Comment != "the id" || *sd.SerdeInfo.SerializationLibrary == "" || sd.NumberOfBuckets != 4 ||
		sd.SortColumns[0].SortOrder != 1 || sd.SkewedInfo.SkewedColumnNames[0] != "name" || len(tb.PartitionKeys) != 1 ||
		tb.CreateTime == nil || tb.UpdateTime == nil || aws.ToString(tb.VersionId) != "0" || tb.IsRegisteredWithLakeFormation {
		t.Fatalf("table %+v sd %+v", tb, sd)
	}
	_, err = c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("nope")})
	wantErr(t, err, "EntityNotFoundException", "Table nope not found.")

	// Iceberg GlueCatalog commit protocol: UpdateTable with VersionId.
	in := tableInput("events", col("dt", "string"))
	in.Parameters = map[string]string{"table_type": "ICEBERG", "metadata_location": "s3://m/1.json", "previous_metadata_location": "s3://m/0.json"}
	ok[*glue.UpdateTableOutput](t)(c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("db"), TableInput: in, VersionId: aws.String("0")}))
	_, err = c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("db"), TableInput: in, VersionId: aws.String("0")})
	wantErr(t, err, "ConcurrentModificationException")
	tb = ok[*glue.GetTableOutput](t)(c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("events")})).Table
	if aws.ToString(tb.VersionId) != "1" || tb.Parameters["metadata_location"] != "s3://m/1.json" {
		t.Fatalf("after update %+v", tb)
	}
	ok[*glue.UpdateTableOutput](t)(c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("db"), TableInput: in}))
	ok[*glue.UpdateTableOutput](t)(c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("db"), TableInput: in, SkipArchive: aws.Bool(true)}))
	vs := ok[*glue.GetTableVersionsOutput](t)(c.GetTableVersions(ctx, &glue.GetTableVersionsInput{DatabaseName: aws.String("db"), TableName: aws.String("events")}))
	var ids []string
	for _, v := range vs.TableVersions {
		ids = append(ids, *v.VersionId)
	}
	if strings.Join(ids, ",") != "3,1,0" {
		t.Fatalf("versions %v", ids)
	}
	v0 := ok[*glue.GetTableVersionOutput](t)(c.GetTableVersion(ctx, &glue.GetTableVersionInput{DatabaseName: aws.String("db"), TableName: aws.String("events"), VersionId: aws.String("0")}))
	if v0.TableVersion.Table.Parameters["classification"] != "parquet" {
		t.Fatalf("version 0 %+v", v0.TableVersion.Table)
	}
	_, err = c.GetTableVersion(ctx, &glue.GetTableVersionInput{DatabaseName: aws.String("db"), TableName: aws.String("events"), VersionId: aws.String("2")})
	wantErr(t, err, "EntityNotFoundException")
	ok[*glue.DeleteTableVersionOutput](t)(c.DeleteTableVersion(ctx, &glue.DeleteTableVersionInput{DatabaseName: aws.String("db"), TableName: aws.String("events"), VersionId: aws.String("0")}))
	bd := ok[*glue.BatchDeleteTableVersionOutput](t)(c.BatchDeleteTableVersion(ctx, &glue.BatchDeleteTableVersionInput{DatabaseName: aws.String("db"),
		TableName: aws.String("events"), VersionIds: []string{"1", "3", "9"}}))
	if len(bd.Errors) != 2 || *bd.Errors[0].VersionId != "3" || *bd.Errors[0].ErrorDetail.ErrorCode != "InvalidInputException" ||
		*bd.Errors[1].ErrorDetail.ErrorCode != "EntityNotFoundException" {
		t.Fatalf("batch delete versions %+v", bd.Errors)
	}

	// GetTables: Hive-style and regex patterns, pagination.
	for _, n := range []string{"sales_2020", "sales_2021", "orders", "customer_link"} {
		ok[*glue.CreateTableOutput](t)(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: tableInput(n)}))
	}
	for expr, want := range map[string]int{"": 5, "sales*": 2, ".*": 5, "sales_.*|orders": 3, "ORDERS": 1, "x*": 0} {
		var got int
		p := glue.NewGetTablesPaginator(c, &glue.GetTablesInput{DatabaseName: aws.String("db"), Expression: aws.String(expr), MaxResults: aws.Int32(2)})
		for p.HasMorePages() {
			got += len(ok[*glue.GetTablesOutput](t)(p.NextPage(ctx)).TableList)
		}
		if got != want {
			t.Errorf("GetTables %q: %d tables, want %d", expr, got, want)
		}
	}
	_, err = c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("db"), Expression: aws.String("((")})
	wantErr(t, err, "InvalidInputException")

	st := ok[*glue.SearchTablesOutput](t)(c.SearchTables(ctx, &glue.SearchTablesInput{SearchText: aws.String("sales")}))
	if len(st.TableList) != 2 {
		t.Fatalf("search sales: %d", len(st.TableList))
	}
	st = ok[*glue.SearchTablesOutput](t)(c.SearchTables(ctx, &glue.SearchTablesInput{Filters: []types.PropertyPredicate{{Key: aws.String("Name"), Value: aws.String("link")}}}))
	if len(st.TableList) != 1 || *st.TableList[0].Name != "customer_link" {
		t.Fatalf("search by name token: %+v", st.TableList)
	}
	st = ok[*glue.SearchTablesOutput](t)(c.SearchTables(ctx, &glue.SearchTablesInput{SearchText: aws.String("id"), MaxResults: aws.Int32(2),
		SortCriteria: []types.SortCriterion{{FieldName: aws.String("Name"), Sort: types.SortDescending}}}))
	if len(st.TableList) != 2 || *st.TableList[0].Name != "sales_2021" || st.NextToken == nil {
		t.Fatalf("search sorted page %+v", st)
	}

	bdt := ok[*glue.BatchDeleteTableOutput](t)(c.BatchDeleteTable(ctx, &glue.BatchDeleteTableInput{DatabaseName: aws.String("db"), TablesToDelete: []string{"orders", "ghost"}}))
	if len(bdt.Errors) != 1 || *bdt.Errors[0].TableName != "ghost" {
		t.Fatalf("batch delete tables %+v", bdt.Errors)
	}
	ok[*glue.DeleteTableOutput](t)(c.DeleteTable(ctx, &glue.DeleteTableInput{DatabaseName: aws.String("db"), Name: aws.String("events")}))
	_, err = c.GetTableVersions(ctx, &glue.GetTableVersionsInput{DatabaseName: aws.String("db"), TableName: aws.String("events")})
	wantErr(t, err, "EntityNotFoundException")
}
