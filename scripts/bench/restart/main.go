// Command restart measures how long instructd takes to become ready again (GET /readyz
// answers 200) after a restart, on one vector-only collection of N vectors:
//
//   - clean: SIGTERM (the server snapshots at shutdown), then start;
//   - kill -9 after W writes past the last snapshot: the snapshot is loaded and only the
//     logged writes are replayed;
//   - rebuild: the snapshot sidecars removed, so the index is rebuilt from the store (what
//     every restart after a write cost before the change log).
//
// Each restart checks the recovered document count. It prints one line per figure
// and the kill -9 / clean ratio (target ≤ 2), and how long after recovery the replayed
// writes were folded into the HNSW graph in the background (from the server's log).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"time"
)

type config struct {
	bin, data, addr string
	n, dim, writes  int
	batch           int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "bin/instructd", "instructd binary")
	flag.StringVar(&cfg.data, "data", "", "data directory (required; emptied first)")
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:18091", "listen address")
	flag.IntVar(&cfg.n, "n", 100_000, "vectors in the collection")
	flag.IntVar(&cfg.dim, "dim", 384, "vector dimension")
	flag.IntVar(&cfg.writes, "writes", 1000, "single-document writes (upserts, every 10th a delete) after the snapshot, before kill -9")
	flag.IntVar(&cfg.batch, "batch", 500, "documents per upsert request while loading")
	flag.Parse()
	if cfg.data == "" {
		fmt.Fprintln(os.Stderr, "restart: --data is required")
		os.Exit(2)
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "restart:", err)
		os.Exit(1)
	}
}

type server struct {
	cfg config
	cmd *exec.Cmd
	log *os.File
}

func (s *server) start() (time.Duration, error) {
	t0 := time.Now()
	s.cmd = exec.Command(s.cfg.bin, "serve", "--addr", s.cfg.addr, "--data", s.cfg.data,
		"--log-level", "info", "--snapshot-interval", "0")
	s.cmd.Env = append(os.Environ(), "INSTRUCTD_MODELS=")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return 0, err
	}
	for time.Since(t0) < 10*time.Minute {
		resp, err := http.Get("http://" + s.cfg.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(t0), nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("not ready after 10 minutes (log: %s)", s.log.Name())
}

func (s *server) stop(sig syscall.Signal) error {
	if err := s.cmd.Process.Signal(sig); err != nil {
		return err
	}
	_ = s.cmd.Wait()
	return nil
}

func (s *server) do(method, path string, body any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+s.cfg.addr+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	}
	return nil
}

func (s *server) count() (int, error) {
	resp, err := http.Get("http://" + s.cfg.addr + "/v1/collections/v")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var info struct {
		Count int `json:"count"`
	}
	return info.Count, json.NewDecoder(resp.Body).Decode(&info)
}

type doc struct {
	ID     string    `json:"id"`
	Vector []float32 `json:"vector"`
}

func run(cfg config) error {
	if err := os.RemoveAll(cfg.data); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.data, 0o755); err != nil {
		return err
	}
	lf, err := os.Create(filepath.Join(filepath.Dir(filepath.Clean(cfg.data)), "restart-serve.log"))
	if err != nil {
		return err
	}
	defer lf.Close()
	s := &server{cfg: cfg, log: lf}
	if _, err := s.start(); err != nil {
		return err
	}
	defer func() { _ = s.stop(syscall.SIGKILL) }()
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func() []float32 {
		v := make([]float32, cfg.dim)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	if err := s.do(http.MethodPut, "/v1/collections/v", map[string]any{"dimension": cfg.dim}); err != nil {
		return err
	}
	t0 := time.Now()
	for lo := 0; lo < cfg.n; lo += cfg.batch {
		docs := make([]doc, 0, cfg.batch)
		for i := lo; i < min(lo+cfg.batch, cfg.n); i++ {
			docs = append(docs, doc{ID: fmt.Sprintf("d%d", i), Vector: vec()})
		}
		if err := s.do(http.MethodPost, "/v1/collections/v/documents", map[string]any{"documents": docs}); err != nil {
			return err
		}
	}
	fmt.Printf("restart: loaded %d × %d-d vectors in %.1f s\n", cfg.n, cfg.dim, time.Since(t0).Seconds())
	want := cfg.n

	restart := func(label string, sig syscall.Signal, prepare func() error) (time.Duration, error) {
		if err := s.stop(sig); err != nil {
			return 0, err
		}
		if prepare != nil {
			if err := prepare(); err != nil {
				return 0, err
			}
		}
		d, err := s.start()
		if err != nil {
			return 0, err
		}
		got, err := s.count()
		if err != nil {
			return 0, err
		}
		if got != want {
			return 0, fmt.Errorf("%s: recovered %d documents, want %d", label, got, want)
		}
		fmt.Printf("restart: %-52s ready in %7.3f s\n", label, d.Seconds())
		return d, nil
	}
	// The first SIGTERM writes the snapshot; the second restart is the clean figure.
	if _, err := restart("after load (SIGTERM, snapshot written at shutdown)", syscall.SIGTERM, nil); err != nil {
		return err
	}
	clean, err := restart("clean (SIGTERM, nothing after the snapshot)", syscall.SIGTERM, nil)
	if err != nil {
		return err
	}
	for i := 0; i < cfg.writes; i++ {
		switch {
		case i%10 == 9:
			if err := s.do(http.MethodDelete, fmt.Sprintf("/v1/collections/v/documents/d%d", i), nil); err != nil {
				return err
			}
			want--
		case i%2 == 0:
			if err := s.do(http.MethodPost, "/v1/collections/v/documents",
				map[string]any{"documents": []doc{{ID: fmt.Sprintf("new%d", i), Vector: vec()}}}); err != nil {
				return err
			}
			want++
		default:
			if err := s.do(http.MethodPost, "/v1/collections/v/documents",
				map[string]any{"documents": []doc{{ID: fmt.Sprintf("d%d", i), Vector: vec()}}}); err != nil {
				return err
			}
		}
	}
	st, err := lf.Stat()
	if err != nil {
		return err
	}
	killed, err := restart(fmt.Sprintf("kill -9 after %d writes past the snapshot (replay)", cfg.writes), syscall.SIGKILL, nil)
	if err != nil {
		return err
	}
	if d, err := foldTime(lf.Name(), st.Size()); err != nil {
		fmt.Printf("restart: %v\n", err)
	} else {
		fmt.Printf("restart: %-52s    after  %7s (in the background)\n", "replayed writes folded into the graph", d)
	}
	rebuild, err := restart("kill -9, snapshot sidecar removed (full rebuild)", syscall.SIGKILL, func() error {
		return os.Remove(filepath.Join(cfg.data, "indexes", "v.gen"))
	})
	if err != nil {
		return err
	}
	fmt.Printf("restart: kill -9 / clean = %.2f× (target ≤ 2×); full rebuild / clean = %.1f×\n",
		killed.Seconds()/clean.Seconds(), rebuild.Seconds()/clean.Seconds())
	return nil
}

// foldLine is the server's log line once replayed writes are in the HNSW graph.
var foldLine = regexp.MustCompile(`replayed writes folded into the graph.* elapsed=(\S+)`)

// foldTime waits up to a minute for foldLine in the log written after offset and
// returns its elapsed time (the fold runs in the background after recovery).
func foldTime(path string, offset int64) (string, error) {
	for t0 := time.Now(); time.Since(t0) < time.Minute; time.Sleep(50 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		if int64(len(b)) > offset {
			if m := foldLine.FindSubmatch(b[offset:]); m != nil {
				return string(m[1]), nil
			}
		}
	}
	return "", fmt.Errorf("no %q log line within a minute", "replayed writes folded into the graph")
}
