package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
)

// Resource-based policies: ParsePolicy checks a policy document's shape
// and compiles it; Policy.Evaluate answers one (principal, action,
// resource) question the way AWS evaluates a resource policy: an
// explicit Deny wins, then an Allow, else the policy does not apply.
// Services add their own checks (which actions a resource's policy may
// name) on the parsed statements; Kinesis stream and consumer policies
// are the first users, S3 bucket policies are meant to be the next.

// Policy versions IAM accepts.
const (
	PolicyVersion2012 = "2012-10-17"
	PolicyVersion2008 = "2008-10-17"
)

// Effect is a statement's effect.
type Effect uint8

// Effects.
const (
	Allow Effect = iota + 1
	Deny
)

func (e Effect) String() string {
	if e == Deny {
		return "Deny"
	}
	return "Allow"
}

// Policy is a parsed resource-based policy.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one statement of a policy. Exactly one of Principal and
// NotPrincipal, of Actions and NotActions, and of Resources and
// NotResources is set.
type Statement struct {
	Sid          string
	Effect       Effect
	Principal    *PrincipalSet
	NotPrincipal *PrincipalSet
	Actions      []string // "service:Name" patterns with * and ?, or "*"
	NotActions   []string
	Resources    []string // ARN patterns with * and ?, or "*"
	NotResources []string
	Conditions   []Condition
	// Variables is set when the statement uses policy variables
	// (${aws:username} and the like), which tarn does not substitute:
	// such a statement is evaluated as one whose condition cannot be
	// decided.
	Variables bool
}

// PrincipalSet is the Principal (or NotPrincipal) of a statement.
type PrincipalSet struct {
	Any     bool     // "*" or {"AWS": "*"}
	AWS     []string // account ids and IAM ARNs
	Service []string // service principals, e.g. lambda.amazonaws.com
}

// Condition is one (operator, key, values) test of a Condition block;
// a statement's conditions must all hold.
type Condition struct {
	Operator string // as written, e.g. StringEqualsIfExists
	Key      string // lower-cased condition key, e.g. aws:principalaccount
	Values   []string
}

// Decision is the outcome of evaluating a policy.
type Decision uint8

// Decisions.
const (
	NotApplicable Decision = iota // no statement applies: an implicit deny
	Allowed                       // an Allow applies and no Deny does
	Denied                        // an explicit Deny applies
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "allowed"
	case Denied:
		return "denied"
	}
	return "not applicable"
}

// policyErr is the error ParsePolicy returns: kind Invalid, with a
// message for the caller (the service prefixes it, e.g. "Invalid policy: ").
func policyErr(format string, args ...any) error {
	return errs.E("iam.ParsePolicy", errs.Invalid, fmt.Sprintf(format, args...))
}

// PolicyMessage returns the caller-facing text of a ParsePolicy error.
func PolicyMessage(err error) string {
	if e, ok := err.(*errs.Error); ok {
		return e.Msg
	}
	return err.Error()
}

// ParsePolicy parses and checks a policy document: a JSON object with
// Version (2012-10-17 or 2008-10-17), an optional Id, and Statement (one
// statement or a non-empty list). Each statement has an Effect, a
// Principal or NotPrincipal, an Action or NotAction, a Resource or
// NotResource, and optionally a Sid and a Condition. Unknown elements,
// duplicate keys and malformed values are errors (kind Invalid).
func ParsePolicy(doc string) (*Policy, error) {
	top, err := object([]byte(doc), "the policy")
	if err != nil {
		return nil, err
	}
	p := &Policy{}
	for _, k := range top.keys {
		v := top.vals[k]
		switch k {
		case "Version":
			if err := json.Unmarshal(v, &p.Version); err != nil {
				return nil, policyErr("Version must be a string.")
			}
			if p.Version != PolicyVersion2012 && p.Version != PolicyVersion2008 {
				return nil, policyErr("Version %q is not supported; use %q.", p.Version, PolicyVersion2012)
			}
		case "Id":
			if err := json.Unmarshal(v, &p.ID); err != nil {
				return nil, policyErr("Id must be a string.")
			}
		case "Statement":
		default:
			return nil, policyErr("unknown element %s.", k)
		}
	}
	if _, ok := top.vals["Version"]; !ok {
		return nil, policyErr("missing required field Version.")
	}
	st, ok := top.vals["Statement"]
	if !ok {
		return nil, policyErr("missing required field Statement.")
	}
	var list []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(st), []byte("[")) {
		if err := json.Unmarshal(st, &list); err != nil {
			return nil, policyErr("Statement must be an object or a list of objects.")
		}
		if len(list) == 0 {
			return nil, policyErr("Statement must not be empty.")
		}
	} else {
		list = []json.RawMessage{st}
	}
	sids := map[string]bool{}
	for i, raw := range list {
		s, err := parseStatement(raw, p.Version, i+1)
		if err != nil {
			return nil, err
		}
		if s.Sid != "" {
			if sids[s.Sid] {
				return nil, policyErr("duplicate Sid %q.", s.Sid)
			}
			sids[s.Sid] = true
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

// obj is a decoded JSON object with its keys in document order.
type obj struct {
	keys []string
	vals map[string]json.RawMessage
}

// object decodes a JSON object, refusing duplicate keys (IAM does).
func object(b []byte, what string) (obj, error) {
	o := obj{vals: map[string]json.RawMessage{}}
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if d, ok := t.(json.Delim); err != nil || !ok || d != '{' {
		return o, policyErr("%s is not a valid JSON object.", what)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return o, policyErr("%s is not a valid JSON object.", what)
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return o, policyErr("%s is not a valid JSON object.", what)
		}
		if _, dup := o.vals[k]; dup {
			return o, policyErr("duplicate element %s in %s.", k, what)
		}
		o.keys = append(o.keys, k)
		o.vals[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return o, policyErr("%s is not a valid JSON object.", what)
	}
	if _, err := dec.Token(); err != io.EOF {
		return o, policyErr("%s is not a valid JSON object.", what)
	}
	return o, nil
}

// strings1 decodes a string or a non-empty list of strings.
func strings1(v json.RawMessage, what string) ([]string, error) {
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(v, &many) != nil || len(many) == 0 {
		return nil, policyErr("%s must be a string or a non-empty list of strings.", what)
	}
	return many, nil
}

func parseStatement(raw json.RawMessage, version string, n int) (Statement, error) {
	var s Statement
	where := fmt.Sprintf("statement %d", n)
	o, err := object(raw, where)
	if err != nil {
		return s, policyErr("Statement must be an object or a list of objects.")
	}
	for _, k := range o.keys {
		v := o.vals[k]
		switch k {
		case "Sid":
			if json.Unmarshal(v, &s.Sid) != nil {
				return s, policyErr("Sid of %s must be a string.", where)
			}
		case "Effect":
			var e string
			json.Unmarshal(v, &e)
			switch e {
			case "Allow":
				s.Effect = Allow
			case "Deny":
				s.Effect = Deny
			default:
				return s, policyErr("Effect of %s must be Allow or Deny.", where)
			}
		case "Principal", "NotPrincipal":
			ps, err := parsePrincipal(v, k, where)
			if err != nil {
				return s, err
			}
			if k == "Principal" {
				s.Principal = ps
			} else {
				s.NotPrincipal = ps
			}
		case "Action", "NotAction":
			list, err := strings1(v, k+" of "+where)
			if err != nil {
				return s, err
			}
			for _, a := range list {
				if !actionRE.MatchString(a) {
					return s, policyErr("invalid action %q in %s: an action is service:Name (with * and ? wildcards) or *.", a, where)
				}
			}
			if k == "Action" {
				s.Actions = list
			} else {
				s.NotActions = list
			}
		case "Resource", "NotResource":
			list, err := strings1(v, k+" of "+where)
			if err != nil {
				return s, err
			}
			for _, r := range list {
				if r != "*" && !strings.HasPrefix(r, "arn:") {
					return s, policyErr("invalid resource %q in %s: a resource is an ARN or *.", r, where)
				}
				if version == PolicyVersion2012 && strings.Contains(r, "${") {
					s.Variables = true
				}
			}
			if k == "Resource" {
				s.Resources = list
			} else {
				s.NotResources = list
			}
		case "Condition":
			conds, vars, err := parseConditions(v, where, version)
			if err != nil {
				return s, err
			}
			s.Conditions, s.Variables = conds, s.Variables || vars
		default:
			return s, policyErr("unknown element %s in %s.", k, where)
		}
	}
	switch {
	case s.Effect == 0:
		return s, policyErr("missing required field Effect in %s.", where)
	case s.Principal == nil && s.NotPrincipal == nil:
		return s, policyErr("missing required field Principal in %s.", where)
	case s.Principal != nil && s.NotPrincipal != nil:
		return s, policyErr("%s has both Principal and NotPrincipal.", where)
	case s.Actions == nil && s.NotActions == nil:
		return s, policyErr("missing required field Action in %s.", where)
	case s.Actions != nil && s.NotActions != nil:
		return s, policyErr("%s has both Action and NotAction.", where)
	case s.Resources == nil && s.NotResources == nil:
		return s, policyErr("missing required field Resource in %s.", where)
	case s.Resources != nil && s.NotResources != nil:
		return s, policyErr("%s has both Resource and NotResource.", where)
	}
	return s, nil
}

var (
	actionRE       = regexp.MustCompile(`^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$`)
	accountIDRE    = regexp.MustCompile(`^\d{12}$`)
	iamPrincipalRE = regexp.MustCompile(`^arn:aws[a-z-]*:(iam::\d{12}:(root|user/\S+|role/\S+)|sts::\d{12}:assumed-role/\S+)$`)
	servicePrinRE  = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$`)
)

func parsePrincipal(v json.RawMessage, field, where string) (*PrincipalSet, error) {
	var star string
	if json.Unmarshal(v, &star) == nil {
		if star != "*" {
			return nil, policyErr("invalid %s in %s: use \"*\" or an object such as {\"AWS\": \"111122223333\"}.", field, where)
		}
		return &PrincipalSet{Any: true}, nil
	}
	o, err := object(v, field+" of "+where)
	if err != nil {
		return nil, err
	}
	ps := &PrincipalSet{}
	for _, k := range o.keys {
		list, err := strings1(o.vals[k], field+"."+k+" of "+where)
		if err != nil {
			return nil, err
		}
		switch k {
		case "AWS":
			for _, a := range list {
				switch {
				case a == "*":
					ps.Any = true
				case accountIDRE.MatchString(a), iamPrincipalRE.MatchString(a):
					ps.AWS = append(ps.AWS, a)
				default:
					return nil, policyErr("invalid principal %q in %s: use an account id, an IAM ARN or *.", a, where)
				}
			}
		case "Service":
			for _, a := range list {
				if !servicePrinRE.MatchString(a) {
					return nil, policyErr("invalid service principal %q in %s.", a, where)
				}
			}
			ps.Service = append(ps.Service, list...)
		default:
			return nil, policyErr("unsupported principal type %s in %s: use AWS or Service.", k, where)
		}
	}
	if !ps.Any && len(ps.AWS) == 0 && len(ps.Service) == 0 {
		return nil, policyErr("%s of %s names no principal.", field, where)
	}
	return ps, nil
}
