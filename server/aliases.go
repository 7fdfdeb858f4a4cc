package server

import (
	"fmt"
	"sort"
)

// checkAliases refuses aliases that point to no loaded pack or hide a pack's own name.
func (s *Server) checkAliases() error {
	for alias, target := range s.cfg.ModelAliases {
		if alias == "" || target == "" {
			return fmt.Errorf("server: model alias %q=%q: both sides must be non-empty (--model-alias NAME=PACK)", alias, target)
		}
		if _, ok := s.packByName[alias]; ok {
			return fmt.Errorf("server: model alias %q is the name of a loaded pack", alias)
		}
		if _, ok := s.packByName[target]; !ok {
			return fmt.Errorf("server: model alias %s=%s: no loaded pack is named %q (loaded: %v)", alias, target, target, s.packNames())
		}
	}
	return nil
}

// aliasInfos lists the aliases as /v1/models entries, sorted by name.
func (s *Server) aliasInfos(byName map[string]ModelInfo) []ModelInfo {
	names := make([]string, 0, len(s.cfg.ModelAliases))
	for a := range s.cfg.ModelAliases {
		names = append(names, a)
	}
	sort.Strings(names)
	out := make([]ModelInfo, 0, len(names))
	for _, a := range names {
		target := s.cfg.ModelAliases[a]
		mi, ok := byName[target]
		if !ok {
			continue
		}
		mi.ID, mi.Default = a, false
		mi.Description = fmt.Sprintf("alias of %s", target)
		out = append(out, mi)
	}
	return out
}
