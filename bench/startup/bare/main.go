// Command bare creates one link-token with nothing but net/http and github.com/icholy/digest and exits: the
// floor bench/startup.sh compares ours (pkg/atlas) with, as fresh processes.
//
//	bare [-url URL] [-org ID] [-public-key KEY] [-private-key KEY]
//
// The flags default to MONGODB_ATLAS_OPS_MANAGER_URL, MONGODB_ATLAS_ORG_ID, MONGODB_ATLAS_PUBLIC_API_KEY and
// MONGODB_ATLAS_PRIVATE_API_KEY. It prints nothing on success; on a non-2xx answer, an answer without a
// link-token, or any other error it prints it and exits 1.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/icholy/digest"
)

const mediaType = "application/vnd.atlas.2023-01-01+json"

func main() {
	url := flag.String("url", os.Getenv("MONGODB_ATLAS_OPS_MANAGER_URL"), "Atlas base `URL`")
	org := flag.String("org", os.Getenv("MONGODB_ATLAS_ORG_ID"), "organization `ID`")
	pub := flag.String("public-key", os.Getenv("MONGODB_ATLAS_PUBLIC_API_KEY"), "public API `key`")
	priv := flag.String("private-key", os.Getenv("MONGODB_ATLAS_PRIVATE_API_KEY"), "private API `key`")
	flag.Parse()
	if err := run(*url, *org, *pub, *priv); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

// run makes the POST createLinkToken is, reading the token out of the answer as any caller would.
func run(url, org, pub, priv string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body := []byte(`{"accessListIps":["203.0.113.7"]}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/atlas/v2/orgs/"+org+"/liveMigrations/linkTokens", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Accept", mediaType)
	req.Header.Set("Content-Type", mediaType)
	hc := &http.Client{Transport: &digest.Transport{Username: pub, Password: priv}}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s", req.URL.Path, resp.Status)
	}
	var token struct {
		LinkToken string `json:"linkToken"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&token); err != nil {
		return err
	}
	if token.LinkToken == "" {
		return fmt.Errorf("%s answered %s with no linkToken", req.URL.Path, resp.Status)
	}
	return nil
}
