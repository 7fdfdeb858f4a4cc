package server

import "fmt"

// searchWarnings lists what a search answer should say about itself: dense and hybrid
// scores computed with a pack whose manifest says "semantic": false (the generated test
// packs have random weights) rank documents arbitrarily, however real they look.
func searchWarnings(c *collection, mode string, byVector bool) []string {
	if mode == ModeLexical || byVector || c.pack == nil {
		return nil
	}
	m := c.pack.emb.Manifest()
	if m.Semantic {
		return nil
	}
	return []string{fmt.Sprintf("model pack %q is not semantic (random weights): %s scores carry no meaning; use \"mode\": \"lexical\" or a real pack (instructd model pull BAAI/bge-small-en-v1.5)", m.Name, mode)}
}
