package streams

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	metamem "github.com/tarnhq/tarn/internal/storage/meta/mem"
	logmem "github.com/tarnhq/tarn/internal/storage/seglog/mem"
)

const acctC = "444455556666"

// statement is one policy statement for principal (an account id, or "*").
func statement(effect, principal, actions, resource string) string {
	p := `"*"`
	if principal != "*" {
		p = `{"AWS":"` + principal + `"}`
	}
	return fmt.Sprintf(`{"Effect":%q,"Principal":%s,"Action":%s,"Resource":%q}`, effect, p, actions, resource)
}

func policyOf(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

func put1(t *testing.T, e *env, account string, ref Ref, data string) error {
	t.Helper()
	_, err := e.PutRecords(e.ctx, account, ref, []PutEntry{{PartitionKey: "k", Data: []byte(data)}})
	return err
}

func TestCrossAccountStreamPolicy(t *testing.T) {
	e := newEnv(t, Options{NoLimits: true})
	e.create(t, "s", 1)
	arn := e.ARN(acct, "s")
	ref := Ref{ARN: arn}
	if err := put1(t, e, acct, Ref{Name: "s"}, "one"); err != nil {
		t.Fatal(err)
	}

	// No policy: every call of another account is denied, whether the
	// stream exists or not; by name it is the caller's own (absent) stream.
	_, err := e.DescribeStreamSummary(e.ctx, acctB, ref)
	wantCode(t, err, CodeAccessDenied, "User: arn:aws:iam::111122223333:root is not authorized to perform: kinesis:DescribeStreamSummary on resource: "+arn+" because no resource-based policy allows the kinesis:DescribeStreamSummary action")
	_, err = e.GetShardIterator(e.ctx, acctB, IteratorRequest{Ref: ref, ShardID: "shardId-000000000000", Type: TrimHorizon})
	wantCode(t, err, CodeAccessDenied, "kinesis:GetShardIterator")
	_, err = e.DescribeStreamSummary(e.ctx, acctB, Ref{ARN: e.ARN(acct, "nope")})
	wantCode(t, err, CodeAccessDenied, "")
	_, err = e.DescribeStreamSummary(e.ctx, acctB, Ref{Name: "s"})
	wantCode(t, err, CodeNotFound, "Stream s under account 111122223333 not found.")

	// B may read: describe the summary, list shards, get iterators and
	// records by ARN; not write, not DescribeStream, not manage.
	read := `["kinesis:GetRecords","kinesis:GetShardIterator","kinesis:DescribeStreamSummary","kinesis:ListShards"]`
	if err := e.PutResourcePolicy(e.ctx, acct, arn, policyOf(statement("Allow", acctB, read, arn))); err != nil {
		t.Fatal(err)
	}
	if d, err := e.DescribeStreamSummary(e.ctx, acctB, ref); err != nil || d.ARN != arn {
		t.Fatalf("B describes %+v, %v", d, err)
	}
	if sh, err := e.ListShards(e.ctx, acctB, ref, "", ShardFilter{}); err != nil || len(sh) != 1 {
		t.Fatalf("B lists %v, %v", sh, err)
	}
	it, err := e.GetShardIterator(e.ctx, acctB, IteratorRequest{Ref: ref, ShardID: "shardId-000000000000", Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.GetRecords(e.ctx, acctB, it, 0)
	if err != nil || len(got.Records) != 1 || string(got.Records[0].Data) != "one" {
		t.Fatalf("B reads %v, %v", got, err)
	}
	wantCode(t, put1(t, e, acctB, ref, "from B"), CodeAccessDenied, "kinesis:PutRecords on resource: "+arn)
	_, err = e.PutRecord(e.ctx, acctB, ref, PutEntry{PartitionKey: "k", Data: []byte("x")}, "")
	wantCode(t, err, CodeAccessDenied, "kinesis:PutRecord ")
	_, err = e.DescribeStream(e.ctx, acctB, ref)
	wantCode(t, err, CodeAccessDenied, "kinesis:DescribeStream ")
	_, err = e.DescribeStreamSummary(e.ctx, acctC, ref)
	wantCode(t, err, CodeAccessDenied, "arn:aws:iam::444455556666:root")
	// Actions a stream policy cannot grant stay the owner's, even when a
	// policy names them with wildcards.
	if err := e.PutResourcePolicy(e.ctx, acct, arn, policyOf(statement("Allow", acctB, `"kinesis:*"`, "*"))); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.DeleteStream(e.ctx, acctB, ref, true), CodeAccessDenied, "kinesis:DeleteStream")
	wantCode(t, e.AddTags(e.ctx, acctB, ref, map[string]string{"a": "b"}), CodeAccessDenied, "")
	_, err = e.RegisterConsumer(e.ctx, acctB, arn, "c", nil)
	wantCode(t, err, CodeAccessDenied, "")
	_, err = e.GetResourcePolicy(e.ctx, acctB, arn)
	wantCode(t, err, CodeAccessDenied, "kinesis:GetResourcePolicy")
	wantCode(t, e.PutResourcePolicy(e.ctx, acctB, arn, policyOf(statement("Allow", acctB, `"*"`, "*"))), CodeAccessDenied, "")
	wantCode(t, e.DeleteResourcePolicy(e.ctx, acctB, arn), CodeAccessDenied, "")
	// With kinesis:* B writes, and its records land in A's stream.
	if err := put1(t, e, acctB, ref, "from B"); err != nil {
		t.Fatal(err)
	}
	if recs := readAllAs(t, e, acct, "s"); len(recs) != 2 || string(recs[1].Data) != "from B" {
		t.Fatalf("A reads %v", recs)
	}

	// Iterators: B's serves B and the owner, not C (even if the policy
	// allowed C); every use is authorized again.
	it, err = e.GetShardIterator(e.ctx, acctB, IteratorRequest{Ref: ref, ShardID: "shardId-000000000000", Type: TrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.GetRecords(e.ctx, acct, it, 0); err != nil {
		t.Fatalf("owner with B's iterator: %v", err)
	}
	_, err = e.GetRecords(e.ctx, acctC, it, 0)
	wantCode(t, err, CodeAccessDenied, "kinesis:GetRecords on resource: "+arn)
	if err := e.DeleteResourcePolicy(e.ctx, acct, arn); err != nil {
		t.Fatal(err)
	}
	_, err = e.GetRecords(e.ctx, acctB, it, 0)
	wantCode(t, err, CodeAccessDenied, "because no resource-based policy allows the kinesis:GetRecords action")

	// The stream's tags feed aws:ResourceTag conditions.
	cond := `{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kinesis:DescribeStreamSummary","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Share":"yes"}}}`
	if err := e.PutResourcePolicy(e.ctx, acct, arn, policyOf(cond)); err != nil {
		t.Fatal(err)
	}
	_, err = e.DescribeStreamSummary(e.ctx, acctB, ref)
	wantCode(t, err, CodeAccessDenied, "")
	if err := e.AddTags(e.ctx, acct, Ref{Name: "s"}, map[string]string{"Share": "yes"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DescribeStreamSummary(e.ctx, acctB, ref); err != nil {
		t.Fatalf("tagged stream: %v", err)
	}
	// A condition tarn cannot decide does not grant.
	undecided := `{"Effect":"Allow","Principal":"*","Action":"kinesis:DescribeStreamSummary","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`
	if err := e.PutResourcePolicy(e.ctx, acct, arn, policyOf(undecided)); err != nil {
		t.Fatal(err)
	}
	_, err = e.DescribeStreamSummary(e.ctx, acctB, ref)
	wantCode(t, err, CodeAccessDenied, "")
}

func TestPolicyDeniesOwner(t *testing.T) {
	e := newEnv(t, Options{NoLimits: true})
	e.create(t, "s", 1)
	arn := e.ARN(acct, "s")
	deny := policyOf(statement("Deny", acct, `["kinesis:PutRecord*","kinesis:GetShardIterator"]`, arn))
	if err := e.PutResourcePolicy(e.ctx, acct, arn, deny); err != nil {
		t.Fatal(err)
	}
	wantCode(t, put1(t, e, acct, Ref{Name: "s"}, "x"), CodeAccessDenied,
		"User: arn:aws:iam::000000000000:root is not authorized to perform: kinesis:PutRecords on resource: "+arn+" with an explicit deny in a resource-based policy")
	_, err := e.GetShardIterator(e.ctx, acct, IteratorRequest{Ref: Ref{Name: "s"}, ShardID: "shardId-000000000000", Type: Latest})
	wantCode(t, err, CodeAccessDenied, "explicit deny")
	// Everything else still works, and the owner keeps the policy in hand.
	if _, err := e.DescribeStream(e.ctx, acct, Ref{Name: "s"}); err != nil {
		t.Fatal(err)
	}
	if got, err := e.GetResourcePolicy(e.ctx, acct, arn); err != nil || got != deny {
		t.Fatalf("policy %q, %v", got, err)
	}
	// A Deny of everything cannot lock the owner out of the policy itself.
	if err := e.PutResourcePolicy(e.ctx, acct, arn, policyOf(statement("Deny", "*", `"kinesis:*"`, "*"))); err != nil {
		t.Fatal(err)
	}
	_, err = e.DescribeStream(e.ctx, acct, Ref{Name: "s"})
	wantCode(t, err, CodeAccessDenied, "explicit deny")
	wantCode(t, e.DeleteStream(e.ctx, acct, Ref{Name: "s"}, true), CodeAccessDenied, "kinesis:DeleteStream")
	if err := e.DeleteResourcePolicy(e.ctx, acct, arn); err != nil {
		t.Fatal(err)
	}
	if err := put1(t, e, acct, Ref{Name: "s"}, "x"); err != nil {
		t.Fatal(err)
	}
	// A Deny with a condition tarn cannot decide denies.
	undecided := `{"Effect":"Deny","Principal":"*","Action":"kinesis:PutRecords","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`
	if err := e.PutResourcePolicy(e.ctx, acct, arn, policyOf(undecided)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, put1(t, e, acct, Ref{Name: "s"}, "x"), CodeAccessDenied, "explicit deny")
}

func TestPolicyValidation(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "s", 1)
	arn := e.ARN(acct, "s")
	c, err := e.RegisterConsumer(e.ctx, acct, arn, "c", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		resource, policy, msg string
	}{
		{arn, policyOf(statement("Allow", acctB, `"kinesis:CreateStream"`, arn)), "action kinesis:CreateStream cannot be granted by the resource policy of a stream; it may name kinesis:DescribeStream, kinesis:DescribeStreamSummary"},
		{arn, policyOf(statement("Allow", acctB, `["kinesis:GetRecords","kinesis:SubscribeToShard"]`, arn)), "action kinesis:SubscribeToShard cannot be granted"},
		{arn, policyOf(statement("Allow", acctB, `"kinesis:Create*"`, arn)), "action kinesis:Create* cannot be granted"},
		{arn, policyOf(statement("Allow", acctB, `"s3:GetObject"`, arn)), "action s3:GetObject cannot be granted"},
		{arn, policyOf(statement("Allow", acctB, `"kinesis:GetRecords"`, "arn:aws:s3:::bucket")), "resource arn:aws:s3:::bucket is not a Kinesis resource"},
		{arn, policyOf(`{"Effect":"Allow","Principal":"*","NotAction":"s3:*","Resource":"*"}`), "NotAction s3:* is not a Kinesis action"},
		{arn, policyOf(statement("Allow", "12345", `"kinesis:GetRecords"`, arn)), `Invalid policy: invalid principal "12345"`},
		{arn, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:GetRecords","Resource":"*"}]}`, "missing required field Principal"},
		{c.ARN, policyOf(statement("Allow", acctB, `"kinesis:GetRecords"`, c.ARN)), "action kinesis:GetRecords cannot be granted by the resource policy of a consumer; it may name kinesis:DescribeStreamConsumer, kinesis:SubscribeToShard."},
		{c.ARN, policyOf(statement("Allow", acctB, `"kinesis:Get*"`, c.ARN)), "cannot be granted"},
	} {
		wantCode(t, e.PutResourcePolicy(e.ctx, acct, tc.resource, tc.policy), CodeInvalidArgument, tc.msg)
	}
	for _, ok := range []struct{ resource, policy string }{
		{arn, policyOf(statement("Allow", acctB, `"kinesis:Get*"`, "arn:aws:kinesis:*:"+acct+":stream/*"))},
		{arn, policyOf(statement("Allow", "*", `"*"`, "*"))},
		{arn, policyOf(`{"Effect":"Deny","Principal":"*","NotAction":["kinesis:Get*"],"Resource":"arn:*"}`)},
		{c.ARN, policyOf(statement("Allow", "arn:aws:iam::"+acctB+":root", `"kinesis:describe*"`, c.ARN))},
		{c.ARN, policyOf(statement("Allow", acctB, `["kinesis:SubscribeToShard","kinesis:DescribeStreamConsumer"]`, arn+"/consumer/c:*"))},
	} {
		if err := e.PutResourcePolicy(e.ctx, acct, ok.resource, ok.policy); err != nil {
			t.Errorf("%s: %v", ok.policy, err)
		}
	}
}

func TestCrossAccountConsumerPolicy(t *testing.T) {
	e := newEnv(t, Options{NoLimits: true})
	e.create(t, "s", 1)
	arn := e.ARN(acct, "s")
	c, err := e.RegisterConsumer(e.ctx, acct, arn, "fan", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Second)
	if err := put1(t, e, acct, Ref{Name: "s"}, "efo"); err != nil {
		t.Fatal(err)
	}
	pos := StartingPosition{Type: TrimHorizon}
	_, err = e.SubscribeToShard(e.ctx, acctB, c.ARN, "shardId-000000000000", pos)
	wantCode(t, err, CodeAccessDenied, "kinesis:SubscribeToShard on resource: "+c.ARN)
	// The stream's policy does not cover its consumers.
	all := `["kinesis:GetRecords","kinesis:GetShardIterator","kinesis:DescribeStreamSummary","kinesis:ListShards"]`
	if err := e.PutResourcePolicy(e.ctx, acct, arn, policyOf(statement("Allow", acctB, all, "*"))); err != nil {
		t.Fatal(err)
	}
	_, err = e.SubscribeToShard(e.ctx, acctB, c.ARN, "shardId-000000000000", pos)
	wantCode(t, err, CodeAccessDenied, "")
	_, err = e.DescribeConsumer(e.ctx, acctB, "", "", c.ARN)
	wantCode(t, err, CodeAccessDenied, "kinesis:DescribeStreamConsumer")

	if err := e.PutResourcePolicy(e.ctx, acct, c.ARN, policyOf(statement("Allow", acctB, `["kinesis:SubscribeToShard","kinesis:DescribeStreamConsumer"]`, arn+"/consumer/fan:*"))); err != nil {
		t.Fatal(err)
	}
	d, err := e.DescribeConsumer(e.ctx, acctB, "", "", c.ARN)
	if err != nil || d.ARN != c.ARN || d.StreamARN != arn || d.Status != StatusActive {
		t.Fatalf("B describes %+v, %v", d, err)
	}
	// Cross-account, the consumer must be named by its ARN.
	_, err = e.DescribeConsumer(e.ctx, acctB, arn, "fan", "")
	wantCode(t, err, CodeAccessDenied, "")
	_, err = e.DescribeConsumer(e.ctx, acctB, "", "", arn+"/consumer/nope:1")
	wantCode(t, err, CodeAccessDenied, "")
	sub, err := e.SubscribeToShard(e.ctx, acctB, c.ARN, "shardId-000000000000", pos)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := sub.Next(e.ctx)
	if err != nil || len(ev.Records) != 1 || string(ev.Records[0].Data) != "efo" {
		t.Fatalf("B's subscription: %+v, %v", ev, err)
	}
	sub.Close()
	// Other consumer operations stay the owner's; C has no grant.
	wantCode(t, e.DeregisterConsumer(e.ctx, acctB, "", "", c.ARN), CodeAccessDenied, "kinesis:DeregisterStreamConsumer")
	_, err = e.ListConsumers(e.ctx, acctB, arn)
	wantCode(t, err, CodeAccessDenied, "")
	_, err = e.GetResourcePolicy(e.ctx, acctB, c.ARN)
	wantCode(t, err, CodeAccessDenied, "")
	_, err = e.SubscribeToShard(e.ctx, acctC, c.ARN, "shardId-000000000000", pos)
	wantCode(t, err, CodeAccessDenied, "")
	// A Deny on the consumer denies its owner too.
	if err := e.PutResourcePolicy(e.ctx, acct, c.ARN, policyOf(statement("Deny", "*", `"kinesis:SubscribeToShard"`, c.ARN))); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(10 * time.Second)
	_, err = e.SubscribeToShard(e.ctx, acct, c.ARN, "shardId-000000000000", pos)
	wantCode(t, err, CodeAccessDenied, "explicit deny")
}

func TestPoliciesSurviveRestart(t *testing.T) {
	m, l := metamem.New(), logmem.New()
	e := newEnvOn(t, m, l, Options{})
	e.create(t, "s", 1)
	arn := e.ARN(acct, "s")
	c, err := e.RegisterConsumer(e.ctx, acct, arn, "fan", map[string]string{"team": "data"})
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Second)
	if err := e.PutResourcePolicy(e.ctx, acct, arn, policyOf(statement("Allow", acctB, `"kinesis:DescribeStreamSummary"`, arn),
		statement("Deny", acct, `"kinesis:DescribeStream"`, arn))); err != nil {
		t.Fatal(err)
	}
	if err := e.PutResourcePolicy(e.ctx, acct, c.ARN, policyOf(statement("Allow", acctB, `"kinesis:DescribeStreamConsumer"`, c.ARN))); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e2 := &env{mustNew(t, m, l, Options{Now: e.clk.Now, SweepInterval: -1}), e.clk, e.ctx}
	if _, err := e2.DescribeStreamSummary(e2.ctx, acctB, Ref{ARN: arn}); err != nil {
		t.Fatalf("grant after restart: %v", err)
	}
	_, err = e2.DescribeStream(e2.ctx, acct, Ref{Name: "s"})
	wantCode(t, err, CodeAccessDenied, "explicit deny")
	if _, err := e2.DescribeConsumer(e2.ctx, acctB, "", "", c.ARN); err != nil {
		t.Fatalf("consumer grant after restart: %v", err)
	}
	if tags, err := e2.ListTagsForResource(e2.ctx, acct, c.ARN); err != nil || tags["team"] != "data" {
		t.Fatalf("consumer tags after restart: %v, %v", tags, err)
	}
}

func TestConsumerTags(t *testing.T) {
	e := newEnv(t, Options{})
	e.create(t, "s", 1)
	arn := e.ARN(acct, "s")
	many := map[string]string{}
	for i := range MaxTags + 1 {
		many[fmt.Sprintf("k%02d", i)] = "v"
	}
	_, err := e.RegisterConsumer(e.ctx, acct, arn, "c", many)
	wantCode(t, err, CodeInvalidArgument, "cannot have more than 50 tags")
	_, err = e.RegisterConsumer(e.ctx, acct, arn, "c", map[string]string{"": "v"})
	wantCode(t, err, CodeValidation, "tags.key")
	c, err := e.RegisterConsumer(e.ctx, acct, arn, "c", map[string]string{"team": "data"})
	if err != nil {
		t.Fatal(err)
	}
	tags := func() map[string]string {
		t.Helper()
		m, err := e.ListTagsForResource(e.ctx, acct, c.ARN)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := tags(); len(m) != 1 || m["team"] != "data" {
		t.Fatalf("tags %v", m)
	}
	if err := e.TagResource(e.ctx, acct, c.ARN, map[string]string{"env": "prod", "team": "ml"}); err != nil {
		t.Fatal(err)
	}
	if m := tags(); len(m) != 2 || m["team"] != "ml" || m["env"] != "prod" {
		t.Fatalf("tags %v", m)
	}
	if err := e.UntagResource(e.ctx, acct, c.ARN, []string{"team", "absent"}); err != nil {
		t.Fatal(err)
	}
	if m := tags(); len(m) != 1 || m["env"] != "prod" {
		t.Fatalf("tags %v", m)
	}
	delete(many, "k00")
	wantCode(t, e.TagResource(e.ctx, acct, c.ARN, many), CodeInvalidArgument,
		"Failed to add tags to consumer "+c.ARN+" under account 000000000000 because a given consumer cannot have more than 50 tags associated with it.")
	if m := tags(); len(m) != 1 {
		t.Fatalf("a refused TagResource left %d tags", len(m))
	}
	wantCode(t, e.TagResource(e.ctx, acct, c.ARN, nil), CodeValidation, "Value '{}' at 'tags'")
	wantCode(t, e.UntagResource(e.ctx, acct, c.ARN, nil), CodeValidation, "Value '[]' at 'tagKeys'")
	wantCode(t, e.TagResource(e.ctx, acct, "", map[string]string{"a": "b"}), CodeValidation, "Value null at 'resourceARN' failed to satisfy constraint: Member must not be null")
	wantCode(t, e.TagResource(e.ctx, acct, arn+"/consumer/nope:1", map[string]string{"a": "b"}), CodeNotFound, "nope")
	wantCode(t, e.TagResource(e.ctx, acctB, c.ARN, map[string]string{"a": "b"}), CodeAccessDenied, "kinesis:TagResource on resource: "+c.ARN)
	_, err = e.ListTagsForResource(e.ctx, acctB, c.ARN)
	wantCode(t, err, CodeAccessDenied, "")
	// Stream tags are the stream's own, through either API.
	if err := e.TagResource(e.ctx, acct, arn, map[string]string{"s": "1"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := e.ListTagsForResource(e.ctx, acct, arn); len(m) != 1 || m["s"] != "1" {
		t.Fatalf("stream tags %v", m)
	}
	// A deregistered consumer's tags go with it.
	if err := e.DeregisterConsumer(e.ctx, acct, "", "", c.ARN); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Second)
	_, err = e.ListTagsForResource(e.ctx, acct, c.ARN)
	wantCode(t, err, CodeNotFound, "")
}

// TestVersion2Iterators: iterators issued before cross-account access
// (version 2: one account) still read, for that account only.
func TestVersion2Iterators(t *testing.T) {
	e := newEnv(t, Options{NoLimits: true})
	e.create(t, "s", 1)
	if err := put1(t, e, acct, Ref{Name: "s"}, "v2"); err != nil {
		t.Fatal(err)
	}
	s, _ := e.get(e.ctx, "", streamKey{acct, "s"})
	tok := v2Token(e.Engine, s.rec.ID, "s")
	got, err := e.GetRecords(e.ctx, acct, tok, 0)
	if err != nil || len(got.Records) != 1 {
		t.Fatalf("version 2 iterator: %v, %v", got, err)
	}
	_, err = e.GetRecords(e.ctx, acctB, tok, 0)
	wantCode(t, err, CodeAccessDenied, "")
}

// v2Token is a shard iterator as tarn issued them before cross-account
// access (version 2: the stream's account only), at offset 0 of shard 0.
func v2Token(e *Engine, streamID int64, name string) string {
	b := []byte{2}
	b = binary.BigEndian.AppendUint32(b, 7)
	b = binary.BigEndian.AppendUint64(b, uint64(streamID))
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint64(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(e.now().UnixMilli()))
	b = append(b, byte(len(acct)))
	b = append(b, acct...)
	b = append(b, name...)
	m := hmac.New(sha256.New, e.key)
	m.Write(b)
	b = m.Sum(b)[:len(b)+16]
	return base64.StdEncoding.EncodeToString(b)
}
