package glueapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

func TestColumnStatistics(t *testing.T) {
	s := servertest.Start(t)
	c := s.Glue()
	mkdb(t, c, "db")
	ok[*glue.CreateTableOutput](t)(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: tableInput("t", col("dt", "date"))}))
	pin := types.PartitionInput{Values: []string{"2020-01-01"}}
	ok[*glue.CreatePartitionOutput](t)(c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), PartitionInput: &pin}))
	at := time.Unix(1700000000, 0)
	stats := []types.ColumnStatistics{
		{ColumnName: aws.String("id"), ColumnType: aws.String("bigint"), AnalyzedTime: &at, StatisticsData: &types.ColumnStatisticsData{
			Type: types.ColumnStatisticsTypeLong, LongColumnStatisticsData: &types.LongColumnStatisticsData{MinimumValue: 1, MaximumValue: 99, NumberOfNulls: 0, NumberOfDistinctValues: 99}}},
		{ColumnName: aws.String("dt"), ColumnType: aws.String("date"), AnalyzedTime: &at, StatisticsData: &types.ColumnStatisticsData{
			Type: types.ColumnStatisticsTypeDate, DateColumnStatisticsData: &types.DateColumnStatisticsData{MinimumValue: &at, MaximumValue: &at, NumberOfNulls: 1, NumberOfDistinctValues: 1}}},
		{ColumnName: aws.String("nocol"), ColumnType: aws.String("string"), AnalyzedTime: &at, StatisticsData: &types.ColumnStatisticsData{
			Type: types.ColumnStatisticsTypeString, StringColumnStatisticsData: &types.StringColumnStatisticsData{MaximumLength: 3, AverageLength: 2, NumberOfNulls: 0, NumberOfDistinctValues: 3}}},
	}
	up := ok[*glue.UpdateColumnStatisticsForTableOutput](t)(c.UpdateColumnStatisticsForTable(ctx, &glue.UpdateColumnStatisticsForTableInput{
		DatabaseName: aws.String("db"), TableName: aws.String("t"), ColumnStatisticsList: stats}))
	if len(up.Errors) != 1 || *up.Errors[0].ColumnStatistics.ColumnName != "nocol" {
		t.Fatalf("update errors %+v", up.Errors)
	}
	g := ok[*glue.GetColumnStatisticsForTableOutput](t)(c.GetColumnStatisticsForTable(ctx, &glue.GetColumnStatisticsForTableInput{
		DatabaseName: aws.String("db"), TableName: aws.String("t"), ColumnNames: []string{"id", "dt", "name"}}))
	if len(g.ColumnStatisticsList) != 2 || len(g.Errors) != 1 || g.ColumnStatisticsList[0].StatisticsData.LongColumnStatisticsData.MaximumValue != 99 ||
		!g.ColumnStatisticsList[1].StatisticsData.DateColumnStatisticsData.MinimumValue.Equal(at) {
		t.Fatalf("get stats %+v errors %+v", g.ColumnStatisticsList, g.Errors)
	}
	ok[*glue.UpdateColumnStatisticsForPartitionOutput](t)(c.UpdateColumnStatisticsForPartition(ctx, &glue.UpdateColumnStatisticsForPartitionInput{
		DatabaseName: aws.String("db"), TableName: aws.String("t"), PartitionValues: []string{"2020-01-01"}, ColumnStatisticsList: stats[:1]}))
	gp := ok[*glue.GetColumnStatisticsForPartitionOutput](t)(c.GetColumnStatisticsForPartition(ctx, &glue.GetColumnStatisticsForPartitionInput{
		DatabaseName: aws.String("db"), TableName: aws.String("t"), PartitionValues: []string{"2020-01-01"}, ColumnNames: []string{"id"}}))
	if len(gp.ColumnStatisticsList) != 1 {
		t.Fatalf("partition stats %+v", gp)
	}
	_, err := c.UpdateColumnStatisticsForPartition(ctx, &glue.UpdateColumnStatisticsForPartitionInput{
		DatabaseName: aws.String("db"), TableName: aws.String("t"), PartitionValues: []string{"1999-01-01"}, ColumnStatisticsList: stats[:1]})
	wantErr(t, err, "EntityNotFoundException")
	ok[*glue.DeleteColumnStatisticsForPartitionOutput](t)(c.DeleteColumnStatisticsForPartition(ctx, &glue.DeleteColumnStatisticsForPartitionInput{
		DatabaseName: aws.String("db"), TableName: aws.String("t"), PartitionValues: []string{"2020-01-01"}, ColumnName: aws.String("id")}))
	ok[*glue.DeleteColumnStatisticsForTableOutput](t)(c.DeleteColumnStatisticsForTable(ctx, &glue.DeleteColumnStatisticsForTableInput{
		DatabaseName: aws.String("db"), TableName: aws.String("t"), ColumnName: aws.String("id")}))
	_, err = c.DeleteColumnStatisticsForTable(ctx, &glue.DeleteColumnStatisticsForTableInput{
		DatabaseName: aws.String("db"), TableName: aws.String("t"), ColumnName: aws.String("id")})
	wantErr(t, err, "EntityNotFoundException")
}

func TestConnectionsFunctionsTags(t *testing.T) {
	s := servertest.Start(t)
	c := s.Glue()
	mkdb(t, c, "db")
	for i := range 5 {
		ok[*glue.CreateConnectionOutput](t)(c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: &types.ConnectionInput{
			Name: aws.String(fmt.Sprintf("pg%d", i)), ConnectionType: types.ConnectionTypeJdbc,
			ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": "jdbc:postgresql://localhost/db", "USERNAME": "u", "PASSWORD": "secret"}}}))
	}
	_, err := c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: &types.ConnectionInput{Name: aws.String("pg0"),
		ConnectionType: types.ConnectionTypeJdbc, ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": "jdbc:x"}}})
	wantErr(t, err, "AlreadyExistsException")
	_, err = c.CreateConnection(ctx, &glue.CreateConnectionInput{ConnectionInput: &types.ConnectionInput{Name: aws.String("nourl"), ConnectionType: types.ConnectionTypeJdbc,
		ConnectionProperties: map[string]string{"USERNAME": "u"}}})
	wantErr(t, err, "InvalidInputException")
	conn := ok[*glue.GetConnectionOutput](t)(c.GetConnection(ctx, &glue.GetConnectionInput{Name: aws.String("PG1"), HidePassword: true})).Connection
	if conn.ConnectionProperties["USERNAME"] != "u" || conn.ConnectionProperties["PASSWORD"] != "" || conn.CreationTime == nil {
		t.Fatalf("connection %+v", conn)
	}
	var n int
	p := glue.NewGetConnectionsPaginator(c, &glue.GetConnectionsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		n += len(ok[*glue.GetConnectionsOutput](t)(p.NextPage(ctx)).ConnectionList)
	}
	if n != 5 {
		t.Fatalf("%d connections", n)
	}
	ok[*glue.UpdateConnectionOutput](t)(c.UpdateConnection(ctx, &glue.UpdateConnectionInput{Name: aws.String("pg1"), ConnectionInput: &types.ConnectionInput{
		Name: aws.String("pg1"), ConnectionType: types.ConnectionTypeJdbc, Description: aws.String("new"),
		ConnectionProperties: map[string]string{"JDBC_CONNECTION_URL": "jdbc:postgresql://h2/db"}}}))
	bd := ok[*glue.BatchDeleteConnectionOutput](t)(c.BatchDeleteConnection(ctx, &glue.BatchDeleteConnectionInput{ConnectionNameList: []string{"pg2", "ghost"}}))
	if len(bd.Succeeded) != 1 || bd.Errors["ghost"].ErrorCode == nil {
		t.Fatalf("batch delete connections %+v", bd)
	}
	ok[*glue.DeleteConnectionOutput](t)(c.DeleteConnection(ctx, &glue.DeleteConnectionInput{ConnectionName: aws.String("pg3")}))
	_, err = c.GetConnection(ctx, &glue.GetConnectionInput{Name: aws.String("pg3")})
	wantErr(t, err, "EntityNotFoundException")

	// User-defined functions.
	fn := &types.UserDefinedFunctionInput{FunctionName: aws.String("My_Upper"), ClassName: aws.String("com.example.Upper"), OwnerName: aws.String("me"),
		OwnerType: types.PrincipalTypeUser, ResourceUris: []types.ResourceUri{{ResourceType: types.ResourceTypeJar, Uri: aws.String("s3://b/u.jar")}}}
	ok[*glue.CreateUserDefinedFunctionOutput](t)(c.CreateUserDefinedFunction(ctx, &glue.CreateUserDefinedFunctionInput{DatabaseName: aws.String("db"), FunctionInput: fn}))
	_, err = c.CreateUserDefinedFunction(ctx, &glue.CreateUserDefinedFunctionInput{DatabaseName: aws.String("db"), FunctionInput: fn})
	wantErr(t, err, "AlreadyExistsException")
	_, err = c.CreateUserDefinedFunction(ctx, &glue.CreateUserDefinedFunctionInput{DatabaseName: aws.String("nodb"), FunctionInput: fn})
	wantErr(t, err, "EntityNotFoundException", "Database nodb not found.")
	f := ok[*glue.GetUserDefinedFunctionOutput](t)(c.GetUserDefinedFunction(ctx, &glue.GetUserDefinedFunctionInput{DatabaseName: aws.String("db"), FunctionName: aws.String("my_upper")})).UserDefinedFunction
	if *f.ClassName != "com.example.Upper" || f.CreateTime == nil || len(f.ResourceUris) != 1 {
		t.Fatalf("udf %+v", f)
	}
	fs := ok[*glue.GetUserDefinedFunctionsOutput](t)(c.GetUserDefinedFunctions(ctx, &glue.GetUserDefinedFunctionsInput{Pattern: aws.String("my*")}))
	if len(fs.UserDefinedFunctions) != 1 {
		t.Fatalf("udfs %+v", fs.UserDefinedFunctions)
	}
	fn.ClassName = aws.String("com.example.Upper2")
	ok[*glue.UpdateUserDefinedFunctionOutput](t)(c.UpdateUserDefinedFunction(ctx, &glue.UpdateUserDefinedFunctionInput{DatabaseName: aws.String("db"), FunctionName: aws.String("my_upper"), FunctionInput: fn}))

	// Tags by ARN.
	arn := "arn:aws:glue:us-east-1:000000000000:database/db"
	ok[*glue.TagResourceOutput](t)(c.TagResource(ctx, &glue.TagResourceInput{ResourceArn: aws.String(arn), TagsToAdd: map[string]string{"team": "data", "env": "dev"}}))
	ok[*glue.UntagResourceOutput](t)(c.UntagResource(ctx, &glue.UntagResourceInput{ResourceArn: aws.String(arn), TagsToRemove: []string{"env"}}))
	tags := ok[*glue.GetTagsOutput](t)(c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String(arn)})).Tags
	if len(tags) != 1 || tags["team"] != "data" {
		t.Fatalf("tags %v", tags)
	}
	_, err = c.GetTags(ctx, &glue.GetTagsInput{ResourceArn: aws.String("arn:aws:glue:us-east-1:000000000000:table/db/none")})
	wantErr(t, err, "EntityNotFoundException")
	_, err = c.TagResource(ctx, &glue.TagResourceInput{ResourceArn: aws.String("not-an-arn"), TagsToAdd: map[string]string{"a": "b"}})
	wantErr(t, err, "InvalidInputException")

	ok[*glue.DeleteUserDefinedFunctionOutput](t)(c.DeleteUserDefinedFunction(ctx, &glue.DeleteUserDefinedFunctionInput{DatabaseName: aws.String("db"), FunctionName: aws.String("my_upper")}))
	_, err = c.GetUserDefinedFunction(ctx, &glue.GetUserDefinedFunctionInput{DatabaseName: aws.String("db"), FunctionName: aws.String("my_upper")})
	wantErr(t, err, "EntityNotFoundException")
}

func TestRestartKeepsCatalog(t *testing.T) {
	s := servertest.Start(t)
	c := s.Glue()
	mkdb(t, c, "db")
	ok[*glue.CreateTableOutput](t)(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"), TableInput: tableInput("t", col("k", "string"))}))
	pin := types.PartitionInput{Values: []string{"a"}}
	ok[*glue.CreatePartitionOutput](t)(c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: aws.String("db"), TableName: aws.String("t"), PartitionInput: &pin}))
	ok[*glue.UpdateTableOutput](t)(c.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String("db"), TableInput: tableInput("t", col("k", "string"))}))
	s.Stop(t)
	s2 := servertest.StartConfig(t, s.Config)
	c2 := s2.Glue()
	tb := ok[*glue.GetTableOutput](t)(c2.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("t")})).Table
	if aws.ToString(tb.VersionId) != "1" {
		t.Fatalf("table after restart %+v", tb)
	}
	ps := ok[*glue.GetPartitionsOutput](t)(c2.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("t")}))
	if len(ps.Partitions) != 1 || ps.Partitions[0].Values[0] != "a" {
		t.Fatalf("partitions after restart %+v", ps.Partitions)
	}
}
