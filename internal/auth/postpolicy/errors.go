package postpolicy

// S3 error codes a PolicyError carries.
const (
	CodeAccessDenied          = "AccessDenied"          // 403: expired policy, failed condition, extra field
	CodeInvalidPolicyDocument = "InvalidPolicyDocument" // 400: malformed policy
	CodeEntityTooSmall        = "EntityTooSmall"        // 400: file below content-length-range
	CodeEntityTooLarge        = "EntityTooLarge"        // 400: file above content-length-range
)

// PolicyError is a POST policy failure: the S3 error code and the message to
// answer with.
type PolicyError struct {
	Code    string
	Message string
}

func (e *PolicyError) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus returns the status S3 answers with for e.Code.
func (e *PolicyError) HTTPStatus() int {
	if e.Code == CodeAccessDenied {
		return 403
	}
	return 400
}

func accessDenied(msg string) *PolicyError {
	return &PolicyError{Code: CodeAccessDenied, Message: "Invalid according to Policy: " + msg}
}

func invalidPolicy(msg string) *PolicyError {
	return &PolicyError{Code: CodeInvalidPolicyDocument, Message: "Invalid Policy: " + msg}
}
