package eval

import "sort"

// ChangedDocs lists, sorted, the documents relevant under the original instruction (og > 0)
// that are not relevant under the changed one (missing or <= 0 in changed): the documents
// whose movement p-MRR measures (mteb's FollowIR "qrel_diff").
func ChangedDocs(og, changed Judgments) []string {
	var ids []string
	for id, rel := range og {
		if rel > 0 && changed[id] <= 0 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// RankScore is mteb's per-document p-MRR term for a document that stopped being relevant,
// from its 1-based rank in the original and in the changed run. A document that moved down
// scores 1 - rankOG/rankNew in (0, 1); one that stayed or moved up scores
// rankNew/rankOG - 1 in (-1, 0].
func RankScore(rankOG, rankNew int) float64 {
	og, nw := float64(rankOG), float64(rankNew)
	if og >= nw {
		return (1/og)/(1/nw) - 1
	}
	return 1 - (1/nw)/(1/og)
}

// rankOf is the 1-based position of id in ranking, or len(ranking)+1 when it was not
// retrieved (mteb's get_rank_from_dict).
func rankOf(ranking []string, id string) int {
	for i, got := range ranking {
		if got == id {
			return i + 1
		}
	}
	return len(ranking) + 1
}

// PairedMRR is one query's p-MRR (mteb's FollowIR metric): the mean RankScore over
// ChangedDocs(og, changed), each ranked in the original-instruction run and in the
// changed-instruction run. ok is false when no document changed, and such a query is left
// out of the mean over queries. Values lie in [-1, 1]: positive when the model pushes
// documents down once the instruction excludes them; the FollowIR paper prints them ×100.
func PairedMRR(rankingOG, rankingChanged []string, og, changed Judgments) (score float64, ok bool) {
	docs := ChangedDocs(og, changed)
	if len(docs) == 0 {
		return 0, false
	}
	var sum float64
	for _, id := range docs {
		sum += RankScore(rankOf(rankingOG, id), rankOf(rankingChanged, id))
	}
	return sum / float64(len(docs)), true
}
