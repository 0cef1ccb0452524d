package cli

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// harmless returns s as it may be shown on a terminal: whatever could steer the terminal is shown escaped instead
// of sent to it, so a server's text can neither erase nor forge the lines around it, retitle the terminal or plant
// links. Escaped: C0 controls but newline and tab (\x1b, \r, \x07, ...), DEL, C1 controls (\u009b, a one-byte CSI
// on some terminals), bidirectional overrides and isolates (\u202e), and bytes that are not UTF-8.
func harmless(s string) string {
	if isHarmless(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case steers(r):
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isHarmless is the fast path: printable ASCII, newlines and tabs only.
func isHarmless(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// steers reports whether a terminal may act on r rather than show it.
func steers(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e || r == 0x200f || r == 0x061c:
		return true
	}
	return false
}

// shown is text for w: harmless when w is a terminal, byte for byte otherwise (a pipe or a file gets what Atlas
// sent).
func shown(text []byte, terminal bool) []byte {
	if !terminal {
		return text
	}
	return []byte(harmless(string(text)))
}
