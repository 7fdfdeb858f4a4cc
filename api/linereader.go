package api

import (
	"bufio"
	"bytes"
	"io"
)

// lineReader reads an NDJSON stream line by line in bounded memory: a line longer than
// max bytes is skipped (its bytes are read and dropped) and reported as too long.
type lineReader struct {
	br   *bufio.Reader
	max  int
	n    int // number of the line last returned, 1-based
	buf  []byte
	done bool
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its line ending and its number. The slice is
// valid until the next call. tooLong lines come back empty. err is io.EOF at the end.
func (lr *lineReader) next() (line []byte, num int, tooLong bool, err error) {
	if lr.done {
		return nil, lr.n, false, io.EOF
	}
	lr.buf = lr.buf[:0]
	got := false
	for {
		frag, rerr := lr.br.ReadSlice('\n')
		if len(frag) > 0 {
			got = true
			if !tooLong {
				content := len(lr.buf) + len(frag)
				if frag[len(frag)-1] == '\n' {
					content--
				}
				if content > lr.max+1 { // +1 tolerates a trailing '\r'
					tooLong = true
					lr.buf = lr.buf[:0]
				} else {
					lr.buf = append(lr.buf, frag...)
				}
			}
		}
		switch {
		case rerr == bufio.ErrBufferFull:
			continue
		case rerr == io.EOF:
			lr.done = true
			if !got {
				return nil, lr.n, false, io.EOF
			}
		case rerr != nil:
			return nil, lr.n, false, rerr
		}
		lr.n++
		line = bytes.TrimSuffix(lr.buf, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if !tooLong && len(line) > lr.max {
			tooLong, line = true, nil
		}
		return line, lr.n, tooLong, nil
	}
}
