package atlastest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// sunsetHeaders announces on an answer that its resource version is going away, when the document gives the
// version an x-sunset date: Sunset (RFC 8594) holds that date, Deprecation (RFC 9745) the date the version was
// deprecated, taken as the date of the next newer version (when it had a successor), and Link names the successor
// version's media type. Unverified: no recording shows whether Atlas sends these headers; the official CLI warns
// from the same x-sunset dates.
func sunsetHeaders(w http.ResponseWriter, operationID, version string) {
	op := gen.OperationByID(operationID)
	if op == nil {
		return
	}
	v := op.Version(version)
	if v == nil || v.Sunset == "" {
		return
	}
	sunset, err := time.Parse(time.DateOnly, v.Sunset)
	if err != nil {
		return
	}
	w.Header().Set("Sunset", sunset.UTC().Format(http.TimeFormat))
	for i := range op.Versions {
		if op.Versions[i].Date > version {
			if since, err := time.Parse(time.DateOnly, op.Versions[i].Date); err == nil {
				w.Header().Set("Deprecation", "@"+strconv.FormatInt(since.Unix(), 10))
				w.Header().Set("Link", `<application/vnd.atlas.`+op.Versions[i].Date+`+json>; rel="successor-version"`)
			}
			break
		}
	}
}
