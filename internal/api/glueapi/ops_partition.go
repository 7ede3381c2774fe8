package glueapi

import (
	"context"

	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/catalog"
)

type partRef struct {
	CatalogId, DatabaseName, TableName string
}

type partErr struct {
	PartitionValues []string    `json:"PartitionValues,omitempty"`
	ErrorDetail     errorDetail `json:"ErrorDetail"`
}

func partErrs(es []catalog.PartitionError) []partErr {
	out := []partErr{}
	for _, e := range es {
		out = append(out, partErr{e.Values, errorDetail{e.Code, e.Msg}})
	}
	return out
}

type valueList struct{ Values []string }

func valueLists(vs []valueList) [][]string {
	out := make([][]string, len(vs))
	for i, v := range vs {
		out[i] = v.Values
		if out[i] == nil {
			out[i] = []string{}
		}
	}
	return out
}

func (a *api) registerPartitions(s *awsjson.Service) {
	s.Handle("CreatePartition", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		PartitionInput *wPartitionInput
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.PartitionInput == nil {
			return nil, invalid("PartitionInput is required.")
		}
		return nil, a.c.CreatePartition(ctx, cat, in.DatabaseName, in.TableName, in.PartitionInput.engine())
	}))
	s.Handle("BatchCreatePartition", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		PartitionInputList []wPartitionInput
	}) (*struct{ Errors []partErr }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		ins := make([]catalog.PartitionInput, len(in.PartitionInputList))
		for i := range in.PartitionInputList {
			ins[i] = in.PartitionInputList[i].engine()
		}
		es, err := a.c.BatchCreatePartition(ctx, cat, in.DatabaseName, in.TableName, ins)
		if err != nil {
			return nil, err
		}
		return &struct{ Errors []partErr }{partErrs(es)}, nil
	}))
	s.Handle("GetPartition", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		PartitionValues []string
	}) (*struct{ Partition wPartition }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		p, err := a.c.GetPartition(ctx, cat, in.DatabaseName, in.TableName, in.PartitionValues)
		if err != nil {
			return nil, err
		}
		return &struct{ Partition wPartition }{partitions([]catalog.Partition{p})[0]}, nil
	}))
	type batchGetOut struct {
		Partitions      []wPartition
		UnprocessedKeys []valueList
	}
	s.Handle("BatchGetPartition", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		PartitionsToGet []valueList
	}) (*batchGetOut, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		ps, err := a.c.BatchGetPartition(ctx, cat, in.DatabaseName, in.TableName, valueLists(in.PartitionsToGet))
		if err != nil {
			return nil, err
		}
		return &batchGetOut{partitions(ps), []valueList{}}, nil
	}))
	s.Handle("UpdatePartition", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		PartitionValueList []string
		PartitionInput     *wPartitionInput
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.PartitionInput == nil {
			return nil, invalid("PartitionInput is required.")
		}
		return nil, a.c.UpdatePartition(ctx, cat, in.DatabaseName, in.TableName, in.PartitionValueList, in.PartitionInput.engine())
	}))
	type updErr struct {
		PartitionValueList []string    `json:"PartitionValueList,omitempty"`
		ErrorDetail        errorDetail `json:"ErrorDetail"`
	}
	s.Handle("BatchUpdatePartition", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		Entries []struct {
			PartitionValueList []string
			PartitionInput     wPartitionInput
		}
	}) (*struct{ Errors []updErr }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		ups := make([]catalog.PartitionUpdate, len(in.Entries))
		for i := range in.Entries {
			ups[i] = catalog.PartitionUpdate{Values: in.Entries[i].PartitionValueList, Input: in.Entries[i].PartitionInput.engine()}
		}
		es, err := a.c.BatchUpdatePartition(ctx, cat, in.DatabaseName, in.TableName, ups)
		if err != nil {
			return nil, err
		}
		out := []updErr{}
		for _, e := range es {
			out = append(out, updErr{e.Values, errorDetail{e.Code, e.Msg}})
		}
		return &struct{ Errors []updErr }{out}, nil
	}))
	s.Handle("DeletePartition", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		PartitionValues []string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		return nil, a.c.DeletePartition(ctx, cat, in.DatabaseName, in.TableName, in.PartitionValues)
	}))
	s.Handle("BatchDeletePartition", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		PartitionsToDelete []valueList
	}) (*struct{ Errors []partErr }, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		es, err := a.c.BatchDeletePartition(ctx, cat, in.DatabaseName, in.TableName, valueLists(in.PartitionsToDelete))
		if err != nil {
			return nil, err
		}
		return &struct{ Errors []partErr }{partErrs(es)}, nil
	}))
	type partList struct {
		Partitions []wPartition
		NextToken  string `json:",omitempty"`
	}
	s.Handle("GetPartitions", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		Expression          string
		Segment             *catalog.Segment
		ExcludeColumnSchema bool
		page
	}) (*partList, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		ps, next, err := a.c.GetPartitions(ctx, cat, in.DatabaseName, in.TableName, catalog.PartitionQuery{Expression: in.Expression,
			Segment: in.Segment, NextToken: in.NextToken, MaxResults: in.MaxResults, ExcludeColumnSchema: in.ExcludeColumnSchema})
		if err != nil {
			return nil, err
		}
		return &partList{partitions(ps), next}, nil
	}))
	s.Handle("CreatePartitionIndex", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		PartitionIndex *catalog.PartitionIndex
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		if in.PartitionIndex == nil {
			return nil, invalid("PartitionIndex is required.")
		}
		return nil, a.c.CreatePartitionIndex(ctx, cat, in.DatabaseName, in.TableName, *in.PartitionIndex)
	}))
	s.Handle("DeletePartitionIndex", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		IndexName string
	}) (*struct{}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		return nil, a.c.DeletePartitionIndex(ctx, cat, in.DatabaseName, in.TableName, in.IndexName)
	}))
	s.Handle("GetPartitionIndexes", awsjson.Op(func(ctx context.Context, in *struct {
		partRef
		NextToken string
	}) (*struct {
		PartitionIndexDescriptorList []catalog.PartitionIndexDescriptor
	}, error) {
		cat, err := catalogID(ctx, in.CatalogId)
		if err != nil {
			return nil, err
		}
		ds, err := a.c.GetPartitionIndexes(ctx, cat, in.DatabaseName, in.TableName)
		if err != nil {
			return nil, err
		}
		return &struct {
			PartitionIndexDescriptorList []catalog.PartitionIndexDescriptor
		}{ds}, nil
	}))
}
