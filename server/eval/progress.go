package eval

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// ProgressBar draws a one-line "label done/total [====>   ] pct%" bar, redrawn in place
// with a carriage return. When its writer is a file or pipe rather than a terminal, it
// prints a plain line every 10% instead, so logs stay readable. It is safe for concurrent use.
type ProgressBar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	total int
	plain bool
	last  int
}

// NewProgressBar returns a bar writing to w; a nil w gives a bar that draws nothing.
func NewProgressBar(w io.Writer, label string, total int) *ProgressBar {
	plain := false
	if f, ok := w.(*os.File); ok {
		st, err := f.Stat()
		plain = err != nil || st.Mode()&os.ModeCharDevice == 0
	}
	return &ProgressBar{w: w, label: label, total: total, plain: plain, last: -1}
}

// Update redraws the bar at done items; it only writes when the percentage changes.
func (p *ProgressBar) Update(done int) {
	if p == nil || p.w == nil || p.total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	done = max(0, min(done, p.total))
	pct := done * 100 / p.total
	if p.plain {
		pct -= pct % 10
	}
	if pct == p.last {
		return
	}
	p.last = pct
	if p.plain {
		fmt.Fprintf(p.w, "%s %d/%d %d%%\n", p.label, done, p.total, pct)
		return
	}
	const width = 30
	fill := done * width / p.total
	bar := strings.Repeat("=", fill)
	if fill < width {
		bar += ">" + strings.Repeat(" ", width-fill-1)
	}
	fmt.Fprintf(p.w, "\r%s %d/%d [%s] %3d%%", p.label, done, p.total, bar, pct)
	if done == p.total {
		fmt.Fprintln(p.w)
	}
}
