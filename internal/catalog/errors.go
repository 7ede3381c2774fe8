package catalog

import (
	"errors"
	"fmt"

	"github.com/tarnhq/tarn/internal/errs"
)

// Glue error codes the engine returns (errs.CodeOf); the front end maps
// them to wire errors one to one.
const (
	CodeNotFound      = "EntityNotFoundException"
	CodeAlreadyExists = "AlreadyExistsException"
	CodeInvalidInput  = "InvalidInputException"
	CodeConcurrent    = "ConcurrentModificationException"
	CodeLimit         = "ResourceNumberLimitExceededException"
	CodeInternal      = "InternalServiceException"
	CodeAccessDenied  = "AccessDeniedException"
)

func gerr(op string, kind errs.Kind, code, format string, args ...any) error {
	return errs.E(op, kind, errs.Code(code), fmt.Sprintf(format, args...))
}

func errInvalid(op, format string, args ...any) error {
	return gerr(op, errs.Invalid, CodeInvalidInput, format, args...)
}

func errNoDatabase(op, db string) error {
	return gerr(op, errs.NotExist, CodeNotFound, "Database %s not found.", db)
}

func errNoTable(op, table string) error {
	return gerr(op, errs.NotExist, CodeNotFound, "Table %s not found.", table)
}

func errNoPartition(op string) error {
	return gerr(op, errs.NotExist, CodeNotFound, "Partition not found.")
}

func errExists(op, what string) error {
	return gerr(op, errs.Exist, CodeAlreadyExists, "%s already exists.", what)
}

func errIO(op string, err error) error {
	return errs.E(op, errs.IO, errs.Code(CodeInternal), "Internal service error.", err)
}

func errorsAs(err error, target **errs.Error) bool { return errors.As(err, target) }
