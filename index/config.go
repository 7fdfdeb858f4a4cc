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
	// DefaultEfSearch is the candidate-list size of a query when SearchOptions.Ef is 0.
	DefaultEfSearch = 64
	// DefaultExactThreshold is the live count at which New's index moves from exact
	// search to HNSW: the measured crossover where one HNSW query at DefaultEfSearch
	// becomes cheaper than an exact scan, with margin for the graph build.
	DefaultExactThreshold = 2500
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
