package cli

import "testing"

func TestHarmless(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, ümlauts and 日本語\n\tindented", "plain text, ümlauts and 日本語\n\tindented"},
		{"real error\x1b[2K\rError: none, all good", `real error\x1b[2K\x0dError: none, all good`},
		{"\x1b]0;pwned\x07title", `\x1b]0;pwned\x07title`},
		{"\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", `\x1b]8;;https://evil.example\x1b\link\x1b]8;;\x1b\`},
		{"c1 \u009b31m red", `c1 \u009b31m red`},
		{"bidi \u202egnp.exe", `bidi \u202egnp.exe`},
		{"bad \xff byte", `bad \xff byte`},
		{"del\x7f", `del\x7f`},
	} {
		if got := harmless(tc.in); got != tc.want {
			t.Errorf("harmless(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
