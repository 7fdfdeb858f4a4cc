package embed

// truncationStrategy is tokenizer.json's truncation strategy for pairs.
type truncationStrategy uint8

const (
	// longestFirst removes tokens from the longer sequence first (HF's default).
	longestFirst truncationStrategy = iota
	// onlyFirst truncates only the first sequence.
	onlyFirst
	// onlySecond truncates only the second sequence.
	onlySecond
)

// pairLengths returns how many tokens of each sequence Hugging Face's truncate_encodings
// keeps when n1 + n2 tokens must fit in budget. ok is false when the strategy cannot
// fit them (OnlyFirst/OnlySecond with too short a sequence to cut), where HF errors.
func pairLengths(n1, n2, budget int, strategy truncationStrategy) (k1, k2 int, ok bool) {
	if budget < 0 {
		budget = 0
	}
	if n1+n2 <= budget {
		return n1, n2, true
	}
	switch strategy {
	case onlyFirst:
		if remove := n1 + n2 - budget; remove < n1 {
			return n1 - remove, n2, true
		}
		return n1, n2, false
	case onlySecond:
		if remove := n1 + n2 - budget; remove < n2 {
			return n1, n2 - remove, true
		}
		return n1, n2, false
	}
	// LongestFirst, exactly as tokenizers/src/utils/truncation.rs.
	swap := false
	if n1 > n2 {
		swap = true
		n1, n2 = n2, n1
	}
	if n1 > budget {
		n2 = n1
	} else {
		n2 = max(n1, budget-n1)
	}
	if n1+n2 > budget {
		n1 = budget / 2
		n2 = n1 + budget%2
	}
	if swap {
		n1, n2 = n2, n1
	}
	return n1, n2, true
}

// cutTokens keeps n tokens of toks from the right end (left truncation) or the left.
func cutTokens[T any](toks []T, n int, left bool) []T {
	if len(toks) <= n {
		return toks
	}
	if left {
		return toks[len(toks)-n:]
	}
	return toks[:n]
}
