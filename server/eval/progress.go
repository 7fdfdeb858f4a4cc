package eval

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// ProgressBar draws a one-line "label done/total [====>   ] pct%" bar, redrawn in place
// with a carriage return. It is safe for concurrent use.
type ProgressBar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	total int
	last  int
}

// NewProgressBar returns a bar writing to w; a nil w gives a bar that draws nothing.
func NewProgressBar(w io.Writer, label string, total int) *ProgressBar {
	return &ProgressBar{w: w, label: label, total: total, last: -1}
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
	if pct == p.last {
		return
	}
	p.last = pct
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
