package atlas

import (
	"context"
	"net/http"
	"strings"

	"github.com/atlas-linktoken/atlas-linktoken/gen/source"
)

// The source side of a push live migration: Cloud Manager's and Ops Manager's public API v1.0 (api/source/openapi.yaml),
// with the names of the official Ops Manager Go client (go.mongodb.org/ops-manager/opsmngr). A Client for it points
// at the source: DefaultBaseURL for Cloud Manager (the same host as Atlas), the Ops Manager URL otherwise, with an
// API key (or, on Cloud Manager, a service account) of the source organization.
type (
	// LinkToken is the body of ConnectOrganizations: the link-token Atlas' CreateLinkToken returned. Fields:
	// [source.LinkToken].
	LinkToken = source.LinkToken
	// ConnectionStatus is the state of a source organization's link: Status, LinkSynced or LinkNotSynced. Fields:
	// [source.ConnectionStatus].
	ConnectionStatus = source.ConnectionStatus
	// ConnectionStatusStatus is LinkSynced or LinkNotSynced.
	ConnectionStatusStatus = source.ConnectionStatusStatus
)

// The statuses of a source organization's link.
const (
	LinkSynced    = source.LinkSynced
	LinkNotSynced = source.LinkNotSynced
)

// The source side's operations (api/source/openapi.yaml).
const (
	opConnectOrganizations = "connectOrganizations"
	opConnectionStatus     = "connectionStatus"
	opDeleteConnection     = "deleteConnection"
)

// ConnectOrganizations connects Cloud Manager or Ops Manager organization sourceOrgID to the Atlas organization that
// created linkToken (CreateLinkToken), so that its deployments can be pushed into Atlas; Atlas' ListAvailableProjects
// then lists them. The API key needs the Organization Owner role on the source organization. The link-token is a
// credential: it is sent to the client's base URL only and never appears in an error.
//
// POST /api/public/v1.0/orgs/{orgId}/liveExport/migrationLink (operationId connectOrganizations).
func (c *Client) ConnectOrganizations(ctx context.Context, sourceOrgID, linkToken string) (*ConnectionStatus, error) {
	if err := validateIDs("sourceOrgID", sourceOrgID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(linkToken) == "" {
		return nil, &InputError{Field: "linkToken", Reason: "is empty: pass the link-token Atlas' CreateLinkToken returned"}
	}
	var status ConnectionStatus
	if _, err := c.call(ctx, opConnectOrganizations, &status, func(ctx context.Context) (*http.Response, error) {
		return c.source.ConnectOrganizations(ctx, sourceOrgID, nil, LinkToken{LinkToken: linkToken}, c.plainHeaders)
	}); err != nil {
		return nil, err
	}
	return &status, nil
}

// ConnectionStatus returns whether source organization sourceOrgID is connected to an Atlas organization
// (LinkSynced) or not (LinkNotSynced). The API key needs the Organization Owner role on the source organization.
//
// GET /api/public/v1.0/orgs/{orgId}/liveExport/migrationLink/status (operationId connectionStatus).
func (c *Client) ConnectionStatus(ctx context.Context, sourceOrgID string) (*ConnectionStatus, error) {
	if err := validateIDs("sourceOrgID", sourceOrgID); err != nil {
		return nil, err
	}
	var status ConnectionStatus
	if _, err := c.call(ctx, opConnectionStatus, &status, func(ctx context.Context) (*http.Response, error) {
		return c.source.ConnectionStatus(ctx, sourceOrgID, nil, c.plainHeaders)
	}); err != nil {
		return nil, err
	}
	return &status, nil
}

// DeleteConnection removes the connection between source organization sourceOrgID and its Atlas organization. The
// API key needs the Organization Owner role on the source organization.
//
// DELETE /api/public/v1.0/orgs/{orgId}/liveExport/migrationLink (operationId deleteConnection).
func (c *Client) DeleteConnection(ctx context.Context, sourceOrgID string) error {
	if err := validateIDs("sourceOrgID", sourceOrgID); err != nil {
		return err
	}
	_, err := c.call(ctx, opDeleteConnection, nil, func(ctx context.Context) (*http.Response, error) {
		return c.source.DeleteConnection(ctx, sourceOrgID, nil, c.plainHeaders)
	})
	return err
}

// plainHeaders is the source side's request editor: the v1.0 API speaks plain application/json.
func (c *Client) plainHeaders(_ context.Context, req *http.Request) error {
	req.Header["Accept"] = []string{"application/json"}
	req.Header["User-Agent"] = []string{c.userAgent}
	return nil
}
