package glueapi_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

func upload(t *testing.T, c *s3.Client, bucket string, files map[string]string) {
	t.Helper()
	for k, v := range files {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader([]byte(v))}); err != nil {
			t.Fatal(err)
		}
	}
}

func mkbucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
}

func waitReady(t *testing.T, c *glue.Client, name string) *types.Crawler {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		cr := ok[*glue.GetCrawlerOutput](t)(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String(name)})).Crawler
		if cr.State == types.CrawlerStateReady && cr.LastCrawl != nil {
			return cr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("crawler %s did not finish", name)
	return nil
}

func s3Crawler(name, db, path string) *glue.CreateCrawlerInput {
	return &glue.CreateCrawlerInput{Name: aws.String(name), Role: aws.String("arn:aws:iam::000000000000:role/glue"),
		DatabaseName: aws.String(db), Targets: &types.CrawlerTargets{S3Targets: []types.S3Target{{Path: aws.String(path)}}}}
}

func TestCrawlerRunCreatesTables(t *testing.T) {
	s := servertest.Start(t)
	c, s3c := s.Glue(), s.S3()
	mkbucket(t, s3c, "data")
	files := map[string]string{}
	for _, y := range []string{"2023", "2024"} {
		for _, m := range []string{"01", "02", "03"} {
			files[fmt.Sprintf("sales/year=%s/month=%s/part-0.csv", y, m)] = "id,item,amount\n1,apple,2.5\n2,pear,3\n"
		}
	}
	upload(t, s3c, "data", files)
	ok[*glue.CreateCrawlerOutput](t)(c.CreateCrawler(ctx, s3Crawler("sales", "lake", "s3://data/sales/")))
	cr := ok[*glue.GetCrawlerOutput](t)(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("sales")})).Crawler
	if cr.State != types.CrawlerStateReady || cr.CreationTime == nil || cr.Version != 1 || cr.SchemaChangePolicy.UpdateBehavior != types.UpdateBehaviorUpdateInDatabase ||
		cr.SchemaChangePolicy.DeleteBehavior != types.DeleteBehaviorDeprecateInDatabase || cr.RecrawlPolicy.RecrawlBehavior != types.RecrawlBehaviorCrawlEverything {
		t.Fatalf("crawler %+v", cr)
	}
	ok[*glue.StartCrawlerOutput](t)(c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("sales")}))
	cr = waitReady(t, c, "sales")
	if cr.LastCrawl.Status != types.LastCrawlStatusSucceeded || cr.LastCrawl.StartTime == nil || aws.ToString(cr.LastCrawl.MessagePrefix) == "" {
		t.Fatalf("last crawl %+v", cr.LastCrawl)
	}
	tbl := ok[*glue.GetTableOutput](t)(c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("lake"), Name: aws.String("sales")})).Table
	sd := tbl.StorageDescriptor
	if aws.ToString(sd.Location) != "s3://data/sales/" || len(sd.Columns) != 3 || aws.ToString(sd.Columns[2].Type) != "double" ||
		len(tbl.PartitionKeys) != 2 || aws.ToString(tbl.PartitionKeys[0].Name) != "year" || tbl.Parameters["classification"] != "csv" ||
		tbl.Parameters["recordCount"] != "12" || tbl.Parameters["objectCount"] != "6" || tbl.Parameters["UPDATED_BY_CRAWLER"] != "sales" ||
		tbl.Parameters["skip.header.line.count"] != "1" || aws.ToString(sd.SerdeInfo.SerializationLibrary) != "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe" {
		t.Fatalf("table %+v / %+v", tbl, sd)
	}
	tables := ok[*glue.GetTablesOutput](t)(c.GetTables(ctx, &glue.GetTablesInput{DatabaseName: aws.String("lake")})).TableList
	if len(tables) != 1 {
		t.Fatalf("tables %d", len(tables))
	}
	parts := ok[*glue.GetPartitionsOutput](t)(c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("lake"),
		TableName: aws.String("sales"), Expression: aws.String("year = '2024' AND month IN ('01','03')")})).Partitions
	if len(parts) != 2 || parts[0].Values[1] != "01" || aws.ToString(parts[1].StorageDescriptor.Location) != "s3://data/sales/year=2024/month=03/" {
		t.Fatalf("partitions %+v", parts)
	}
	idx := ok[*glue.GetPartitionIndexesOutput](t)(c.GetPartitionIndexes(ctx, &glue.GetPartitionIndexesInput{DatabaseName: aws.String("lake"), TableName: aws.String("sales")}))
	if len(idx.PartitionIndexDescriptorList) != 1 {
		t.Fatalf("indexes %+v", idx)
	}
	m := ok[*glue.GetCrawlerMetricsOutput](t)(c.GetCrawlerMetrics(ctx, &glue.GetCrawlerMetricsInput{CrawlerNameList: []string{"sales"}})).CrawlerMetricsList
	if len(m) != 1 || m[0].TablesCreated != 1 || m[0].LastRuntimeSeconds <= 0 || m[0].MedianRuntimeSeconds <= 0 {
		t.Fatalf("metrics %+v", m)
	}
	crawls := ok[*glue.ListCrawlsOutput](t)(c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String("sales")})).Crawls
	if len(crawls) != 1 || crawls[0].State != types.CrawlerHistoryStateCompleted || crawls[0].EndTime == nil || !strings.Contains(aws.ToString(crawls[0].Summary), "ADD") {
		t.Fatalf("crawls %+v", crawls)
	}
	filtered := ok[*glue.ListCrawlsOutput](t)(c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String("sales"),
		Filters: []types.CrawlsFilter{{FieldName: types.FieldNameState, FilterOperator: types.FilterOperatorEq, FieldValue: aws.String("FAILED")}}})).Crawls
	if len(filtered) != 0 {
		t.Fatalf("filtered %+v", filtered)
	}
	_, err := c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String("sales"),
		Filters: []types.CrawlsFilter{{FieldName: types.FieldNameState, FilterOperator: "ABOUT", FieldValue: aws.String("x")}}})
	wantErr(t, err, "InvalidInputException")
	_, err = c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String("nope")})
	wantErr(t, err, "EntityNotFoundException")

	// A second run over unchanged data changes nothing.
	ok[*glue.StartCrawlerOutput](t)(c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("sales")}))
	waitReady(t, c, "sales")
	m = ok[*glue.GetCrawlerMetricsOutput](t)(c.GetCrawlerMetrics(ctx, &glue.GetCrawlerMetricsInput{})).CrawlerMetricsList
	if len(m) != 1 || m[0].TablesCreated != 0 || m[0].TablesUpdated != 0 {
		t.Fatalf("metrics after recrawl %+v", m)
	}
}

func TestCrawlerCRUDAndErrors(t *testing.T) {
	s := servertest.Start(t)
	c := s.Glue()
	in := s3Crawler("c1", "db", "s3://b/p/")
	in.Schedule = aws.String("cron(15 12 * * ? *)")
	in.Tags = map[string]string{"team": "data"}
	in.Configuration = aws.String(`{"Version":1.0,"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}}}`)
	ok[*glue.CreateCrawlerOutput](t)(c.CreateCrawler(ctx, in))
	_, err := c.CreateCrawler(ctx, in)
	wantErr(t, err, "AlreadyExistsException")
	for name, bad := range map[string]func(*glue.CreateCrawlerInput){
		"schedule":     func(i *glue.CreateCrawlerInput) { i.Schedule = aws.String("cron(0 12 * * * *)") },
		"too frequent": func(i *glue.CreateCrawlerInput) { i.Schedule = aws.String("cron(* * * * ? *)") },
		"path":         func(i *glue.CreateCrawlerInput) { i.Targets.S3Targets[0].Path = aws.String("http://x") },
		"sample":       func(i *glue.CreateCrawlerInput) { i.Targets.S3Targets[0].SampleSize = aws.Int32(250) },
		"config":       func(i *glue.CreateCrawlerInput) { i.Configuration = aws.String(`{"Version":2.0}`) },
		"config json":  func(i *glue.CreateCrawlerInput) { i.Configuration = aws.String(`{`) },
		"no targets":   func(i *glue.CreateCrawlerInput) { i.Targets = &types.CrawlerTargets{} },
		"classifier":   func(i *glue.CreateCrawlerInput) { i.Classifiers = []string{"nope"} },
		"update enum": func(i *glue.CreateCrawlerInput) {
			i.SchemaChangePolicy = &types.SchemaChangePolicy{UpdateBehavior: "SOMETIMES"}
		},
		"new folders": func(i *glue.CreateCrawlerInput) {
			i.RecrawlPolicy = &types.RecrawlPolicy{RecrawlBehavior: types.RecrawlBehaviorCrawlNewFoldersOnly}
		},
		"dynamo": func(i *glue.CreateCrawlerInput) {
			i.Targets.DynamoDBTargets = []types.DynamoDBTarget{{Path: aws.String("t")}}
		},
		"catalog delete": func(i *glue.CreateCrawlerInput) {
			i.Targets = &types.CrawlerTargets{CatalogTargets: []types.CatalogTarget{{DatabaseName: aws.String("d"), Tables: []string{"t"}}}}
		},
	} {
		in := s3Crawler("bad-"+strings.ReplaceAll(name, " ", "-"), "db", "s3://b/p/")
		bad(in)
		_, err := c.CreateCrawler(ctx, in)
		if name == "classifier" {
			wantErr(t, err, "EntityNotFoundException")
		} else {
			wantErr(t, err, "InvalidInputException")
		}
	}
	cr := ok[*glue.GetCrawlerOutput](t)(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("c1")})).Crawler
	if cr.Schedule == nil || cr.Schedule.State != types.ScheduleStateScheduled || aws.ToString(cr.Schedule.ScheduleExpression) != "cron(15 12 * * ? *)" {
		t.Fatalf("schedule %+v", cr.Schedule)
	}
	_, err = c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("nope")})
	wantErr(t, err, "EntityNotFoundException")
	ok[*glue.UpdateCrawlerOutput](t)(c.UpdateCrawler(ctx, &glue.UpdateCrawlerInput{Name: aws.String("c1"), Description: aws.String("d"), TablePrefix: aws.String("p_")}))
	cr = ok[*glue.GetCrawlerOutput](t)(c.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String("c1")})).Crawler
	if cr.Version != 2 || aws.ToString(cr.Description) != "d" || aws.ToString(cr.TablePrefix) != "p_" || aws.ToString(cr.Role) == "" || len(cr.Targets.S3Targets) != 1 {
		t.Fatalf("updated %+v", cr)
	}
	_, err = c.UpdateCrawler(ctx, &glue.UpdateCrawlerInput{Name: aws.String("nope"), Description: aws.String("d")})
	wantErr(t, err, "EntityNotFoundException")
	// Schedules.
	_, err = c.StartCrawlerSchedule(ctx, &glue.StartCrawlerScheduleInput{CrawlerName: aws.String("c1")})
	wantErr(t, err, "SchedulerRunningException")
	ok[*glue.StopCrawlerScheduleOutput](t)(c.StopCrawlerSchedule(ctx, &glue.StopCrawlerScheduleInput{CrawlerName: aws.String("c1")}))
	_, err = c.StopCrawlerSchedule(ctx, &glue.StopCrawlerScheduleInput{CrawlerName: aws.String("c1")})
	wantErr(t, err, "SchedulerNotRunningException")
	ok[*glue.UpdateCrawlerScheduleOutput](t)(c.UpdateCrawlerSchedule(ctx, &glue.UpdateCrawlerScheduleInput{CrawlerName: aws.String("c1"), Schedule: aws.String("cron(0/10 8-17 ? * MON-FRI *)")}))
	_, err = c.UpdateCrawlerSchedule(ctx, &glue.UpdateCrawlerScheduleInput{CrawlerName: aws.String("c1"), Schedule: aws.String("rate(5 minutes)")})
	wantErr(t, err, "InvalidInputException")
	ok[*glue.StartCrawlerScheduleOutput](t)(c.StartCrawlerSchedule(ctx, &glue.StartCrawlerScheduleInput{CrawlerName: aws.String("c1")}))
	ok[*glue.CreateCrawlerOutput](t)(c.CreateCrawler(ctx, s3Crawler("c2", "db", "s3://b/q/")))
	_, err = c.StartCrawlerSchedule(ctx, &glue.StartCrawlerScheduleInput{CrawlerName: aws.String("c2")})
	wantErr(t, err, "NoScheduleException")
	_, err = c.StopCrawler(ctx, &glue.StopCrawlerInput{Name: aws.String("c2")})
	wantErr(t, err, "CrawlerNotRunningException")
	// Listing.
	names := ok[*glue.ListCrawlersOutput](t)(c.ListCrawlers(ctx, &glue.ListCrawlersInput{})).CrawlerNames
	if strings.Join(names, ",") != "c1,c2" {
		t.Fatalf("names %v", names)
	}
	names = ok[*glue.ListCrawlersOutput](t)(c.ListCrawlers(ctx, &glue.ListCrawlersInput{Tags: map[string]string{"team": "data"}})).CrawlerNames
	if strings.Join(names, ",") != "c1" {
		t.Fatalf("tagged names %v", names)
	}
	page1 := ok[*glue.GetCrawlersOutput](t)(c.GetCrawlers(ctx, &glue.GetCrawlersInput{MaxResults: aws.Int32(1)}))
	page2 := ok[*glue.GetCrawlersOutput](t)(c.GetCrawlers(ctx, &glue.GetCrawlersInput{MaxResults: aws.Int32(1), NextToken: page1.NextToken}))
	if len(page1.Crawlers) != 1 || len(page2.Crawlers) != 1 || *page2.Crawlers[0].Name != "c2" || page2.NextToken != nil {
		t.Fatalf("pages %+v %+v", page1, page2)
	}
	bg := ok[*glue.BatchGetCrawlersOutput](t)(c.BatchGetCrawlers(ctx, &glue.BatchGetCrawlersInput{CrawlerNames: []string{"c1", "zz"}}))
	if len(bg.Crawlers) != 1 || len(bg.CrawlersNotFound) != 1 || bg.CrawlersNotFound[0] != "zz" {
		t.Fatalf("batch %+v", bg)
	}
	ok[*glue.DeleteCrawlerOutput](t)(c.DeleteCrawler(ctx, &glue.DeleteCrawlerInput{Name: aws.String("c2")}))
	_, err = c.DeleteCrawler(ctx, &glue.DeleteCrawlerInput{Name: aws.String("c2")})
	wantErr(t, err, "EntityNotFoundException")
}

func TestCrawlerStopMidRun(t *testing.T) {
	s := servertest.Start(t)
	c, s3c := s.Glue(), s.S3()
	mkbucket(t, s3c, "big")
	files := map[string]string{}
	for i := range 300 {
		files[fmt.Sprintf("t/p=%03d/a.json", i)] = `{"a": 1, "b": "x"}` + "\n"
	}
	upload(t, s3c, "big", files)
	ok[*glue.CreateCrawlerOutput](t)(c.CreateCrawler(ctx, s3Crawler("big", "db", "s3://big/t/")))
	ok[*glue.StartCrawlerOutput](t)(c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("big")}))
	_, err := c.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String("big")})
	wantErr(t, err, "CrawlerRunningException")
	_, err = c.DeleteCrawler(ctx, &glue.DeleteCrawlerInput{Name: aws.String("big")})
	wantErr(t, err, "CrawlerRunningException")
	_, err = c.UpdateCrawler(ctx, &glue.UpdateCrawlerInput{Name: aws.String("big"), Description: aws.String("x")})
	wantErr(t, err, "CrawlerRunningException")
	ok[*glue.StopCrawlerOutput](t)(c.StopCrawler(ctx, &glue.StopCrawlerInput{Name: aws.String("big")}))
	_, err = c.StopCrawler(ctx, &glue.StopCrawlerInput{Name: aws.String("big")})
	var ae smithy.APIError
	if err != nil && (!errors.As(err, &ae) || ae.ErrorCode() != "CrawlerStoppingException" && ae.ErrorCode() != "CrawlerNotRunningException") {
		t.Fatalf("second stop: %v", err) // stopping, or already stopped
	}
	cr := waitReady(t, c, "big")
	crawls := ok[*glue.ListCrawlsOutput](t)(c.ListCrawls(ctx, &glue.ListCrawlsInput{CrawlerName: aws.String("big")})).Crawls
	if len(crawls) != 1 {
		t.Fatalf("crawls %+v", crawls)
	}
	_, terr := c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("t")})
	switch {
	case cr.LastCrawl.Status == types.LastCrawlStatusCancelled:
		// Stopped before its write phase: nothing written.
		if crawls[0].State != types.CrawlerHistoryStateStopped || terr == nil {
			t.Fatalf("cancelled crawl: state %s, table err %v", crawls[0].State, terr)
		}
	case cr.LastCrawl.Status == types.LastCrawlStatusSucceeded:
		// The stop came during the write phase, which always completes:
		// the whole table is there, never half of it.
		if terr != nil {
			t.Fatal(terr)
		}
		parts := ok[*glue.GetPartitionsOutput](t)(c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("db"),
			TableName: aws.String("t"), MaxResults: aws.Int32(1000)})).Partitions
		if len(parts) != 300 {
			t.Fatalf("a crawl stopped in its write phase left %d of 300 partitions", len(parts))
		}
	default:
		t.Fatalf("last crawl %+v", cr.LastCrawl)
	}
}

func TestCrawlerScheduleFires(t *testing.T) {
	s := servertest.Start(t, func(c *config.Config) { c.CrawlerScheduleMinute = 20 * time.Millisecond })
	c, s3c := s.Glue(), s.S3()
	mkbucket(t, s3c, "sch")
	upload(t, s3c, "sch", map[string]string{"t/a.csv": "id,name\n1,a\n2,b\n"})
	in := s3Crawler("sched", "db", "s3://sch/t/")
	in.Schedule = aws.String("cron(0/5 * * * ? *)") // every 5 schedule minutes = 100 ms
	ok[*glue.CreateCrawlerOutput](t)(c.CreateCrawler(ctx, in))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := c.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("db"), Name: aws.String("t")}); err == nil {
			ok[*glue.StopCrawlerScheduleOutput](t)(c.StopCrawlerSchedule(ctx, &glue.StopCrawlerScheduleInput{CrawlerName: aws.String("sched")}))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the schedule never ran the crawler")
}

func TestClassifiers(t *testing.T) {
	s := servertest.Start(t)
	c := s.Glue()
	ok[*glue.CreateClassifierOutput](t)(c.CreateClassifier(ctx, &glue.CreateClassifierInput{GrokClassifier: &types.CreateGrokClassifierRequest{
		Name: aws.String("g"), Classification: aws.String("applog"), GrokPattern: aws.String("%{WORD:w} %{INT:n:int}")}}))
	ok[*glue.CreateClassifierOutput](t)(c.CreateClassifier(ctx, &glue.CreateClassifierInput{CsvClassifier: &types.CreateCsvClassifierRequest{
		Name: aws.String("csv"), Delimiter: aws.String("|"), ContainsHeader: types.CsvHeaderOptionPresent, Header: []string{"a", "b"},
		CustomDatatypeConfigured: aws.Bool(true), CustomDatatypes: []string{"DATE"}}}))
	ok[*glue.CreateClassifierOutput](t)(c.CreateClassifier(ctx, &glue.CreateClassifierInput{XMLClassifier: &types.CreateXMLClassifierRequest{
		Name: aws.String("x"), Classification: aws.String("xml"), RowTag: aws.String("row")}}))
	ok[*glue.CreateClassifierOutput](t)(c.CreateClassifier(ctx, &glue.CreateClassifierInput{JsonClassifier: &types.CreateJsonClassifierRequest{
		Name: aws.String("j"), JsonPath: aws.String("$.records[*]")}}))
	_, err := c.CreateClassifier(ctx, &glue.CreateClassifierInput{JsonClassifier: &types.CreateJsonClassifierRequest{Name: aws.String("j"), JsonPath: aws.String("$")}})
	wantErr(t, err, "AlreadyExistsException")
	for _, bad := range []*glue.CreateClassifierInput{
		{JsonClassifier: &types.CreateJsonClassifierRequest{Name: aws.String("j2"), JsonPath: aws.String("records")}},
		{GrokClassifier: &types.CreateGrokClassifierRequest{Name: aws.String("g2"), Classification: aws.String("x"), GrokPattern: aws.String("%{NOPE}")}},
		{CsvClassifier: &types.CreateCsvClassifierRequest{Name: aws.String("c2"), Delimiter: aws.String(",,")}},
		{CsvClassifier: &types.CreateCsvClassifierRequest{Name: aws.String("c3"), Delimiter: aws.String(","), QuoteSymbol: aws.String(",")}},
		{CsvClassifier: &types.CreateCsvClassifierRequest{Name: aws.String("c4"), CustomDatatypes: []string{"UUID"}}},
		{XMLClassifier: &types.CreateXMLClassifierRequest{Name: aws.String("x2"), Classification: aws.String("xml"), RowTag: aws.String("<row>")}},
		{},
	} {
		_, err := c.CreateClassifier(ctx, bad)
		wantErr(t, err, "InvalidInputException")
	}
	g := ok[*glue.GetClassifierOutput](t)(c.GetClassifier(ctx, &glue.GetClassifierInput{Name: aws.String("g")})).Classifier.GrokClassifier
	if g == nil || aws.ToString(g.Classification) != "applog" || g.Version != 1 || g.CreationTime == nil {
		t.Fatalf("grok %+v", g)
	}
	ok[*glue.UpdateClassifierOutput](t)(c.UpdateClassifier(ctx, &glue.UpdateClassifierInput{GrokClassifier: &types.UpdateGrokClassifierRequest{
		Name: aws.String("g"), GrokPattern: aws.String("%{WORD:w}")}}))
	g = ok[*glue.GetClassifierOutput](t)(c.GetClassifier(ctx, &glue.GetClassifierInput{Name: aws.String("g")})).Classifier.GrokClassifier
	if g.Version != 2 || aws.ToString(g.GrokPattern) != "%{WORD:w}" || aws.ToString(g.Classification) != "applog" {
		t.Fatalf("updated grok %+v", g)
	}
	_, err = c.UpdateClassifier(ctx, &glue.UpdateClassifierInput{XMLClassifier: &types.UpdateXMLClassifierRequest{Name: aws.String("g"), RowTag: aws.String("r")}})
	wantErr(t, err, "InvalidInputException")
	_, err = c.UpdateClassifier(ctx, &glue.UpdateClassifierInput{XMLClassifier: &types.UpdateXMLClassifierRequest{Name: aws.String("nope")}})
	wantErr(t, err, "EntityNotFoundException")
	cs := ok[*glue.GetClassifierOutput](t)(c.GetClassifier(ctx, &glue.GetClassifierInput{Name: aws.String("csv")})).Classifier.CsvClassifier
	if cs == nil || aws.ToString(cs.Delimiter) != "|" || cs.ContainsHeader != types.CsvHeaderOptionPresent || len(cs.CustomDatatypes) != 1 {
		t.Fatalf("csv %+v", cs)
	}
	all := ok[*glue.GetClassifiersOutput](t)(c.GetClassifiers(ctx, &glue.GetClassifiersInput{MaxResults: aws.Int32(3)}))
	more := ok[*glue.GetClassifiersOutput](t)(c.GetClassifiers(ctx, &glue.GetClassifiersInput{NextToken: all.NextToken}))
	if len(all.Classifiers) != 3 || len(more.Classifiers) != 1 {
		t.Fatalf("list %d+%d", len(all.Classifiers), len(more.Classifiers))
	}
	ok[*glue.DeleteClassifierOutput](t)(c.DeleteClassifier(ctx, &glue.DeleteClassifierInput{Name: aws.String("g")}))
	_, err = c.DeleteClassifier(ctx, &glue.DeleteClassifierInput{Name: aws.String("g")})
	wantErr(t, err, "EntityNotFoundException")
	_, err = c.GetClassifier(ctx, &glue.GetClassifierInput{Name: aws.String("g")})
	wantErr(t, err, "EntityNotFoundException")
}
