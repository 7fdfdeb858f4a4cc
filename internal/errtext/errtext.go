// Package errtext turns wrapped Go errors into one sentence for people: the "package: "
// prefixes that wrapping stacks up ("server: ", "models: ", ...) say where an error came
// from, which is for logs, not for the person reading an API answer or a CLI message.
package errtext

import "strings"

// prefixes are the internal package prefixes of wrapped errors.
var prefixes = []string{"server: ", "embed: ", "store: ", "index: ", "models: ", "api: ", "lexical: ", "constraints: ", "client: ", "eval: "}

// Clean removes internal prefixes at the start of msg and after each ": ".
func Clean(msg string) string {
	for changed := true; changed; {
		changed = false
		for _, p := range prefixes {
			if strings.HasPrefix(msg, p) {
				msg, changed = msg[len(p):], true
			}
			if strings.Contains(msg, ": "+p) {
				msg, changed = strings.ReplaceAll(msg, ": "+p, ": "), true
			}
		}
	}
	return msg
}
