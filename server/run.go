package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// readTimeout bounds reading one request, headers and body (64 MiB JSON bodies at
// 1 MiB/s fit).
const readTimeout = 2 * time.Minute

// Run opens the server, serves newHandler(s) on cfg.Addr, and on ctx cancellation shuts
// down gracefully: stop accepting, drain in-flight requests (up to ShutdownTimeout),
// snapshot, close. It returns nil after a clean shutdown.
//
// The address is bound before anything is loaded, so a busy port fails at once rather
// than after the models have loaded; connections that arrive while loading wait in the
// listen backlog.
func Run(ctx context.Context, cfg Config, newHandler func(*Server) http.Handler) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w (pick another address with --addr or INSTRUCTD_ADDR)", cfg.Addr, err)
	}
	s, err := Open(ctx, cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	return serve(ctx, s, ln, newHandler)
}

// serve runs s on ln until ctx is done; it always closes s.
func serve(ctx context.Context, s *Server, ln net.Listener, newHandler func(*Server) http.Handler) error {
	cfg := s.cfg
	hs := &http.Server{
		Handler:           newHandler(s),
		ReadHeaderTimeout: 10 * time.Second,
		// Bodies: a slow client cannot hold a connection and its buffers forever. NDJSON
		// ingest clears it for its stream (api/ingest.go).
		ReadTimeout: readTimeout,
		IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	s.log.Info("listening", "addr", ln.Addr().String())

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		// Serve failed before shutdown was asked for.
		runErr = fmt.Errorf("server: serve: %w", err)
	}
	if s.stopRecover != nil {
		s.stopRecover() // a recovery still running must not report ready while draining
	}
	s.ready.Store(false) // readiness probes fail while draining
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		s.log.Warn("graceful shutdown incomplete, closing connections", "err", err)
		_ = hs.Close()
	}
	if runErr == nil {
		if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			runErr = fmt.Errorf("server: serve: %w", err)
		}
	}
	// A fresh context: the final snapshot must not be skipped because draining took long.
	if err := s.Close(context.Background()); err != nil {
		runErr = errors.Join(runErr, err)
	}
	s.log.Info("server stopped")
	return runErr
}
