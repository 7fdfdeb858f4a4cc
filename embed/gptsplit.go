package embed

// knownSplitPattern returns a hand-written scanner for the well-known GPT split
// patterns; ok is false for any other pattern.
func knownSplitPattern(expr string) (splitPattern, bool) {
	return nil, false
}
