package formats

type XMLOptions struct{ RowTag string }
type GrokOptions struct{ Pattern, CustomPatterns string }
