// Package progress draws the command-line progress of long operations (ingest, eval) in one
// style. On a terminal it is github.com/schollz/progressbar's bar, redrawn in place; when
// the output is a file or a pipe (CI logs, `2> log`) it prints a plain line at every tenth
// of the way instead, so logs stay readable.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Bar is one progress bar. It is safe for concurrent use; a nil *Bar draws nothing.
type Bar struct {
	mu     sync.Mutex
	w      io.Writer
	label  string
	total  int64
	unit   string
	start  time.Time
	tty    *progressbar.ProgressBar // nil when not a terminal
	lastPc int64                    // plain mode: last tenth printed
	done   int64
	closed bool
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// New returns a bar for total units of work (total ≤ 0: unknown) labelled label; unit names
// what is counted ("docs", "queries"). A nil w gives a nil bar.
func New(w io.Writer, label string, total int64, unit string) *Bar {
	if w == nil {
		return nil
	}
	b := &Bar{w: w, label: label, total: total, unit: unit, start: time.Now(), lastPc: -1}
	if IsTerminal(w) {
		b.tty = progressbar.NewOptions64(max(total, -1),
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(28),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
		)
	}
	return b
}

// Set moves the bar to done units (never backwards).
func (b *Bar) Set(done int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || done < b.done {
		return
	}
	b.done = done
	if b.tty != nil {
		_ = b.tty.Set64(done)
		return
	}
	if b.total <= 0 {
		return
	}
	tenth := min(done, b.total) * 10 / b.total
	if tenth == b.lastPc {
		return
	}
	b.lastPc = tenth
	fmt.Fprintf(b.w, "%s: %d/%d %s (%d%%), %s\n", b.label, done, b.total, b.unit, tenth*10, b.rate(done))
}

// Describe replaces the label shown beside a terminal bar (e.g. with a running count).
func (b *Bar) Describe(label string) {
	if b == nil || b.tty == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tty.Describe(label)
}

// Finish clears a terminal bar and prints one summary line: "label: N units in T (R units/s)".
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	if b.tty != nil {
		_ = b.tty.Finish()
	}
	fmt.Fprintf(b.w, "%s: %d %s in %s (%s)\n", b.label, b.done, b.unit, time.Since(b.start).Round(100*time.Millisecond), b.rate(b.done))
}

// rate is the throughput so far, "123.4 docs/s".
func (b *Bar) rate(done int64) string {
	el := time.Since(b.start).Seconds()
	if el <= 0 {
		return "- " + b.unit + "/s"
	}
	return fmt.Sprintf("%.1f %s/s", float64(done)/el, b.unit)
}
