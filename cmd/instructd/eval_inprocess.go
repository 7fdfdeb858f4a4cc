package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/instructd/instructd/models"
	"github.com/instructd/instructd/server"
	"github.com/instructd/instructd/server/eval"
)

// openEvalInProcess opens a server in this process with one model pack, on dataDir or on a
// temporary directory, and returns it as an eval backend with the function that closes it
// (and removes the temporary directory). A non-empty *rerank naming a pack directory is
// loaded too, and *rerank becomes its model name. similarity is the semantic-constraint
// threshold (0: off).
func openEvalInProcess(ctx context.Context, pack, dataDir, ortLib string, similarity float64, logger *slog.Logger, rerank *string) (eval.Backend, func() error, error) {
	if _, err := os.Stat(pack); err != nil {
		return nil, nil, fmt.Errorf("eval: model pack: %w (run `make setup`, or pass --model)", err)
	}
	tmp := ""
	if dataDir == "" {
		d, err := os.MkdirTemp("", "instructd-eval-")
		if err != nil {
			return nil, nil, fmt.Errorf("eval: %w", err)
		}
		tmp, dataDir = d, d
	}
	cfg := server.DefaultConfig()
	cfg.DataDir = dataDir
	cfg.ModelPacks = []string{pack}
	if *rerank != "" {
		dir, err := resolvePack(*rerank)
		if err != nil {
			return nil, nil, fmt.Errorf("eval: --rerank: in-process, name a reranker pack (directory or pulled name): %w", err)
		}
		m, err := models.ReadManifest(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("eval: --rerank %s: %w", *rerank, err)
		}
		cfg.ModelPacks = append(cfg.ModelPacks, dir)
		*rerank = m.Name
	}
	cfg.ORTLibrary = ortLib
	cfg.SnapshotInterval = 0
	cfg.Logger = logger
	cfg.ConstraintSimilarity = similarity
	srv, err := server.Open(ctx, cfg)
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, nil, fmt.Errorf("eval: open in-process server: %w", err)
	}
	if err := srv.WaitRecovered(ctx); err != nil {
		_ = srv.Close(context.Background())
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, nil, fmt.Errorf("eval: recover in-process server: %w", err)
	}
	closeFn := func() error {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := srv.Close(cctx)
		if tmp != "" {
			if rerr := os.RemoveAll(tmp); rerr != nil && err == nil {
				err = rerr
			}
		}
		return err
	}
	return eval.NewServerBackend(srv, 0), closeFn, nil
}
