package embed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// ORTLibraryEnv names the environment variable that points at the ONNX Runtime shared library.
const ORTLibraryEnv = "INSTRUCTD_ORT_LIB"

// ortLibraryRel is where scripts/setup.sh puts the library, relative to the repository root.
const ortLibraryRel = ".deps/onnxruntime/libonnxruntime.so.1"

// ortProcess mirrors the one piece of process-global state that onnxruntime_go keeps
// (its environment and the loaded library). It is the only package-level mutable value
// in embed, and it exists because the C library allows one environment per process:
// Runtime handles count references to it, and the last Close destroys the environment.
var ortProcess struct {
	mu   sync.Mutex
	refs int
	path string
}

// Runtime is a handle on the process's ONNX Runtime environment. Open one per owner
// (the server, a CLI command, a test); several handles share one environment, which is
// destroyed when the last handle is closed.
type Runtime struct {
	path string
	once sync.Once
}

// OpenRuntime loads ONNX Runtime and initialises its environment, or takes another
// reference to the environment already open. libraryPath may be empty: see ResolveLibrary.
func OpenRuntime(libraryPath string) (*Runtime, error) {
	path := ResolveLibrary(libraryPath)
	ortProcess.mu.Lock()
	defer ortProcess.mu.Unlock()
	if ortProcess.refs > 0 {
		// An explicit, different path cannot be honoured: the library is already loaded.
		if libraryPath != "" && path != ortProcess.path {
			return nil, fmt.Errorf("embed: onnx runtime already loaded from %s, cannot load %s", ortProcess.path, path)
		}
		ortProcess.refs++
		return &Runtime{path: ortProcess.path}, nil
	}
	if ort.IsInitialized() {
		return nil, errors.New("embed: onnx runtime environment initialised outside embed.OpenRuntime")
	}
	ort.SetSharedLibraryPath(path)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return nil, fmt.Errorf("embed: load onnx runtime %s (set %s or run `make setup`): %w", path, ORTLibraryEnv, err)
	}
	ortProcess.refs = 1
	ortProcess.path = path
	return &Runtime{path: path}, nil
}

// LibraryPath reports the shared library the environment was loaded from.
func (r *Runtime) LibraryPath() string { return r.path }

// Version reports the ONNX Runtime version string.
func (r *Runtime) Version() string { return ort.GetVersion() }

// Close releases this handle; the last one destroys the environment. Closing twice is a no-op.
func (r *Runtime) Close() error {
	var err error
	r.once.Do(func() {
		ortProcess.mu.Lock()
		defer ortProcess.mu.Unlock()
		ortProcess.refs--
		if ortProcess.refs > 0 {
			return
		}
		ortProcess.refs = 0
		ortProcess.path = ""
		if e := ort.DestroyEnvironment(); e != nil {
			err = fmt.Errorf("embed: destroy onnx runtime environment: %w", e)
		}
	})
	return err
}

// ResolveLibrary picks the ONNX Runtime library: explicit (from config) if set, else
// $INSTRUCTD_ORT_LIB, else .deps/onnxruntime/libonnxruntime.so.1 found by walking up from
// the executable's directory and then from the working directory, else the bare soname,
// which leaves the search to the system loader.
func ResolveLibrary(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if p := os.Getenv(ORTLibraryEnv); p != "" {
		return p
	}
	var starts []string
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		starts = append(starts, filepath.Dir(exe))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for {
			p := filepath.Join(dir, ortLibraryRel)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "libonnxruntime.so.1"
}
