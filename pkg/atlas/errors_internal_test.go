package atlas

import "testing"

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":                                    true,
		"Application/JSON; charset=utf-8":                     true,
		"application/vnd.atlas.2023-01-01+json;charset=utf-8": true,
		" application/problem+json ":                          true,
		"text/html":                                           false,
		"text/x+json":                                         false,
		"":                                                    false,
		"application/jsonp":                                   false,
	} {
		if got := isJSON(ct); got != want {
			t.Errorf("isJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}
