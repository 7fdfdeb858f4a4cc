package server

import "unicode/utf8"

// checkInstruction bounds an instruction like a query text: it is embedded with every
// query and is part of the query cache's key, so an unbounded one costs memory twice.
func (s *Server) checkInstruction(field string, instr *string) error {
	if instr == nil {
		return nil
	}
	if !utf8.ValidString(*instr) {
		return invalid(field, "not valid UTF-8")
	}
	if max := s.cfg.Limits.MaxTextBytes; len(*instr) > max {
		return invalid(field, "%d bytes exceed the limit of %d (max_text_bytes)", len(*instr), max)
	}
	return nil
}
