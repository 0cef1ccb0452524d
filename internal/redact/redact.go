// Package redact hides the password of a URL a user typed, for every message and log line that repeats it: the
// library's option errors and the CLI's alike.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// userInfo matches the user-info part of a URL, parseable or not: scheme://USER[:PASSWORD]@.
var userInfo = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#@]*)@`)

// URL returns rawURL with any password replaced by "xxxxx" (as url.URL.Redacted does), even when rawURL does not
// parse.
func URL(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Redacted()
	}
	return userInfo.ReplaceAllStringFunc(rawURL, func(m string) string {
		at := strings.LastIndexByte(m, '@')
		slashes := strings.Index(m, "//")
		user, _, hasPassword := strings.Cut(m[slashes+2:at], ":")
		if !hasPassword {
			return m
		}
		return m[:slashes+2] + user + ":xxxxx@"
	})
}
