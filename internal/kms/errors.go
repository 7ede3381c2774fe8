package kms

import (
	"fmt"

	"github.com/tarnhq/tarn/internal/errs"
)

// AWS KMS error codes the engine returns (errs.CodeOf). The front end maps
// them to wire errors one to one.
const (
	CodeNotFound         = "NotFoundException"
	CodeDisabled         = "DisabledException"
	CodeInvalidState     = "KMSInvalidStateException"
	CodeInvalidCiphertxt = "InvalidCiphertextException"
	CodeIncorrectKey     = "IncorrectKeyException"
	CodeAlreadyExists    = "AlreadyExistsException"
	CodeInvalidAlias     = "InvalidAliasNameException"
	CodeNotAuthorized    = "NotAuthorizedException"
	CodeTag              = "TagException"
	CodeLimitExceeded    = "LimitExceededException"
	CodeUnsupported      = "UnsupportedOperationException"
	CodeValidation       = "ValidationException"
	CodeInvalidMarker    = "InvalidMarkerException"
	CodeInvalidArn       = "InvalidArnException"
)

func kerr(op string, kind errs.Kind, code, format string, args ...any) error {
	return errs.E(op, kind, errs.Code(code), fmt.Sprintf(format, args...))
}

func errKeyNotFound(op, arn string) error {
	return kerr(op, errs.NotExist, CodeNotFound, "Key '%s' does not exist", arn)
}

func errAliasNotFound(op, arn string) error {
	return kerr(op, errs.NotExist, CodeNotFound, "Alias %s is not found.", arn)
}

func errDisabled(op, arn string) error {
	return kerr(op, errs.Precondition, CodeDisabled, "%s is disabled.", arn)
}

func errPendingDeletion(op, arn string) error {
	return kerr(op, errs.Precondition, CodeInvalidState, "%s is pending deletion.", arn)
}

func errInvalidCiphertext(op string) error {
	return errs.E(op, errs.Invalid, errs.Code(CodeInvalidCiphertxt), "")
}

// errValidation words a parameter error as AWS's request validator does.
func errValidation(op, field string, value any, constraint string) error {
	return kerr(op, errs.Invalid, CodeValidation,
		"1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

func errAWSManaged(op, arn string) error {
	return kerr(op, errs.Permission, CodeUnsupported, "%s is an AWS managed key; it cannot be changed.", arn)
}
