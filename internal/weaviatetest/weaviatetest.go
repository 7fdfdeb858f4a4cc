// Package weaviatetest runs real Weaviate processes for tests: a single node or a
// 3-node Raft cluster on loopback, inside a network namespace of the test binary's own
// (Weaviate binds gRPC and cluster ports on every interface). Main re-executes the test
// binary inside a fresh namespace with only lo up; Start launches nodes there with the
// environment scripts/weaviate.sh prints, so the script and the tests agree.
package weaviatetest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envInside marks a test binary already re-executed inside its namespace.
const envInside = "INSTRUCTD_WEAVIATE_TEST_NETNS"

// repoRoot walks up from the working directory to go.mod.
func repoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// Bin is the Weaviate server binary (WEAVIATE_BIN, or .deps/weaviate/bin/weaviate-server).
func Bin() string {
	if b := os.Getenv("WEAVIATE_BIN"); b != "" {
		return b
	}
	return filepath.Join(repoRoot(), ".deps", "weaviate", "bin", "weaviate-server")
}

// why says why Weaviate tests cannot run here ("" when they can).
func why() string {
	if _, err := os.Stat(Bin()); err != nil {
		return fmt.Sprintf("no Weaviate binary at %s: run `scripts/weaviate.sh build` (make setup does)", Bin())
	}
	if os.Geteuid() != 0 {
		return "Weaviate tests need root for a network namespace (ip netns)"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "Weaviate tests need iproute2's ip for a network namespace"
	}
	return ""
}

// M runs a test binary's tests: *testing.M, or a wrapper that does more around Run
// (stopping a Shared node, checking for leaked goroutines).
type M interface{ Run() int }

// Main runs the tests inside a fresh network namespace when Weaviate can run here, and
// deletes the namespace afterwards; otherwise it runs them as they are (Start skips).
func Main(m M) {
	if os.Getenv(envInside) != "" || why() != "" {
		os.Exit(m.Run())
	}
	ns := fmt.Sprintf("instructd-wvtest-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "weaviatetest: ip netns add: %v: %s\n", err, out)
		os.Exit(m.Run())
	}
	code := 1
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "weaviatetest: lo up: %v: %s\n", err, out)
	} else {
		cmd := exec.Command("ip", append([]string{"netns", "exec", ns, os.Args[0]}, os.Args[1:]...)...)
		cmd.Env = append(os.Environ(), envInside+"="+ns)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			code = 0
		case errors.As(err, &ee):
			code = ee.ExitCode()
		default:
			fmt.Fprintf(os.Stderr, "weaviatetest: %v\n", err)
		}
	}
	_ = exec.Command("ip", "netns", "del", ns).Run()
	// syscall.Exit, not os.Exit: under -race, os.Exit lets the race runtime sleep a
	// second (GORACE atexit_sleep_ms) for reports this process, which only waited for
	// the child that ran the tests (and slept its own second), cannot have.
	syscall.Exit(code)
}

// Cluster is n Weaviate nodes started by Start; node i serves REST on
// 127.0.0.1:(8080+i) and gRPC on 127.0.0.1:(50051+i).
type Cluster struct {
	dir   string
	n     int
	procs []*exec.Cmd
	done  []chan struct{}
	http  *http.Client // readiness probes; its idle connections close with the cluster
}

// Start launches n nodes (1 or 3) and waits until every one is ready; they are killed
// when the test ends. It skips the test, saying why, where Weaviate cannot run.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	skipUnlessRunnable(t)
	c := newCluster(t.TempDir(), n)
	t.Cleanup(c.stopAll)
	if err := c.launch(); err != nil {
		t.Fatalf("weaviatetest: %v", err)
	}
	return c
}

// skipUnlessRunnable skips t, saying why, unless Weaviate can run here.
func skipUnlessRunnable(t testing.TB) {
	t.Helper()
	if r := why(); r != "" {
		t.Skip("weaviatetest: " + r)
	}
	if os.Getenv(envInside) == "" {
		t.Skip("weaviatetest: not inside a network namespace: call weaviatetest.Main from TestMain")
	}
}

func newCluster(dir string, n int) *Cluster {
	return &Cluster{dir: dir, n: n, procs: make([]*exec.Cmd, n), done: make([]chan struct{}, n),
		http: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}}
}

// launch starts every node and waits until each is ready (and, for a cluster, until
// node 0 sees them all).
func (c *Cluster) launch() error {
	for i := 0; i < c.n; i++ {
		if err := c.start(i); err != nil {
			return err
		}
		if i == 0 && c.n > 1 {
			// The others join through node0's gossip port.
			if err := c.waitPort(0, 7100, time.Minute); err != nil {
				return err
			}
		}
	}
	for i := 0; i < c.n; i++ {
		if err := c.waitReady(i, 3*time.Minute); err != nil {
			return err
		}
	}
	if c.n > 1 {
		return c.waitNodes(c.n, 2*time.Minute)
	}
	return nil
}

// nodeEnv asks scripts/weaviate.sh for node i's environment.
func (c *Cluster) nodeEnv(i int) ([]string, error) {
	out, err := exec.Command("bash", filepath.Join(repoRoot(), "scripts", "weaviate.sh"), "env",
		fmt.Sprint(i), fmt.Sprint(c.n), c.dir).Output()
	if err != nil {
		return nil, fmt.Errorf("scripts/weaviate.sh env: %w", err)
	}
	env := os.Environ()
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			env = append(env, l)
		}
	}
	if c.n == 1 {
		// A single node elects itself once its Raft heartbeat times out: 1 s times
		// Weaviate's default multiplier 5. Alone it has no peer to lose contact with, so
		// the production margin only delays start-up (about 6.5 s → 2.5 s here).
		env = append(env, "RAFT_TIMEOUTS_MULTIPLIER=1")
	}
	return env, nil
}

func (c *Cluster) start(i int) error {
	env, err := c.nodeEnv(i)
	if err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(c.dir, fmt.Sprintf("node%d.log", i)))
	if err != nil {
		return fmt.Errorf("node %d log: %w", i, err)
	}
	cmd := exec.Command(Bin(), "--scheme", "http", "--host", "127.0.0.1", "--port", fmt.Sprint(8080+i),
		"--read-timeout=600s", "--write-timeout=600s")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return fmt.Errorf("start node %d: %w", i, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = log.Close(); close(done) }()
	c.procs[i], c.done[i] = cmd, done
	return nil
}

// URL is node i's REST endpoint; GRPC its gRPC address.
func (c *Cluster) URL(i int) string  { return fmt.Sprintf("http://127.0.0.1:%d", 8080+i) }
func (c *Cluster) GRPC(i int) string { return fmt.Sprintf("127.0.0.1:%d", 50051+i) }

func (c *Cluster) waitReady(i int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-c.done[i]:
			return fmt.Errorf("node %d exited; log:\n%s", i, c.logTail(i))
		default:
		}
		resp, err := c.http.Get(c.URL(i) + "/v1/.well-known/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("node %d not ready after %v; log:\n%s", i, limit, c.logTail(i))
}

// waitPort waits until node i listens on port.
func (c *Cluster) waitPort(i, port int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-c.done[i]:
			return fmt.Errorf("node %d exited; log:\n%s", i, c.logTail(i))
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("node %d does not listen on %d after %v", i, port, limit)
}

// waitNodes waits until node 0 reports n healthy nodes.
func (c *Cluster) waitNodes(n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := c.http.Get(c.URL(0) + "/v1/nodes")
		if err == nil {
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if strings.Count(buf.String(), `"status":"HEALTHY"`) >= n {
				return nil
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("fewer than %d healthy nodes after %v", n, limit)
}

// Kill sends SIGKILL to node i and waits for it to exit.
func (c *Cluster) Kill(i int) {
	if c.procs[i] == nil {
		return
	}
	_ = c.procs[i].Process.Kill()
	<-c.done[i]
	c.procs[i] = nil
}

func (c *Cluster) stopAll() {
	for i := range c.procs {
		c.Kill(i)
	}
	c.http.CloseIdleConnections()
}

// logTail is the end of node i's log.
func (c *Cluster) logTail(i int) string {
	b, _ := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("node%d.log", i)))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Context is a test context bounded by limit.
func Context(t testing.TB, limit time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	return ctx
}
