package kinesisapi

import (
	"context"

	"github.com/tarnhq/tarn/internal/awsproto/awserr"
	"github.com/tarnhq/tarn/internal/awsproto/awsjson"
	"github.com/tarnhq/tarn/internal/streams"
)

type consumer struct {
	ConsumerName              string            `json:"ConsumerName"`
	ConsumerARN               string            `json:"ConsumerARN"`
	ConsumerStatus            string            `json:"ConsumerStatus"`
	ConsumerCreationTimestamp awsjson.Timestamp `json:"ConsumerCreationTimestamp"`
}

func toConsumer(c streams.Consumer) consumer {
	return consumer{c.Name, c.ARN, c.Status, awsjson.Timestamp{Time: c.Created}}
}

type registerConsumerIn struct {
	StreamARN    string            `json:"StreamARN"`
	ConsumerName string            `json:"ConsumerName"`
	Tags         map[string]string `json:"Tags,omitempty"`
}

type registerConsumerOut struct {
	Consumer consumer `json:"Consumer"`
}

type consumerRefIn struct {
	StreamARN    string `json:"StreamARN,omitempty"`
	ConsumerName string `json:"ConsumerName,omitempty"`
	ConsumerARN  string `json:"ConsumerARN,omitempty"`
}

type consumerDescription struct {
	consumer
	StreamARN string `json:"StreamARN"`
}

type describeConsumerOut struct {
	ConsumerDescription consumerDescription `json:"ConsumerDescription"`
}

type listConsumersIn struct {
	StreamARN               string             `json:"StreamARN"`
	NextToken               string             `json:"NextToken,omitempty"`
	MaxResults              *int               `json:"MaxResults,omitempty"`
	StreamCreationTimestamp *awsjson.Timestamp `json:"StreamCreationTimestamp,omitempty"`
}

type listConsumersOut struct {
	Consumers []consumer `json:"Consumers"`
	NextToken string     `json:"NextToken,omitempty"`
}

func (a *api) registerConsumer(ctx context.Context, in *registerConsumerIn) (*registerConsumerOut, error) {
	c, err := a.e.RegisterConsumer(ctx, caller(ctx), in.StreamARN, in.ConsumerName, in.Tags)
	if err != nil {
		return nil, err
	}
	return &registerConsumerOut{toConsumer(c)}, nil
}

func (a *api) describeConsumer(ctx context.Context, in *consumerRefIn) (*describeConsumerOut, error) {
	c, err := a.e.DescribeConsumer(ctx, caller(ctx), in.StreamARN, in.ConsumerName, in.ConsumerARN)
	if err != nil {
		return nil, err
	}
	return &describeConsumerOut{consumerDescription{toConsumer(c), c.StreamARN}}, nil
}

func (a *api) deregisterConsumer(ctx context.Context, in *consumerRefIn) (*none, error) {
	return nil, a.e.DeregisterConsumer(ctx, caller(ctx), in.StreamARN, in.ConsumerName, in.ConsumerARN)
}

func (a *api) listConsumers(ctx context.Context, in *listConsumersIn) (*listConsumersOut, error) {
	limit, err := checkLimit(in.MaxResults, "maxResults", 10000)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 100
	}
	after := ""
	if in.NextToken != "" {
		p, err := a.decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		if p.Stream != in.StreamARN {
			return nil, awserr.New("InvalidArgumentException", "Invalid NextToken.")
		}
		after = p.After
	}
	list, err := a.e.ListConsumers(ctx, caller(ctx), in.StreamARN)
	if err != nil {
		return nil, err
	}
	out := &listConsumersOut{Consumers: []consumer{}}
	for _, c := range list {
		if after != "" && c.Name <= after {
			continue
		}
		if len(out.Consumers) == limit {
			out.NextToken = a.encodeToken(pageToken{Stream: in.StreamARN, After: out.Consumers[len(out.Consumers)-1].ConsumerName})
			break
		}
		out.Consumers = append(out.Consumers, toConsumer(c))
	}
	return out, nil
}
