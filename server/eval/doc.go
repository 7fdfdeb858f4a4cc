// Package eval is instructd's built-in retrieval evaluator: the metrics (nDCG@k, Recall@k,
// MRR@k, MAP@k and FollowIR's p-MRR), loaders for BEIR and FollowIR dataset directories,
// and a runner that ingests a corpus and searches every query through a Backend (the
// in-process server or the HTTP API) in each requested mode.
//
// Metrics follow pytrec_eval (trec_eval) and BEIR:
//   - a run is re-sorted by score descending, ties broken by document id in DESCENDING
//     byte order, exactly as trec_eval's comp_sim_docno does; a repeated id keeps its
//     first (best) position;
//   - a document is relevant when its judgment is > 0; documents missing from the qrels
//     are non-relevant (gain 0);
//   - nDCG@k uses linear gain (the judgment itself) and the log2(rank+1) discount; the
//     ideal DCG ranks ALL judged relevant documents of the query by gain and cuts at k;
//   - Recall@k and MAP@k divide by the number of relevant documents in the qrels (MAP@k is
//     trec_eval's map_cut_k: precision at each relevant document within the top k, summed,
//     over the total number of relevant documents);
//   - MRR@k is BEIR's: 1/rank of the first relevant document within the top k, else 0;
//   - p-MRR is mteb's FollowIR metric (see PairedMRR).
//
// Queries whose qrels hold no relevant document are not evaluated (they would score 0 on
// every metric and only dilute the mean); a query that is evaluated but returns nothing
// scores 0 (trec_eval -c behaviour).
//
// Lifecycle: Load a Dataset, wrap a server in a Backend, call Run, then print the Report
// with WriteTable, WritePerQuery and WriteSummary. Run owns its worker goroutines and
// waits for them before returning.
package eval
