package index

// allows reports whether key passes the filter (Keys first, then Allow).
func (f *Filter) allows(key uint64) bool {
	if f.Keys != nil {
		_, ok := f.Keys[key]
		return ok
	}
	if f.Allow != nil {
		return f.Allow(key)
	}
	return true
}

// empty reports whether the filter restricts nothing.
func (f *Filter) empty() bool { return f == nil || (f.Keys == nil && f.Allow == nil) }
