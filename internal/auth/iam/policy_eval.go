package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// PolicyRequest is one question asked of a resource policy: may this principal
// perform this action on this resource?
type PolicyRequest struct {
	Account   string // the caller's account id
	Principal string // the caller's principal ARN, e.g. arn:aws:iam::111122223333:root
	Action    string // service:Name, e.g. kinesis:GetRecords
	Resource  string // the resource's ARN
	Owner     string // the account owning the resource (aws:ResourceAccount)
	// Context holds the service's condition keys, lower-cased (e.g.
	// aws:resourcetag/team → its value). A key under one of KnownPrefixes
	// that is not in Context is known to be absent; any other key tarn
	// does not supply makes its condition undecidable.
	Context       map[string][]string
	KnownPrefixes []string
}

// AccountARN is the ARN of an account's root principal, which is what
// tarn's account principals are.
func AccountARN(account string) string { return "arn:aws:iam::" + account + ":root" }

// Evaluate decides r: Denied when a Deny statement applies (or might: a
// Deny whose condition tarn cannot decide counts as applying), Allowed
// when an Allow statement applies with a condition that holds, else
// NotApplicable. A nil policy is NotApplicable.
func (p *Policy) Evaluate(r *PolicyRequest) Decision {
	if p == nil {
		return NotApplicable
	}
	allowed := false
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.applies(r) {
			continue
		}
		c := s.holds(r)
		if s.Effect == Deny && c != condFalse {
			return Denied
		}
		if s.Effect == Allow && c == condTrue {
			allowed = true
		}
	}
	if allowed {
		return Allowed
	}
	return NotApplicable
}

// applies reports whether the statement's principal, action and resource
// cover r (its condition aside).
func (s *Statement) applies(r *PolicyRequest) bool {
	if s.Principal != nil && !s.Principal.matches(r) || s.NotPrincipal != nil && s.NotPrincipal.matches(r) {
		return false
	}
	if s.Actions != nil && !anyMatch(s.Actions, r.Action, MatchAction) ||
		s.NotActions != nil && anyMatch(s.NotActions, r.Action, MatchAction) {
		return false
	}
	if s.Resources != nil && !anyMatch(s.Resources, r.Resource, MatchARN) ||
		s.NotResources != nil && anyMatch(s.NotResources, r.Resource, MatchARN) {
		return false
	}
	return true
}

func anyMatch(patterns []string, s string, match func(p, s string) bool) bool {
	for _, p := range patterns {
		if match(p, s) {
			return true
		}
	}
	return false
}

// matches reports whether r's principal is in the set. An account id and
// its root ARN name every principal of the account (tarn's principals
// are accounts); any other IAM ARN must equal the caller's. Service
// principals never match a caller: tarn's callers are accounts.
func (ps *PrincipalSet) matches(r *PolicyRequest) bool {
	if r.Account == "" {
		return false
	}
	if ps.Any {
		return true
	}
	for _, a := range ps.AWS {
		if a == r.Account || a == AccountARN(r.Account) || r.Principal != "" && a == r.Principal {
			return true
		}
	}
	return false
}

// MatchAction matches an action pattern: case-insensitive, * and ?.
func MatchAction(pattern, action string) bool {
	return pattern == "*" || glob(strings.ToLower(pattern), strings.ToLower(action))
}

// MatchARN matches an ARN pattern as IAM does for Resource and ArnLike:
// * and ? match within one colon-separated part of the ARN, except that a
// * ending a part (followed by a colon or the end of the pattern) may run
// over colons into the next parts. "*" matches everything.
func MatchARN(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == arn
	}
	// prev[j] and cur[j]: does pattern[:i] match arn[:j]?
	prev, cur := make([]bool, len(arn)+1), make([]bool, len(arn)+1)
	prev[0] = true
	for i := 1; i <= len(pattern); i++ {
		c := pattern[i-1]
		spans := c == '*' && (i == len(pattern) || pattern[i] == ':')
		cur[0] = c == '*' && prev[0]
		for j := 1; j <= len(arn); j++ {
			switch c {
			case '*':
				cur[j] = prev[j] || cur[j-1] && (spans || arn[j-1] != ':')
			case '?':
				cur[j] = prev[j-1] && arn[j-1] != ':'
			default:
				cur[j] = prev[j-1] && c == arn[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(arn)]
}

// glob matches s against a pattern where * is any run of characters and
// ? is one character (in bytes: patterns and names here are ASCII; a
// multi-byte character needs as many ?). It runs in O(len(p)·len(s)).
func glob(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// Conditions.

type condResult uint8

const (
	condTrue condResult = iota
	condFalse
	condUnknown // tarn cannot decide: an operator or key it does not support
)

var operatorRE = regexp.MustCompile(`^((ForAllValues|ForAnyValue):)?(String(Not)?Equals(IgnoreCase)?|String(Not)?Like|Numeric(Not)?Equals|Numeric(LessThan|GreaterThan)(Equals)?|Date(Not)?Equals|Date(LessThan|GreaterThan)(Equals)?|Bool|BinaryEquals|(Not)?IpAddress|Arn(Not)?(Equals|Like))(IfExists)?$|^Null$`)

var conditionKeyRE = regexp.MustCompile(`^[a-zA-Z0-9-]+:[^\s]+$`)

// parseConditions reads a Condition block: {operator: {key: value(s)}},
// values being strings, numbers or booleans, or lists of them. vars
// reports policy variables in the values.
func parseConditions(v json.RawMessage, where, version string) (conds []Condition, vars bool, err error) {
	ops, err := object(v, "Condition of "+where)
	if err != nil {
		return nil, false, err
	}
	for _, op := range ops.keys {
		if !operatorRE.MatchString(op) {
			return nil, false, policyErr("unknown condition operator %s in %s.", op, where)
		}
		keys, err := object(ops.vals[op], "Condition."+op+" of "+where)
		if err != nil {
			return nil, false, err
		}
		for _, k := range keys.keys {
			if !conditionKeyRE.MatchString(k) {
				return nil, false, policyErr("invalid condition key %q in %s.", k, where)
			}
			vals, err := conditionValues(keys.vals[k])
			if err != nil {
				return nil, false, policyErr("the values of %s %s in %s must be strings, numbers or booleans, or a non-empty list of them.", op, k, where)
			}
			for _, x := range vals {
				if version == PolicyVersion2012 && strings.Contains(x, "${") {
					vars = true
				}
			}
			conds = append(conds, Condition{Operator: op, Key: strings.ToLower(k), Values: vals})
		}
	}
	return conds, vars, nil
}

func conditionValues(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	scalar := func(x any) (string, bool) {
		switch x := x.(type) {
		case string:
			return x, true
		case bool:
			return fmt.Sprint(x), true
		case json.Number:
			return x.String(), true
		}
		return "", false
	}
	if s, ok := scalar(v); ok {
		return []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("bad condition values")
	}
	out := make([]string, len(list))
	for i, x := range list {
		if out[i], ok = scalar(x); !ok {
			return nil, fmt.Errorf("bad condition value")
		}
	}
	return out, nil
}

// holds evaluates the statement's conditions: all must hold; one that
// tarn cannot decide makes the whole undecided unless another is false.
func (s *Statement) holds(r *PolicyRequest) condResult {
	if s.Variables {
		return condUnknown
	}
	res := condTrue
	for i := range s.Conditions {
		switch s.Conditions[i].eval(r) {
		case condFalse:
			return condFalse
		case condUnknown:
			res = condUnknown
		}
	}
	return res
}

// lookup returns a condition key's values: known reports whether tarn
// supplies the key at all, present whether this request has it.
func (r *PolicyRequest) lookup(key string) (vals []string, known, present bool) {
	switch key {
	case "aws:principalaccount":
		return []string{r.Account}, true, r.Account != ""
	case "aws:principalarn":
		p := r.Principal
		if p == "" && r.Account != "" {
			p = AccountARN(r.Account)
		}
		return []string{p}, true, p != ""
	case "aws:principaltype":
		return []string{"Account"}, true, r.Account != ""
	case "aws:principalisawsservice":
		return []string{"false"}, true, true
	case "aws:resourceaccount":
		return []string{r.Owner}, true, r.Owner != ""
	}
	if v, ok := r.Context[key]; ok {
		return v, true, true
	}
	for _, p := range r.KnownPrefixes {
		if strings.HasPrefix(key, p) {
			return nil, true, false
		}
	}
	return nil, false, false
}

func (c *Condition) eval(r *PolicyRequest) condResult {
	op := c.Operator
	if strings.HasPrefix(op, "ForAllValues:") || strings.HasPrefix(op, "ForAnyValue:") {
		return condUnknown
	}
	vals, known, present := r.lookup(c.Key)
	if !known {
		return condUnknown
	}
	if op == "Null" {
		res := condFalse
		for _, v := range c.Values {
			switch strings.ToLower(v) {
			case "true":
				if !present {
					res = condTrue
				}
			case "false":
				if present {
					res = condTrue
				}
			default:
				return condUnknown
			}
		}
		return res
	}
	op, ifExists := strings.CutSuffix(op, "IfExists")
	var match func(p, v string) bool
	switch op {
	case "StringEquals", "StringNotEquals":
		match = func(p, v string) bool { return p == v }
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		match = strings.EqualFold
	case "StringLike", "StringNotLike":
		match = glob
	case "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike":
		match = MatchARN
	case "Bool":
		match = strings.EqualFold
	default:
		return condUnknown // numeric, date, IP and binary comparisons
	}
	negated := strings.Contains(op, "Not")
	if !present {
		// IAM: an absent key fails a condition, except a negated one
		// (StringNotEquals, ArnNotLike…), which holds, and …IfExists.
		if ifExists || negated {
			return condTrue
		}
		return condFalse
	}
	hit := false
	for _, p := range c.Values {
		for _, v := range vals {
			if match(p, v) {
				hit = true
			}
		}
	}
	if hit != negated {
		return condTrue
	}
	return condFalse
}
