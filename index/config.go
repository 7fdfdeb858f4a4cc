package index

import (
	"fmt"
	"runtime"
)

// Defaults chosen from scripts/bench-ann.sh measurements (see docs/index.md).
const (
	// DefaultM is hnswlib's M (graph degree; level 0 holds 2·M links).
	DefaultM = 16
	// DefaultEfConstruction is the candidate-list size while building the graph.
	DefaultEfConstruction = 200
	// DefaultEfSearch is the candidate-list size of a query when SearchOptions.Ef is 0:
	// the smallest measured ef with recall@10 >= 0.98 at N=100k on both bench datasets
	// (clustered reaches 0.993 at 64; the WordNet text vectors need 512: 0.975 at 256,
	// 0.986 at 512). Collections that want speed over recall set a lower ef_search.
	DefaultEfSearch = 512
	// DefaultExactThreshold is the live count at which New's index moves from exact
	// search to HNSW: the measured crossover (D=384, one thread) where one HNSW query at
	// DefaultEfSearch becomes cheaper than an exact scan (1.56 ms vs 1.48 ms at 20,000;
	// exact wins clearly at 10,000). At ef=64 the crossover is 2,000–3,000.
	DefaultExactThreshold = 20000
	// maxDimension bounds Config.Dimension so that a corrupt snapshot header cannot
	// make us allocate absurd buffers.
	maxDimension = 1 << 16
)

// Config describes an index. Zero values take the defaults above.
type Config struct {
	// Dimension is the vector length (required, > 0).
	Dimension int
	// Metric is cosine (default), dot or l2.
	Metric Metric
	// M, EfConstruction and EfSearch tune the HNSW graph.
	M, EfConstruction, EfSearch int
	// ExactThreshold is the live count at which New switches from exact search to HNSW;
	// it is also the allow-list size under which filtered HNSW searches go exact.
	ExactThreshold int
	// InitialCapacity pre-sizes storage; the HNSW graph grows by doubling past it.
	InitialCapacity int
	// Workers bounds the goroutines of one bulk upsert or one large exact scan
	// (0: GOMAXPROCS). Benchmarks set 1 for single-threaded figures.
	Workers int
}

// withDefaults validates c and fills in zero values.
func (c Config) withDefaults() (Config, error) {
	if c.Dimension <= 0 || c.Dimension > maxDimension {
		return c, fmt.Errorf("%w: dimension %d not in [1, %d]", ErrInvalidArgument, c.Dimension, maxDimension)
	}
	switch c.Metric {
	case "":
		c.Metric = Cosine
	case Cosine, Dot, L2:
	default:
		return c, fmt.Errorf("%w: unknown metric %q", ErrInvalidArgument, c.Metric)
	}
	if c.M == 0 {
		c.M = DefaultM
	}
	if c.EfConstruction == 0 {
		c.EfConstruction = DefaultEfConstruction
	}
	if c.EfSearch == 0 {
		c.EfSearch = DefaultEfSearch
	}
	if c.ExactThreshold == 0 {
		c.ExactThreshold = DefaultExactThreshold
	}
	if c.M < 2 || c.M > 1024 || c.EfConstruction < 1 || c.EfConstruction > 1<<16 ||
		c.EfSearch < 1 || c.EfSearch > 1<<16 || c.ExactThreshold < 0 || c.InitialCapacity < 0 || c.Workers < 0 {
		return c, fmt.Errorf("%w: config %+v out of range", ErrInvalidArgument, c)
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c, nil
}
