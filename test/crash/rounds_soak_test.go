//go:build crash

package crash

// defaultRounds is the soak that `make crash` (build tag crash) runs.
const defaultRounds = 20
