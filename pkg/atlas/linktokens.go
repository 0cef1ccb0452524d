package atlas

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/atlas-linktoken/atlas-linktoken/internal/bodycheck"
)

// CreateLinkToken creates one link-token that Cloud Manager or Ops Manager uses to push a live migration into the
// Atlas organization orgID. The API key needs the Organization Owner role on that organization.
//
// POST /api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens (operationId createLinkToken), version 2023-01-01.
//
// orgID and every entry of req.AccessListIPs are checked before anything is sent (*InputError). Any 2xx answer
// carrying a link-token is success (the live server answers 201 where the spec says 200); any other status is an
// *APIError. A 2xx answer without a usable link-token is an error wrapping ErrUnexpectedResponse: the link-token may
// exist, and the call is never sent again by the client.
func (c *Client) CreateLinkToken(ctx context.Context, orgID string, req TargetOrgRequest, opts ...CallOption) (*TargetOrg, error) {
	version, err := callVersion(opCreateLinkToken, "", opts)
	if err != nil {
		return nil, err
	}
	if err := validateIDs("orgID", orgID); err != nil {
		return nil, err
	}
	// A nil AccessListIPs is left out of the body (omitzero); an empty one is sent as [].
	if p := bodycheck.AccessList(req.AccessListIPs); p != nil {
		return nil, inputError(p)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("atlas: createLinkToken: %w", err)
	}
	resp, err := c.send(ctx, mustOperation(opCreateLinkToken), func(ctx context.Context) (*http.Response, error) {
		return c.generated.CreateLinkTokenWithBody(ctx, orgID, nil, mediaTypeOf(version), bytes.NewReader(body), c.callHeaders(version))
	})
	if err != nil {
		return nil, err
	}
	var token TargetOrg
	if err := decodeSuccess(opCreateLinkToken, resp, &token); err != nil {
		return nil, err
	}
	if token.LinkToken == "" {
		return nil, unexpected(opCreateLinkToken, resp, "holds no linkToken")
	}
	return &token, nil
}

// DeleteLinkToken removes the organization link of orgID and its associated public API key, undoing
// CreateLinkToken. The API key needs the Organization Owner role.
//
// DELETE /api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens (operationId deleteLinkTokens), version 2023-01-01.
func (c *Client) DeleteLinkToken(ctx context.Context, orgID string, opts ...CallOption) error {
	if err := validateIDs("orgID", orgID); err != nil {
		return err
	}
	version, err := callVersion(opDeleteLinkTokens, "", opts)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, mustOperation(opDeleteLinkTokens), func(ctx context.Context) (*http.Response, error) {
		return c.generated.DeleteLinkTokens(ctx, orgID, nil, c.callHeaders(version))
	})
	return err
}
