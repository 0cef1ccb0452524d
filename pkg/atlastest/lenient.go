package atlastest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlas-linktoken/atlas-linktoken/api"
)

// What real clients send that the document does not allow, and the emulator accepts as Atlas is believed to. Where
// that belief is not verified against the live server, the answer says so in WarningHeader.

// WarningHeader is the response header in which the emulator says, in one line of text, which unverified leniency
// it applied to the request (several are separated by "; ").
const WarningHeader = "X-Emulator-Warning"

// resolveDate returns the newest of versions (sorted) at or before date, a YYYY-MM-DD date that is not itself one
// of them, as Atlas' published samples imply it resolves a date; ok is false when date is not a date or is older
// than every version.
func resolveDate(date string, versions []string) (string, bool) {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return "", false
	}
	for i := len(versions) - 1; i >= 0; i-- {
		if versions[i] <= date {
			return versions[i], true
		}
	}
	return "", false
}

// lenient makes a request body the official CLI and Atlas' samples send acceptable, returning the body to validate
// and hand to the operation, and what it did (for WarningHeader):
//   - Content-Type application/json on a body is taken as the version the Accept header resolved to (the newest
//     without one), and a versioned Content-Type naming a date rather than a version is resolved as Accept is;
//   - in a validation or migration body, "hostnameSchemaType": "" is PUBLIC (older documents' default), and with
//     "managedAuthentication": true, "username": "" and "password": "" are taken as absent (the official CLI
//     sends them: its SDK's fields have no omitempty).
func lenient(r *http.Request, op *openapi3.Operation, version string, body []byte) ([]byte, []string) {
	if op.RequestBody == nil || len(bytes.TrimSpace(body)) == 0 {
		return body, nil
	}
	var warnings []string
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil {
		if mediaType == "application/json" {
			r.Header.Set("Content-Type", api.MediaType(version))
			warnings = append(warnings, "Content-Type application/json taken as "+api.MediaType(version)+" (the version Accept asks for, or the newest)")
		} else if date, ok := versionOf(mediaType); ok {
			if v, ok := resolveDate(date, requestVersions(op)); ok && v != date {
				r.Header.Set("Content-Type", api.MediaType(v))
				warnings = append(warnings, "Content-Type "+mediaType+" resolved to version "+v+" (the newest at or before that date)")
			}
		}
	}
	switch op.OperationID {
	case "validateLiveMigrations", "createGroupLiveMigration":
		if fixed, w := lenientMigrationBody(body); len(w) > 0 {
			body, warnings = fixed, append(warnings, w...)
		}
	}
	return body, warnings
}

// versionOf is the date of an application/vnd.atlas.DATE+json media type (+json optional, as it always was for
// Accept).
func versionOf(mediaType string) (string, bool) {
	v, ok := strings.CutPrefix(mediaType, "application/vnd.atlas.")
	return strings.TrimSuffix(v, "+json"), ok
}

// requestVersions are the versions of op's request body, sorted.
func requestVersions(op *openapi3.Operation) []string {
	var versions []string
	for mediaType := range op.RequestBody.Value.Content {
		if v, ok := versionOf(mediaType); ok {
			versions = append(versions, v)
		}
	}
	slices.Sort(versions)
	return versions
}

// lenientMigrationBody applies the official CLI's leniencies to a validation or migration body; it returns the body
// re-encoded and what it changed, or no warnings (and the body untouched) when nothing applied.
func lenientMigrationBody(body []byte) ([]byte, []string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return body, nil // not an object: validation names the problem
	}
	var warnings []string
	if dst, ok := m["destination"].(map[string]any); ok && dst["hostnameSchemaType"] == "" {
		dst["hostnameSchemaType"] = "PUBLIC"
		warnings = append(warnings, `destination.hostnameSchemaType "" taken as PUBLIC`)
	}
	if src, ok := m["source"].(map[string]any); ok && src["managedAuthentication"] == true {
		for _, name := range []string{"username", "password"} {
			if v, present := src[name]; present && v == "" {
				delete(src, name)
				warnings = append(warnings, "source."+name+` "" taken as absent (managedAuthentication is true)`)
			}
		}
	}
	if len(warnings) == 0 {
		return body, nil
	}
	fixed, err := json.Marshal(m)
	if err != nil {
		return body, nil
	}
	return fixed, warnings
}

// warn adds WarningHeader to the answer, one line: the warnings joined with "; ".
func warn(rec *recorder, warnings []string) {
	if len(warnings) > 0 {
		rec.Header().Set(WarningHeader, "unverified leniency: "+strings.Join(warnings, "; "))
	}
}
