//go:build !crash

package crash

// defaultRounds is the short run that `go test ./...` does (under ~30 s).
const defaultRounds = 2
