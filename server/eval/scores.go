package eval

// Scores holds the metrics reported for one query, or their mean over queries.
type Scores struct {
	NDCG10    float64 `json:"ndcg@10"`
	Recall10  float64 `json:"recall@10"`
	Recall100 float64 `json:"recall@100"`
	MRR10     float64 `json:"mrr@10"`
	MAP100    float64 `json:"map@100"`
}

// Score computes every reported metric of one ranking against one query's judgments.
func Score(ranking []string, j Judgments) Scores {
	return Scores{
		NDCG10:    NDCG(ranking, j, 10),
		Recall10:  Recall(ranking, j, 10),
		Recall100: Recall(ranking, j, 100),
		MRR10:     MRR(ranking, j, 10),
		MAP100:    AP(ranking, j, 100),
	}
}

// Mean averages per-query scores; the mean of nothing is all zeros.
func Mean(all []Scores) Scores {
	var m Scores
	if len(all) == 0 {
		return m
	}
	for _, s := range all {
		m.NDCG10 += s.NDCG10
		m.Recall10 += s.Recall10
		m.Recall100 += s.Recall100
		m.MRR10 += s.MRR10
		m.MAP100 += s.MAP100
	}
	n := float64(len(all))
	m.NDCG10 /= n
	m.Recall10 /= n
	m.Recall100 /= n
	m.MRR10 /= n
	m.MAP100 /= n
	return m
}
