package main

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// oasdiff reports a change to a shared schema once per operation, status and media type (ApiError's detail
// becoming nullable: 48 lines); these collapse each into one change, the statuses and versions as qualifiers.
var (
	statusPhrase    = regexp.MustCompile(" (?:for|with) (?:the )?(?:response )?(?:with the )?status `([^`]+)`")
	mediaTypePhrase = regexp.MustCompile(`\s*\(media type: ([^)]+)\)`)
	statusLike      = regexp.MustCompile(`^([1-5](?:\d\d|XX)|default)$`)
	// suppressed are oasdiff's checks the semantic comparison replaces: enum values (found once per schema, a
	// removed response value breaking too), deprecation and sunsets (Atlas' x-sunset is per version, not oasdiff's
	// per operation) — but not the removal of something deprecated or sunset, which stays oasdiff's to judge.
	suppressed = regexp.MustCompile(`deprecat|sunset|reactivated`)
	// mediaTypeMoved are the checks of a media type added or removed, which the version entries replace when the
	// operation gained or lost that version as a whole.
	mediaTypeMoved = regexp.MustCompile(`^(request-body|response)-media-type-(added|removed)$`)
)

// oasdiffChanges are oasdiff's findings from oldData to newData, collapsed; moved lists, per operation, the versions
// the operation gained or lost as a whole.
func oasdiffChanges(oldData, newData []byte, moved map[string][]string) ([]*change, error) {
	loader := openapi3.NewLoader()
	specs := make([]*load.SpecInfo, 2)
	for i, data := range [][]byte{oldData, newData} {
		var err error
		if specs[i], err = load.NewSpecInfoFromData(loader, data, []string{"old", "new"}[i]); err != nil {
			return nil, fmt.Errorf("loading the %s document: %w", []string{"old", "new"}[i], err)
		}
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), specs[0], specs[1])
	if err != nil {
		return nil, err
	}
	l := checker.NewDefaultLocalizer()
	byKey := map[string]*change{}
	var keys []string
	idTexts := map[string][]string{}
	for _, c := range checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO) {
		id := c.GetId()
		if strings.Contains(id, "enum-value") && !strings.Contains(id, "x-extensible-enum") ||
			suppressed.MatchString(id) && !strings.Contains(id, "enum-value") && !strings.Contains(id, "removed") {
			continue
		}
		text := c.GetUncolorizedText(l)
		var statuses, media []string
		for _, m := range statusPhrase.FindAllStringSubmatch(text, -1) {
			statuses = append(statuses, m[1])
		}
		for _, m := range mediaTypePhrase.FindAllStringSubmatch(text, -1) {
			media = append(media, m[1])
		}
		var args []string
		for _, a := range c.GetArgs() {
			s := fmt.Sprint(a)
			switch {
			case statusLike.MatchString(s):
			case versionedMediaType.MatchString(s):
				media = append(media, s)
			default:
				args = append(args, s)
			}
		}
		if mediaTypeMoved.MatchString(id) && len(media) > 0 {
			if m := versionedMediaType.FindStringSubmatch(media[0]); m != nil && slices.Contains(moved[c.GetOperationId()], m[1]) {
				continue // "new resource version …" / "resource version … removed" says it
			}
		}
		generic := mediaTypePhrase.ReplaceAllString(statusPhrase.ReplaceAllString(text, ""), "")
		for _, mt := range media {
			generic = strings.ReplaceAll(generic, "the media type `"+mt+"`", "the versioned media type")
			generic = strings.ReplaceAll(generic, "`"+mt+"`", "the versioned media type")
		}
		s := nonBreaking
		switch c.GetLevel() {
		case checker.ERR:
			s = breaking
		case checker.WARN:
			s = possiblyBreaking
		}
		key := fmt.Sprint(s) + "\x00" + id + "\x00" + generic
		ch := byKey[key]
		if ch == nil {
			ch = &change{section: s, text: generic}
			if s == breaking || s == possiblyBreaking {
				ch.id = sanitize(strings.Join(append([]string{id}, args...), ":"))
				idTexts[ch.id] = append(idTexts[ch.id], generic)
			}
			byKey[key] = ch
			keys = append(keys, key)
		}
		if op := c.GetOperationId(); op != "" && !slices.Contains(ch.ops, op) {
			ch.ops = append(ch.ops, op)
		}
		for _, st := range statuses {
			addQualifier(ch, "status", st)
		}
		for _, mt := range media {
			if m := versionedMediaType.FindStringSubmatch(mt); m != nil {
				addQualifier(ch, "version", m[1])
			} else {
				addQualifier(ch, "media type", mt)
			}
		}
	}
	var out []*change
	for _, key := range keys {
		ch := byKey[key]
		slices.Sort(ch.ops)
		if len(idTexts[ch.id]) > 1 { // one ID, several changes: told apart by their text
			sum := sha256.Sum256([]byte(ch.text))
			ch.id += ":" + hex.EncodeToString(sum[:3])
		}
		out = append(out, ch)
	}
	return out, nil
}

// addQualifier adds value to the change's "what VALUE, VALUE" qualifier, keeping values sorted.
func addQualifier(c *change, what, value string) {
	for i, q := range c.qualifiers {
		rest, ok := strings.CutPrefix(q, what+" ")
		if !ok {
			continue
		}
		values := strings.Split(rest, ", ")
		if !slices.Contains(values, value) {
			values = append(values, value)
			slices.SortFunc(values, func(a, b string) int {
				ai, aerr := strconv.Atoi(a)
				bi, berr := strconv.Atoi(b)
				if aerr == nil && berr == nil {
					return cmp.Compare(ai, bi)
				}
				return cmp.Compare(a, b)
			})
		}
		c.qualifiers[i] = what + " " + strings.Join(values, ", ")
		return
	}
	c.qualifiers = append(c.qualifiers, what+" "+value)
	slices.Sort(c.qualifiers)
}

// sanitize makes an ID one word: letters, digits and ._/{}:@- kept, anything else an underscore.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._/{}:@-", r):
			return r
		}
		return '_'
	}, s)
}
