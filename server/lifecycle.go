package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/models"
	"github.com/instructd/instructd/server/store"
)

// storeFile is the bbolt file inside DataDir.
const storeFile = "instructd.db"

// Server is the composition root: it owns the store, the collections with their
// indexes, the model packs' embedders, the metrics registry and the snapshot goroutine.
type Server struct {
	cfg     Config
	log     *slog.Logger
	deps    deps
	store   *store.Store
	metrics *metrics

	packs      []*pack // packs[0] is the default
	packByName map[string]*pack

	rerankers      []*rerankPack // reranker packs, in load order (see rerank.go)
	rerankerByName map[string]*rerankPack

	mu    sync.RWMutex // guards colls
	colls map[string]*collection

	ready     atomic.Bool
	closed    atomic.Bool // set by Close: requests get ErrUnavailable
	closeOnce sync.Once
	closeErr  error
	snapStop  chan struct{}
	snapDone  chan struct{}
	// recoverDone is closed when start-up recovery ends; stopRecover cancels it.
	recoverDone chan struct{}
	recoverErr  error // written before recoverDone closes
	stopRecover context.CancelFunc

	// remote is set when Config.Backend is: collections live there, not in store.
	remote *remoteTier
	// tier holds the collections: localTier, or remote when the backend is set.
	tier tier
}

// pack is one loaded model pack.
type pack struct {
	name string
	dir  string
	emb  embedder
}

// Open starts everything but the listener, in order: config → store → model packs
// and embedders → collections registered as loading → snapshot loop. It returns
// then; collections recover in the background one by one (each answers 503 with
// Retry-After until it is done) and the server reports ready when all are.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	return openWith(ctx, cfg, defaultDeps())
}

func openWith(ctx context.Context, cfg Config, d deps) (_ *Server, err error) {
	cfg, err = cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:         cfg,
		log:         cfg.Logger,
		deps:        d,
		metrics:     newMetrics(),
		packByName:  map[string]*pack{},
		colls:       map[string]*collection{},
		recoverDone: make(chan struct{}),
	}
	s.tier = localTier{s: s}
	if cfg.Backend != nil {
		s.metrics.useBackendCounts(s)
		if err := s.openRemote(ctx); err != nil {
			return nil, err
		}
		return s, nil
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, indexDir), 0o755); err != nil {
		return nil, fmt.Errorf("server: data directory: %w", err)
	}
	defer func() {
		if err != nil {
			s.closeResources()
		}
	}()
	start := time.Now()
	if s.store, err = store.Open(filepath.Join(cfg.DataDir, storeFile), store.Options{}); err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, dataDirInUse(cfg.DataDir)
		}
		return nil, fmt.Errorf("server: %w", err)
	}
	// Only the process holding the store's lock may clean up or claim the directory: a
	// second server must not delete the first one's snapshot in progress.
	writePIDFile(cfg.DataDir, s.log)
	removeTempFiles(filepath.Join(cfg.DataDir, indexDir), s.log)
	// Packs load before collections so that collections can bind to their pack; both
	// happen before the server reports ready.
	if err := s.loadPacks(ctx, d); err != nil {
		return nil, err
	}
	if err := s.checkAliases(); err != nil {
		return nil, err
	}
	loading, err := s.registerStored()
	if err != nil {
		return nil, err
	}
	if cfg.SnapshotInterval > 0 {
		s.snapStop, s.snapDone = make(chan struct{}), make(chan struct{})
		go s.snapshotLoop(cfg.SnapshotInterval)
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopRecover = cancel
	go s.recoverLoading(rctx, loading)
	s.log.Info("server started, collections recovering", "collections", len(loading), "packs", len(s.packs), "elapsed", time.Since(start))
	return s, nil
}

// loadPacks loads cfg.ModelPacks: embedders, and rerankers where the deps can open
// them, in the order given; both tiers load them the same way.
func (s *Server) loadPacks(ctx context.Context, d deps) error {
	for _, dir := range s.cfg.ModelPacks {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("server: open cancelled: %w", err)
		}
		if m, err := models.ReadManifest(dir); err == nil && m.KindOrDefault() == models.KindReranker {
			if d.openReranker == nil {
				return fmt.Errorf("server: load pack %s: reranker packs are not supported here", dir)
			}
			rr, err := d.openReranker(ctx, dir, s.cfg, s.metrics)
			if err != nil {
				return fmt.Errorf("server: load reranker pack %s: %w", dir, err)
			}
			if err := s.addReranker(dir, rr); err != nil {
				rr.Close()
				return err
			}
			continue
		}
		emb, err := d.openEmbedder(ctx, dir, s.cfg, s.metrics)
		if err != nil {
			return fmt.Errorf("server: load pack %s: %w", dir, err)
		}
		p := &pack{name: emb.Manifest().Name, dir: dir, emb: emb}
		s.packs = append(s.packs, p)
		if _, dup := s.packByName[p.name]; dup {
			return fmt.Errorf("server: pack %q loaded twice (%s)", p.name, dir)
		}
		s.packByName[p.name] = p
		s.log.Info("model pack loaded", "model", p.name, "dir", dir, "dimension", emb.Manifest().Dimension)
	}
	return nil
}

// Close stops the snapshot loop, snapshots changed collections, then closes the
// embedders, the indexes and the store. It is safe to call more than once.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.ready.Store(false)
		s.closed.Store(true)
		if s.stopRecover != nil {
			s.stopRecover()
			<-s.recoverDone
		}
		if s.snapStop != nil {
			close(s.snapStop)
			<-s.snapDone
		}
		var errs []error
		if err := s.snapshotAll(ctx); err != nil {
			errs = append(errs, err)
		}
		// A graph still being built is finished and snapshotted too, so that the next
		// start loads it instead of building it again; the snapshot above already holds
		// every write, should the process be killed meanwhile.
		s.mu.RLock()
		cs := make([]*collection, 0, len(s.colls))
		for _, c := range s.colls {
			cs = append(cs, c)
		}
		s.mu.RUnlock()
		rebuilt := false
		for _, c := range cs {
			if c.loading.Load() || c.isDeleted() {
				continue
			}
			before := c.vec.Stats().Engine
			if index.WaitBuild(c.vec) == nil && c.vec.Stats().Engine != before {
				c.writeMu.Lock()
				c.snapGen = 0
				c.writeMu.Unlock()
				rebuilt = true
			}
		}
		if rebuilt {
			if err := s.snapshotAll(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		errs = append(errs, s.closeResources())
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// closeResources closes embedders, indexes and the store, whatever was opened.
func (s *Server) closeResources() error {
	var errs []error
	for _, p := range s.packs {
		if err := p.emb.Close(); err != nil {
			errs = append(errs, fmt.Errorf("server: close pack %s: %w", p.name, err))
		}
	}
	for _, p := range s.rerankers {
		if err := p.rr.Close(); err != nil {
			errs = append(errs, fmt.Errorf("server: close reranker %s: %w", p.name, err))
		}
	}
	s.mu.Lock()
	for _, c := range s.colls {
		c.close()
	}
	s.colls = map[string]*collection{}
	s.mu.Unlock()
	if s.remote != nil {
		if err := s.remote.b.Close(); err != nil {
			errs = append(errs, fmt.Errorf("server: close %s backend: %w", s.remote.b.Name(), err))
		}
	}
	if s.store != nil {
		removePIDFile(s.cfg.DataDir)
		if err := s.store.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Ready reports whether the server has recovered and loaded its packs, and is not shutting down.
func (s *Server) Ready() bool { return s.ready.Load() }

// Registry is the Prometheus registry holding server and embed metrics; api adds its HTTP metrics to it.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// Limits returns the effective request limits.
func (s *Server) Limits() Limits { return s.cfg.Limits }

// Logger returns the server's logger (never nil).
func (s *Server) Logger() *slog.Logger { return s.log }

// snapshotLoop snapshots changed collections every interval until Close.
func (s *Server) snapshotLoop(interval time.Duration) {
	defer close(s.snapDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.snapStop:
			return
		case <-t.C:
			if err := s.snapshotAll(context.Background()); err != nil {
				s.log.Warn("periodic snapshot failed", "err", err)
			}
		}
	}
}
