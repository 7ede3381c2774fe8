package iam

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tarnhq/tarn/internal/errs"
)

const (
	owner   = "000000000000"
	acctB   = "111122223333"
	acctC   = "444455556666"
	stream  = "arn:aws:kinesis:us-east-1:000000000000:stream/s"
	stream2 = "arn:aws:kinesis:us-east-1:000000000000:stream/other"
	cons    = "arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1700000000"
)

// doc builds a policy of the given statements.
func doc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

func TestPolicyEvaluate(t *testing.T) {
	allowB := `{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kinesis:GetRecords","Resource":"` + stream + `"}`
	req := func(account, action, resource string) *PolicyRequest {
		return &PolicyRequest{Account: account, Principal: AccountARN(account), Action: action, Resource: resource, Owner: owner}
	}
	for _, tc := range []struct {
		name   string
		policy string
		req    *PolicyRequest
		want   Decision
	}{
		{"allow by account id", doc(allowB), req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"other account", doc(allowB), req(acctC, "kinesis:GetRecords", stream), NotApplicable},
		{"other action", doc(allowB), req(acctB, "kinesis:PutRecords", stream), NotApplicable},
		{"other resource", doc(allowB), req(acctB, "kinesis:GetRecords", stream2), NotApplicable},
		{"action case-insensitive", doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"KINESIS:getrecords","Resource":"*"}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"root ARN principal", doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kinesis:GetRecords","Resource":"*"}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"principal list", doc(`{"Effect":"Allow","Principal":{"AWS":["444455556666","arn:aws:iam::111122223333:root"]},"Action":"kinesis:GetRecords","Resource":"*"}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"user ARN is not the account", doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kinesis:GetRecords","Resource":"*"}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"service principal never matches an account", doc(`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"kinesis:GetRecords","Resource":"*"}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"principal star", doc(`{"Effect":"Allow","Principal":"*","Action":"kinesis:GetRecords","Resource":"*"}`),
			req(acctC, "kinesis:GetRecords", stream), Allowed},
		{"principal AWS star", doc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kinesis:GetRecords","Resource":"*"}`),
			req(acctC, "kinesis:GetRecords", stream), Allowed},
		{"no account never matches", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`),
			req("", "kinesis:GetRecords", stream), NotApplicable},
		{"action wildcard", doc(`{"Effect":"Allow","Principal":"*","Action":"kinesis:Get*","Resource":"*"}`),
			req(acctB, "kinesis:GetShardIterator", stream), Allowed},
		{"action wildcard miss", doc(`{"Effect":"Allow","Principal":"*","Action":"kinesis:Get*","Resource":"*"}`),
			req(acctB, "kinesis:PutRecord", stream), NotApplicable},
		{"action ?", doc(`{"Effect":"Allow","Principal":"*","Action":"kinesis:PutRecord?","Resource":"*"}`),
			req(acctB, "kinesis:PutRecords", stream), Allowed},
		{"action ? needs one character", doc(`{"Effect":"Allow","Principal":"*","Action":"kinesis:PutRecord?","Resource":"*"}`),
			req(acctB, "kinesis:PutRecord", stream), NotApplicable},
		{"service star", doc(`{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"*"}`),
			req(acctB, "kinesis:ListShards", stream), Allowed},
		{"other service", doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`),
			req(acctB, "kinesis:ListShards", stream), NotApplicable},
		{"action list", doc(`{"Effect":"Allow","Principal":"*","Action":["kinesis:PutRecord","kinesis:ListShards"],"Resource":"*"}`),
			req(acctB, "kinesis:ListShards", stream), Allowed},
		{"NotAction", doc(`{"Effect":"Allow","Principal":"*","NotAction":"kinesis:Put*","Resource":"*"}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"NotAction excludes", doc(`{"Effect":"Allow","Principal":"*","NotAction":"kinesis:Put*","Resource":"*"}`),
			req(acctB, "kinesis:PutRecords", stream), NotApplicable},
		{"resource wildcard", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:kinesis:*:000000000000:stream/*"}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"resource ?", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:kinesis:us-east-1:000000000000:stream/?"}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"a * ending a part runs over colons", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:kinesis:us-*:stream/s"}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"a * inside a part stops at colons", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:kinesis:us*0:stream/s"}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"a ? does not match a colon", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:kinesis:us-east-1?000000000000:stream/s"}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"resource is case-sensitive", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:kinesis:us-east-1:000000000000:stream/S"}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"resource list", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":["` + stream2 + `","` + stream + `"]}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"consumer ARN with any creation time", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:*"}`),
			req(acctB, "kinesis:SubscribeToShard", cons), Allowed},
		{"stream pattern does not cover its consumers", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"` + stream + `"}`),
			req(acctB, "kinesis:SubscribeToShard", cons), NotApplicable},
		{"NotResource", doc(`{"Effect":"Allow","Principal":"*","Action":"*","NotResource":"` + stream2 + `"}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"deny wins", doc(allowB, `{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"kinesis:*","Resource":"*"}`),
			req(acctB, "kinesis:GetRecords", stream), Denied},
		{"deny before allow wins too", doc(`{"Effect":"Deny","Principal":"*","Action":"kinesis:GetRecords","Resource":"*"}`, allowB),
			req(acctB, "kinesis:GetRecords", stream), Denied},
		{"deny of the owner", doc(`{"Effect":"Deny","Principal":{"AWS":"000000000000"},"Action":"kinesis:PutRecords","Resource":"*"}`),
			req(owner, "kinesis:PutRecords", stream), Denied},
		{"NotPrincipal deny spares the named", doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"000000000000"},"Action":"*","Resource":"*"}`),
			req(owner, "kinesis:PutRecords", stream), NotApplicable},
		{"NotPrincipal deny hits the others", doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"000000000000"},"Action":"*","Resource":"*"}`),
			req(acctB, "kinesis:PutRecords", stream), Denied},
		{"single statement object", `{"Version":"2012-10-17","Statement":` + allowB + `}`,
			req(acctB, "kinesis:GetRecords", stream), Allowed},

		// Conditions tarn decides.
		{"PrincipalAccount holds", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"PrincipalAccount fails", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":["444455556666"]}}}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"condition key case-insensitive", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"AWS:PRINCIPALACCOUNT":"111122223333"}}}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"StringNotEquals", doc(`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"000000000000"}}}`),
			req(acctB, "kinesis:GetRecords", stream), Denied},
		{"StringNotEquals spares", doc(`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"000000000000"}}}`),
			req(owner, "kinesis:GetRecords", stream), NotApplicable},
		{"StringLike on PrincipalArn", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::1111*:root"}}}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"ArnLike on PrincipalArn", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:root"}}}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"ResourceAccount", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceAccount":"000000000000"}}}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},
		{"two conditions must both hold", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333","aws:ResourceAccount":"999999999999"}}}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"service key present", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"data"}}}`),
			&PolicyRequest{Account: acctB, Action: "kinesis:GetRecords", Resource: stream, Context: map[string][]string{"aws:resourcetag/team": {"data"}}, KnownPrefixes: []string{"aws:resourcetag/"}}, Allowed},
		{"service key known absent", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"data"}}}`),
			&PolicyRequest{Account: acctB, Action: "kinesis:GetRecords", Resource: stream, KnownPrefixes: []string{"aws:resourcetag/"}}, NotApplicable},
		{"IfExists on an absent key", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:ResourceTag/team":"data"}}}`),
			&PolicyRequest{Account: acctB, Action: "kinesis:GetRecords", Resource: stream, KnownPrefixes: []string{"aws:resourcetag/"}}, Allowed},
		{"Null true on an absent key", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"Null":{"aws:ResourceTag/team":"true"}}}`),
			&PolicyRequest{Account: acctB, Action: "kinesis:GetRecords", Resource: stream, KnownPrefixes: []string{"aws:resourcetag/"}}, Allowed},
		{"Bool", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:PrincipalIsAWSService":false}}}`),
			req(acctB, "kinesis:GetRecords", stream), Allowed},

		// Conditions tarn cannot decide: an Allow does not grant, a Deny denies.
		{"unknown key: allow does not grant", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"unknown key: deny denies", doc(`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`),
			req(acctB, "kinesis:GetRecords", stream), Denied},
		{"unsupported operator: deny denies", doc(`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:PrincipalAccount":"5"}}}`),
			req(acctB, "kinesis:GetRecords", stream), Denied},
		{"set operator: allow does not grant", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:PrincipalAccount":"111122223333"}}}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"a false condition beats an undecided one", doc(`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"444455556666"},"Bool":{"aws:SecureTransport":"false"}}}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"policy variables: allow does not grant", doc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:kinesis:*:*:stream/${aws:username}"}`),
			req(acctB, "kinesis:GetRecords", stream), NotApplicable},
		{"policy variables: deny denies", doc(`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalArn":"${aws:username}"}}}`),
			req(acctB, "kinesis:GetRecords", stream), Denied},
		{"2008 policies have no variables", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalArn":"${x}"}}}]}`,
			req(acctB, "kinesis:GetRecords", stream), Allowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePolicy(tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Evaluate(tc.req); got != tc.want {
				t.Fatalf("%s: got %v, want %v", tc.policy, got, tc.want)
			}
		})
	}
	var nilPolicy *Policy
	if nilPolicy.Evaluate(req(acctB, "kinesis:GetRecords", stream)) != NotApplicable {
		t.Fatal("a nil policy applies")
	}
}

func TestParsePolicyErrors(t *testing.T) {
	st := func(s string) string { return doc(s) }
	for _, tc := range []struct{ doc, msg string }{
		{``, "not a valid JSON object"},
		{`[]`, "not a valid JSON object"},
		{`{"Version":"2012-10-17","Statement":[]} trailing`, "not a valid JSON object"},
		{`{"Statement":[]}`, "missing required field Version"},
		{`{"Version":"2012-10-17"}`, "missing required field Statement"},
		{`{"Version":"2012-10-18","Statement":[]}`, `Version "2012-10-18" is not supported`},
		{`{"Version":1,"Statement":[]}`, "Version must be a string"},
		{`{"Version":"2012-10-17","Statement":[]}`, "Statement must not be empty"},
		{`{"Version":"2012-10-17","Statement":"x"}`, "Statement must be an object or a list"},
		{`{"Version":"2012-10-17","Statement":[1]}`, "Statement must be an object or a list"},
		{`{"Version":"2012-10-17","Version":"2012-10-17","Statement":[]}`, "duplicate element Version"},
		{`{"Version":"2012-10-17","Statement":[],"Extra":1}`, "unknown element Extra"},
		{st(`{"Principal":"*","Action":"*","Resource":"*"}`), "missing required field Effect"},
		{st(`{"Effect":"allow","Principal":"*","Action":"*","Resource":"*"}`), "Effect of statement 1 must be Allow or Deny"},
		{st(`{"Effect":"Allow","Action":"*","Resource":"*"}`), "missing required field Principal"},
		{st(`{"Effect":"Allow","Principal":"*","Resource":"*"}`), "missing required field Action"},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*"}`), "missing required field Resource"},
		{st(`{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*","Resource":"*"}`), "both Principal and NotPrincipal"},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"*","Resource":"*"}`), "both Action and NotAction"},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","NotResource":"*"}`), "both Resource and NotResource"},
		{st(`{"Effect":"Allow","Principal":"someone","Action":"*","Resource":"*"}`), "invalid Principal"},
		{st(`{"Effect":"Allow","Principal":{"AWS":"12345"},"Action":"*","Resource":"*"}`), `invalid principal "12345"`},
		{st(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/g"},"Action":"*","Resource":"*"}`), "invalid principal"},
		{st(`{"Effect":"Allow","Principal":{"AWS":[]},"Action":"*","Resource":"*"}`), "non-empty list"},
		{st(`{"Effect":"Allow","Principal":{},"Action":"*","Resource":"*"}`), "names no principal"},
		{st(`{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"*","Resource":"*"}`), "unsupported principal type Federated"},
		{st(`{"Effect":"Allow","Principal":{"Service":"not a service"},"Action":"*","Resource":"*"}`), "invalid service principal"},
		{st(`{"Effect":"Allow","Principal":"*","Action":"GetRecords","Resource":"*"}`), `invalid action "GetRecords"`},
		{st(`{"Effect":"Allow","Principal":"*","Action":"kinesis:Get Records","Resource":"*"}`), "invalid action"},
		{st(`{"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"}`), "non-empty list"},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"stream/s"}`), `invalid resource "stream/s"`},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Sid":1}`), "Sid of statement 1 must be a string"},
		{doc(`{"Sid":"a","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`, `{"Sid":"a","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), `duplicate Sid "a"`},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Foo":1}`), "unknown element Foo in statement 1"},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":"x"}`), "Condition of statement 1 is not a valid JSON object"},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEqualz":{"aws:PrincipalAccount":"1"}}}`), "unknown condition operator StringEqualz"},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"PrincipalAccount":"1"}}}`), `invalid condition key "PrincipalAccount"`},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":{}}}}`), "must be strings, numbers or booleans"},
		{st(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":[]}}}`), "must be strings, numbers or booleans"},
	} {
		_, err := ParsePolicy(tc.doc)
		if err == nil {
			t.Errorf("%s: accepted", tc.doc)
			continue
		}
		if !errs.Is(errs.Invalid, err) || !strings.Contains(PolicyMessage(err), tc.msg) {
			t.Errorf("%s: %v, want %q", tc.doc, err, tc.msg)
		}
	}
}

func TestParsePolicyShape(t *testing.T) {
	p, err := ParsePolicy(`{"Version":"2012-10-17","Id":"pol","Statement":[
		{"Sid":"read","Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:role/r"],"Service":"lambda.amazonaws.com"},
		 "Action":["kinesis:GetRecords","kinesis:Get*"],"Resource":"*","Condition":{"NumericLessThan":{"kinesis:x":[1,2]},"Bool":{"aws:y":true}}},
		{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"NotAction":"kinesis:Put*","NotResource":["arn:aws:kinesis:*"]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Statements[0]
	if p.ID != "pol" || len(p.Statements) != 2 || s.Sid != "read" || s.Effect != Allow || len(s.Principal.AWS) != 2 ||
		len(s.Principal.Service) != 1 || len(s.Actions) != 2 || len(s.Conditions) != 2 {
		t.Fatalf("parsed %+v", p)
	}
	c := s.Conditions[0]
	if c.Operator != "NumericLessThan" || c.Key != "kinesis:x" || strings.Join(c.Values, ",") != "1,2" || s.Conditions[1].Values[0] != "true" {
		t.Fatalf("conditions %+v", s.Conditions)
	}
	d := p.Statements[1]
	if d.Effect != Deny || !d.NotPrincipal.Any || d.NotActions[0] != "kinesis:Put*" || d.NotResources[0] != "arn:aws:kinesis:*" {
		t.Fatalf("second statement %+v", d)
	}
}

func TestMatchARN(t *testing.T) {
	for _, tc := range []struct {
		p    string
		want bool
	}{
		{"*", true}, {stream, true}, {"arn:aws:kinesis:*:*:stream/s", true}, {"arn:aws:kinesis:*", true},
		{"arn:aws:kinesis:us-east-1:000000000000:stream/?", true}, {"arn:aws:kinesis:us-east-1:000000000000:*", true},
		{"arn:aws:kinesis:*:stream/s", true}, {"arn:aws:kin*sis:us-east-1:000000000000:stream/s", true},
		{"arn:aws:kinesis:us-east-1:000000000000:stream/", false}, {"arn:aws:s3:::*", false},
		{"arn:aws:kinesis:us-east-1:0000*0000:stream/s", true}, {"arn:aws:kinesis:us-east-1:*0:stream/s", true},
		{"arn:aws:kinesis:us-e*1:stream/s", false}, {"", false}, {"arn:aws:kinesis:us-east-1:000000000000:stream/s?", false},
	} {
		if got := MatchARN(tc.p, stream); got != tc.want {
			t.Errorf("MatchARN(%q) = %v", tc.p, got)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"", "", true}, {"*", "", true}, {"*", "abc", true}, {"a*c", "abc", true}, {"a*c", "ac", true},
		{"a*c", "abd", false}, {"a?c", "abc", true}, {"a?c", "ac", false}, {"*b*", "abc", true},
		{"**", "x", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"abc", "abcd", false},
		{"*a*a*a*a*b", strings.Repeat("a", 200), false},
	} {
		if got := glob(tc.p, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

// FuzzParsePolicy checks the parser never panics, that what it accepts
// evaluates without panicking, and that accepted policies are accepted
// again (parsing is deterministic).
func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{
		doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kinesis:GetRecords","Resource":"` + stream + `"}`),
		doc(`{"Sid":"x","Effect":"Deny","NotPrincipal":"*","NotAction":["kinesis:*"],"NotResource":"arn:*","Condition":{"StringLikeIfExists":{"aws:PrincipalArn":["a*",1,true]},"Null":{"aws:ResourceTag/t":"true"}}}`),
		`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[]}`, `{}`, `[`, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[]}}]}`,
	} {
		f.Add(s, "kinesis:GetRecords", stream)
	}
	f.Fuzz(func(t *testing.T, policy, action, resource string) {
		p, err := ParsePolicy(policy)
		if err != nil {
			if !errs.Is(errs.Invalid, err) || PolicyMessage(err) == "" {
				t.Fatalf("error %v is not an Invalid error with a message", err)
			}
			return
		}
		if len(p.Statements) == 0 {
			t.Fatal("accepted a policy with no statement")
		}
		for _, acct := range []string{acctB, owner, ""} {
			r := &PolicyRequest{Account: acct, Principal: AccountARN(acct), Action: action, Resource: resource, Owner: owner,
				Context: map[string][]string{"aws:resourcetag/t": {"v"}}, KnownPrefixes: []string{"aws:resourcetag/"}}
			p.Evaluate(r)
		}
		if _, err := ParsePolicy(policy); err != nil {
			t.Fatalf("accepted once, refused again: %v", err)
		}
	})
}

// FuzzMatchARN checks MatchARN against a regular expression built from the
// same rule: * and ? stay within a colon-separated part, except a * that
// ends a part (or the pattern), which may run over colons.
func FuzzMatchARN(f *testing.F) {
	for _, p := range []string{"*", stream, "arn:aws:kinesis:*:*:stream/*", "arn:aws:kinesis:us-*:stream/s", "arn:*:s?",
		"arn:aws:kinesis:us*0:stream/s", "a*b*c:*"} {
		f.Add(p, stream)
		f.Add(p, cons)
	}
	f.Fuzz(func(t *testing.T, pattern, arn string) {
		if pattern == "*" {
			return
		}
		var re strings.Builder
		re.WriteString(`^`)
		for i := 0; i < len(pattern); i++ {
			switch c := pattern[i]; c {
			case '*':
				if i == len(pattern)-1 || pattern[i+1] == ':' {
					re.WriteString(`(?s:.*)`)
				} else {
					re.WriteString(`[^:]*`)
				}
			case '?':
				re.WriteString(`[^:]`)
			default:
				re.WriteString(regexp.QuoteMeta(string([]byte{c})))
			}
		}
		re.WriteString(`$`)
		if !utf8.ValidString(pattern) || !utf8.ValidString(arn) || strings.Contains(pattern, "?") && !isASCII(arn) {
			return // the regexp works on runes, MatchARN on bytes
		}
		want := regexp.MustCompile(re.String()).MatchString(arn)
		if got := MatchARN(pattern, arn); got != want {
			t.Fatalf("MatchARN(%q, %q) = %v, regexp %s says %v", pattern, arn, got, re.String(), want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
