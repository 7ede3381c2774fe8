package glueapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/tarnhq/tarn/internal/server/servertest"
)

var regions = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-south-1"}

// loadPartitions creates db.logs keyed region (string), year (int),
// dt (date), hour (string): 4 × 3 × 12 × 24 / 4 = 3456 partitions.
func loadPartitions(t *testing.T, c *glue.Client) int {
	t.Helper()
	mkdb(t, c, "db")
	ok[*glue.CreateTableOutput](t)(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"),
		TableInput: tableInput("logs", col("region", "string"), col("year", "int"), col("dt", "date"), col("hour", "string"))}))
	var batch []types.PartitionInput
	n := 0
	flush := func() {
		if len(batch) == 0 {
			return
		}
		out := ok[*glue.BatchCreatePartitionOutput](t)(c.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{
			DatabaseName: aws.String("db"), TableName: aws.String("logs"), PartitionInputList: batch}))
		if len(out.Errors) > 0 {
			t.Fatalf("batch create: %+v", out.Errors[0].ErrorDetail)
		}
		n += len(batch)
		batch = nil
	}
	for _, r := range regions {
		for y := 2019; y <= 2021; y++ {
			for m := 1; m <= 12; m++ {
				for h := 0; h < 24; h += 4 {
					for d := 1; d <= 28; d += 7 {
						vals := []string{r, fmt.Sprint(y), fmt.Sprintf("%d-%02d-%02d", y, m, d), fmt.Sprintf("%02d", h)}
						batch = append(batch, types.PartitionInput{Values: vals, Parameters: map[string]string{"p": "1"},
							StorageDescriptor: &types.StorageDescriptor{Location: aws.String("s3://b/logs/" + strings.Join(vals, "/")),
								Columns: []types.Column{col("id", "bigint")}}})
						if len(batch) == 100 {
							flush()
						}
					}
				}
			}
		}
	}
	flush()
	return n
}

func getAll(t *testing.T, c *glue.Client, in *glue.GetPartitionsInput) []types.Partition {
	t.Helper()
	var out []types.Partition
	p := glue.NewGetPartitionsPaginator(c, in)
	for p.HasMorePages() {
		out = append(out, ok[*glue.GetPartitionsOutput](t)(p.NextPage(ctx)).Partitions...)
	}
	return out
}

func TestGetPartitionsExpressions(t *testing.T) {
	s := servertest.Start(t)
	c := s.Glue()
	total := loadPartitions(t, c)
	if total != 4*3*12*6*4 {
		t.Fatalf("loaded %d", total)
	}
	perRegion := total / 4
	perYear := total / 3
	for _, tc := range []struct {
		expr string
		want int
	}{
		{"", total},
		{"region = 'us-east-1'", perRegion},
		{"region = 'us-east-1' AND year = 2020", perRegion / 3},
		{"year = '2020'", perYear},
		{"year > 2019", 2 * perYear},
		{"year >= 2020 AND year <= 2021", 2 * perYear},
		{"year BETWEEN 2019 AND 2020", 2 * perYear},
		{"year NOT BETWEEN 2019 AND 2020", perYear},
		{"year IN (2019, 2021)", 2 * perYear},
		{"year <> 2019", 2 * perYear},
		{"year != 2019", 2 * perYear},
		{"year < 10000", total},    // numeric, not string, comparison
		{"hour < '08'", total / 3}, // string comparison
		{"hour < 8", total},        // string key: "20" < "8"
		{"dt BETWEEN '2020-01-01' AND '2020-01-31'", 4 * 6 * 4},
		{"dt >= '2021-12-01'", 4 * 6 * 4},
		{"dt > DATE '2021-12-15'", 4 * 6 * 1},
		{"region LIKE 'us-%'", 2 * perRegion},
		{"region LIKE '%-_'", total},
		{"region NOT LIKE 'us%' AND year = 2019", perYear / 2},
		{"NOT (region = 'us-east-1' OR region = 'us-west-2')", 2 * perRegion},
		{"region = 'eu-west-1' AND (year = 2019 OR year = '2021') AND hour IN ('00', '20')", perRegion / 3 * 2 / 6 * 2},
		{"region IS NULL", 0},
		{"region IS NOT NULL AND `Year` = 2021", perYear},
		{"REGION = 'ap-south-1' and YEAR = 2021 and dt = '2021-06-08' and hour = '12'", 1},
	} {
		got := getAll(t, c, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("logs"),
			Expression: aws.String(tc.expr), MaxResults: aws.Int32(1000)})
		if len(got) != tc.want {
			t.Errorf("%q: %d partitions, want %d", tc.expr, len(got), tc.want)
		}
	}
	for _, bad := range []string{"year = ", "nokey = 1", "year = 'abc'", "region = year", "(year = 1"} {
		_, err := c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("logs"), Expression: aws.String(bad)})
		wantErr(t, err, "InvalidInputException")
	}

	// Segments, scanned in parallel as Trino does, cover each partition once.
	for _, segs := range []int32{1, 5, 10} {
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for n := range segs {
			wg.Go(func() {
				// Not getAll: t.Fatal must not be called off the test goroutine.
				var ps []types.Partition
				p := glue.NewGetPartitionsPaginator(c, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("logs"),
					Segment: &types.Segment{SegmentNumber: n, TotalSegments: aws.Int32(segs)}, MaxResults: aws.Int32(333), ExcludeColumnSchema: aws.Bool(true)})
				for p.HasMorePages() {
					out, err := p.NextPage(ctx)
					if err != nil {
						t.Errorf("segment %d/%d: %v", n, segs, err)
						return
					}
					ps = append(ps, out.Partitions...)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, p := range ps {
					if len(p.StorageDescriptor.Columns) != 0 {
						t.Error("ExcludeColumnSchema returned columns")
					}
					seen[strings.Join(p.Values, "/")]++
				}
			})
		}
		wg.Wait()
		if len(seen) != total {
			t.Fatalf("%d segments: %d distinct partitions, want %d", segs, len(seen), total)
		}
		for k, v := range seen {
			if v != 1 {
				t.Fatalf("%d segments: %s seen %d times", segs, k, v)
			}
		}
	}
	_, err := c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("logs"),
		Segment: &types.Segment{SegmentNumber: 5, TotalSegments: aws.Int32(5)}})
	wantErr(t, err, "InvalidInputException")
	_, err = c.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("db"), TableName: aws.String("logs"), MaxResults: aws.Int32(1001)})
	wantErr(t, err, "InvalidInputException")
}

func TestPartitionCRUD(t *testing.T) {
	s := servertest.Start(t)
	c := s.Glue()
	mkdb(t, c, "db")
	ok[*glue.CreateTableOutput](t)(c.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("db"),
		TableInput:       tableInput("t", col("year", "int"), col("month", "string")),
		PartitionIndexes: []types.PartitionIndex{{IndexName: aws.String("by_year"), Keys: []string{"year"}}}}))
	ref := func() (*string, *string) { return aws.String("db"), aws.String("t") }
	db, tb := ref()
	pin := func(vals ...string) types.PartitionInput {
		return types.PartitionInput{Values: vals, LastAccessTime: aws.Time(time.Unix(1700000000, 0)),
			StorageDescriptor: &types.StorageDescriptor{Location: aws.String("s3://b/" + strings.Join(vals, "/"))}}
	}
	p1 := pin("2020", "01")
	ok[*glue.CreatePartitionOutput](t)(c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: db, TableName: tb, PartitionInput: &p1}))
	_, err := c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: db, TableName: tb, PartitionInput: &p1})
	wantErr(t, err, "AlreadyExistsException")
	short := pin("2020")
	_, err = c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: db, TableName: tb, PartitionInput: &short})
	wantErr(t, err, "InvalidInputException", "number of partition keys")
	notInt := pin("twenty", "01")
	_, err = c.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: db, TableName: tb, PartitionInput: &notInt})
	wantErr(t, err, "InvalidInputException", "INVALID_PARTITION_TYPE_DATA_ERROR")
	got := ok[*glue.GetPartitionOutput](t)(c.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: db, TableName: tb, PartitionValues: []string{"2020", "01"}})).Partition
	if *got.DatabaseName != "db" || *got.TableName != "t" || got.CreationTime == nil || got.LastAccessTime.Unix() != 1700000000 ||
		*got.StorageDescriptor.Location != "s3://b/2020/01" {
		t.Fatalf("partition %+v", got)
	}
	_, err = c.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: db, TableName: tb, PartitionValues: []string{"2020", "02"}})
	wantErr(t, err, "EntityNotFoundException")

	bc := ok[*glue.BatchCreatePartitionOutput](t)(c.BatchCreatePartition(ctx, &glue.BatchCreatePartitionInput{DatabaseName: db, TableName: tb,
		PartitionInputList: []types.PartitionInput{pin("2020", "02"), pin("2020", "01"), pin("2020", "03"), pin("x")}}))
	if len(bc.Errors) != 2 || *bc.Errors[0].ErrorDetail.ErrorCode != "AlreadyExistsException" || *bc.Errors[1].ErrorDetail.ErrorCode != "InvalidInputException" {
		t.Fatalf("batch create errors %+v", bc.Errors)
	}
	bg := ok[*glue.BatchGetPartitionOutput](t)(c.BatchGetPartition(ctx, &glue.BatchGetPartitionInput{DatabaseName: db, TableName: tb,
		PartitionsToGet: []types.PartitionValueList{{Values: []string{"2020", "03"}}, {Values: []string{"1999", "01"}}, {Values: []string{"2020", "01"}}}}))
	if len(bg.Partitions) != 2 || bg.Partitions[0].Values[1] != "03" {
		t.Fatalf("batch get %+v", bg.Partitions)
	}
	up := pin("2020", "01")
	up.Parameters = map[string]string{"updated": "yes"}
	ok[*glue.UpdatePartitionOutput](t)(c.UpdatePartition(ctx, &glue.UpdatePartitionInput{DatabaseName: db, TableName: tb,
		PartitionValueList: []string{"2020", "01"}, PartitionInput: &up}))
	bu := ok[*glue.BatchUpdatePartitionOutput](t)(c.BatchUpdatePartition(ctx, &glue.BatchUpdatePartitionInput{DatabaseName: db, TableName: tb,
		Entries: []types.BatchUpdatePartitionRequestEntry{
			{PartitionValueList: []string{"2020", "02"}, PartitionInput: &up},                                                   // renames onto an existing partition
			{PartitionValueList: []string{"2020", "09"}, PartitionInput: &p1},                                                   // missing
			{PartitionValueList: []string{"2020", "03"}, PartitionInput: &types.PartitionInput{Values: []string{"2020", "04"}}}, // rename
		}}))
	if len(bu.Errors) != 2 || *bu.Errors[0].ErrorDetail.ErrorCode != "AlreadyExistsException" || *bu.Errors[1].ErrorDetail.ErrorCode != "EntityNotFoundException" {
		t.Fatalf("batch update errors %+v", bu.Errors)
	}
	all := getAll(t, c, &glue.GetPartitionsInput{DatabaseName: db, TableName: tb})
	var vals []string
	for _, p := range all {
		vals = append(vals, strings.Join(p.Values, "-"))
	}
	if strings.Join(vals, ",") != "2020-01,2020-02,2020-04" || all[0].Parameters["updated"] != "yes" {
		t.Fatalf("after updates %v", vals)
	}
	bd := ok[*glue.BatchDeletePartitionOutput](t)(c.BatchDeletePartition(ctx, &glue.BatchDeletePartitionInput{DatabaseName: db, TableName: tb,
		PartitionsToDelete: []types.PartitionValueList{{Values: []string{"2020", "02"}}, {Values: []string{"2020", "77"}}}}))
	if len(bd.Errors) != 1 || bd.Errors[0].PartitionValues[1] != "77" {
		t.Fatalf("batch delete %+v", bd.Errors)
	}
	ok[*glue.DeletePartitionOutput](t)(c.DeletePartition(ctx, &glue.DeletePartitionInput{DatabaseName: db, TableName: tb, PartitionValues: []string{"2020", "04"}}))
	_, err = c.DeletePartition(ctx, &glue.DeletePartitionInput{DatabaseName: db, TableName: tb, PartitionValues: []string{"2020", "04"}})
	wantErr(t, err, "EntityNotFoundException")

	// Partition indexes.
	ok[*glue.CreatePartitionIndexOutput](t)(c.CreatePartitionIndex(ctx, &glue.CreatePartitionIndexInput{DatabaseName: db, TableName: tb,
		PartitionIndex: &types.PartitionIndex{IndexName: aws.String("by_ym"), Keys: []string{"year", "month"}}}))
	_, err = c.CreatePartitionIndex(ctx, &glue.CreatePartitionIndexInput{DatabaseName: db, TableName: tb,
		PartitionIndex: &types.PartitionIndex{IndexName: aws.String("bad"), Keys: []string{"nokey"}}})
	wantErr(t, err, "InvalidInputException")
	gi := ok[*glue.GetPartitionIndexesOutput](t)(c.GetPartitionIndexes(ctx, &glue.GetPartitionIndexesInput{DatabaseName: db, TableName: tb}))
	if len(gi.PartitionIndexDescriptorList) != 2 || gi.PartitionIndexDescriptorList[1].IndexStatus != types.PartitionIndexStatusActive ||
		*gi.PartitionIndexDescriptorList[1].Keys[0].Type != "int" {
		t.Fatalf("indexes %+v", gi.PartitionIndexDescriptorList)
	}
	ok[*glue.DeletePartitionIndexOutput](t)(c.DeletePartitionIndex(ctx, &glue.DeletePartitionIndexInput{DatabaseName: db, TableName: tb, IndexName: aws.String("by_ym")}))
	_, err = c.DeletePartitionIndex(ctx, &glue.DeletePartitionIndexInput{DatabaseName: db, TableName: tb, IndexName: aws.String("by_ym")})
	wantErr(t, err, "EntityNotFoundException")
}
