package streams

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tarnhq/tarn/internal/errs"
)

// AWS error codes the engine returns (carried in errs.Error.Code).
const (
	CodeNotFound        = "ResourceNotFoundException"
	CodeInUse           = "ResourceInUseException"
	CodeLimitExceeded   = "LimitExceededException"
	CodeInvalidArgument = "InvalidArgumentException"
	CodeValidation      = "ValidationException"
	CodeThroughput      = "ProvisionedThroughputExceededException"
	CodeExpiredIterator = "ExpiredIteratorException"
	CodeInternal        = "InternalFailure"
	CodeAccessDenied    = "AccessDeniedException"
)

func kindOf(code string) errs.Kind {
	switch code {
	case CodeNotFound:
		return errs.NotExist
	case CodeInUse:
		return errs.Conflict
	case CodeInvalidArgument, CodeValidation:
		return errs.Invalid
	case CodeLimitExceeded, CodeThroughput:
		return errs.Unavailable
	case CodeExpiredIterator:
		return errs.Precondition
	case CodeAccessDenied:
		return errs.Permission
	}
	return errs.Other
}

func fail(op, code, format string, args ...any) error {
	return errs.E("streams."+op, kindOf(code), errs.Code(code), fmt.Sprintf(format, args...))
}

func notFound(op, account, name string) error {
	return fail(op, CodeNotFound, "Stream %s under account %s not found.", name, account)
}

// validation collects constraint violations in AWS's wording:
// "N validation error(s) detected: Value '…' at '…' failed to satisfy
// constraint: …; Value …".
type validation []string

func (v *validation) add(value any, field, constraint string) {
	var vs string
	switch x := value.(type) {
	case nil:
		vs = "null"
	case string:
		vs = "'" + x + "'"
	default:
		vs = fmt.Sprintf("'%v'", x)
	}
	*v = append(*v, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", vs, field, constraint))
}

func (v validation) err(op string) error {
	if len(v) == 0 {
		return nil
	}
	noun := "error"
	if len(v) > 1 {
		noun = "errors"
	}
	return fail(op, CodeValidation, "%d validation %s detected: %s", len(v), noun, strings.Join(v, "; "))
}

var streamNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// streamName checks a stream name (required unless an ARN is allowed
// instead; the caller decides).
func (v *validation) streamName(name, field string) {
	if name == "" {
		return
	}
	if !streamNameRE.MatchString(name) {
		v.add(name, field, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	if len(name) > 128 {
		v.add(name, field, "Member must have length less than or equal to 128")
	}
}

var arnRE = regexp.MustCompile(`^arn:aws.*:kinesis:.*:\d{12}:stream/\S+$`)

func (v *validation) streamARN(arn, field string) {
	if arn == "" {
		return
	}
	if len(arn) > 2048 {
		v.add(arn, field, "Member must have length less than or equal to 2048")
	}
	if !arnRE.MatchString(arn) {
		v.add(arn, field, "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+")
	}
}

var shardIDRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

func (v *validation) shardID(id, field string) {
	if id == "" {
		v.add(nil, field, "Member must not be null")
		return
	}
	if !shardIDRE.MatchString(id) {
		v.add(id, field, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	if len(id) > 128 {
		v.add(id, field, "Member must have length less than or equal to 128")
	}
}

var hashKeyRE = regexp.MustCompile(`^(0|[1-9]\d{0,38})$`)

func (v *validation) hashKeyString(k, field string, required bool) {
	if k == "" {
		if required {
			v.add(nil, field, "Member must not be null")
		}
		return
	}
	if !hashKeyRE.MatchString(k) {
		v.add(k, field, "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})")
	}
}
