package atlastest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/icholy/digest"
)

// An operation of the document without a handler answers 501 naming its operationId, after authentication and
// validation, so adding an operation to api/operations.txt never breaks the emulator.
func TestOperationWithoutHandlerAnswers501(t *testing.T) {
	srv, err := NewServer(WithResponseValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	delete(srv.handlers, "deleteLinkTokens")
	client := &http.Client{Transport: &digest.Transport{Username: DefaultPublicKey, Password: DefaultPrivateKey}}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/api/atlas/v2/orgs/"+DefaultOrgID+"/liveMigrations/linkTokens", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		ErrorCode  string           `json:"errorCode"`
		Detail     string           `json:"detail"`
		Parameters []map[string]any `json:"parameters"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusNotImplemented || e.ErrorCode != "NOT_IMPLEMENTED" ||
		len(e.Parameters) != 1 || e.Parameters[0]["value"] != "deleteLinkTokens" {
		t.Errorf("%d %+v (%v), want 501 NOT_IMPLEMENTED naming deleteLinkTokens", resp.StatusCode, e, err)
	}
	if errs := srv.ResponseValidationErrors(); len(errs) != 0 {
		t.Errorf("response validation: %v", errs)
	}
}
