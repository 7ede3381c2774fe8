package crawler

import (
	"fmt"

	"github.com/tarnhq/tarn/internal/errs"
)

// Glue error codes the engine returns (errs.CodeOf); the front end maps
// them to wire errors one to one.
const (
	CodeNotFound             = "EntityNotFoundException"
	CodeAlreadyExists        = "AlreadyExistsException"
	CodeInvalidInput         = "InvalidInputException"
	CodeCrawlerRunning       = "CrawlerRunningException"
	CodeCrawlerNotRunning    = "CrawlerNotRunningException"
	CodeCrawlerStopping      = "CrawlerStoppingException"
	CodeSchedulerRunning     = "SchedulerRunningException"
	CodeSchedulerNotRunning  = "SchedulerNotRunningException"
	CodeNoSchedule           = "NoScheduleException"
	CodeInternal             = "InternalServiceException"
	CodeVersionMismatch      = "VersionMismatchException"
	CodeResourceNumberLimits = "ResourceNumberLimitExceededException"
)

func gerr(op string, kind errs.Kind, code, format string, args ...any) error {
	return errs.E(op, kind, errs.Code(code), fmt.Sprintf(format, args...))
}

func errInvalid(op, format string, args ...any) error {
	return gerr(op, errs.Invalid, CodeInvalidInput, format, args...)
}

func errIO(op string, err error) error {
	return errs.E(op, errs.IO, errs.Code(CodeInternal), "Internal service error.", err)
}
