package atlas

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// CreateLinkToken creates one link-token that Cloud Manager or Ops Manager uses to push a live migration into the
// Atlas organization orgID. The API key needs the Organization Owner role on that organization.
//
// POST /api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens (operationId createLinkToken).
//
// orgID and every entry of req.AccessListIPs are checked before anything is sent (*InputError). Any 2xx answer
// carrying a link-token is success (the live server answers 201 where the spec says 200); any other status is an
// *APIError.
func (c *Client) CreateLinkToken(ctx context.Context, orgID string, req TargetOrgRequest, opts ...CallOption) (*TargetOrg, error) {
	version, err := resolveVersion("createLinkToken", opts)
	if err != nil {
		return nil, err
	}
	// A nil AccessListIPs is left out of the body (omitzero); an empty one is sent as [].
	if err := ValidateAccessList(req.AccessListIPs); err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("atlas: createLinkToken: %w", err)
	}
	resp, err := c.createLinkToken(ctx, orgID, version, body)
	if err != nil {
		return nil, err
	}
	var token TargetOrg
	if err := decodeSuccess(resp, &token); err != nil {
		return nil, fmt.Errorf("atlas: createLinkToken: %w", err)
	}
	if token.LinkToken == "" {
		return nil, fmt.Errorf("atlas: createLinkToken: %w: %d response holds no linkToken", ErrUnexpectedResponse, resp.StatusCode)
	}
	return &token, nil
}

// createLinkToken checks orgID and sends body as it is.
func (c *Client) createLinkToken(ctx context.Context, orgID, version string, body []byte) (*Response, error) {
	if err := ValidateOrgID(orgID); err != nil {
		return nil, err
	}
	return c.send(ctx, "createLinkToken", false, func(ctx context.Context) (*http.Response, error) {
		return c.generated.CreateLinkTokenWithBody(ctx, orgID, nil, mediaTypeOf(version), bytes.NewReader(body), c.callHeaders(version))
	})
}

// DeleteLinkToken removes the organization link of orgID and its associated public API key, undoing
// CreateLinkToken. The API key needs the Organization Owner role.
//
// DELETE /api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens (operationId deleteLinkTokens).
func (c *Client) DeleteLinkToken(ctx context.Context, orgID string, opts ...CallOption) error {
	if err := ValidateOrgID(orgID); err != nil {
		return err
	}
	version, err := resolveVersion("deleteLinkTokens", opts)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, "deleteLinkTokens", false, func(ctx context.Context) (*http.Response, error) {
		return c.generated.DeleteLinkTokens(ctx, orgID, nil, c.callHeaders(version))
	})
	return err
}
