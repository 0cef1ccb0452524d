package atlas

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/internal/bodycheck"
)

// The Cloud Migration Service's models, re-exported from the generated package with the Atlas Go SDK's names. They
// are aliases: go doc shows their fields under package gen (go doc github.com/atlas-linktoken/atlas-linktoken/gen.Source).
type (
	// LiveImportAvailableProject is a Cloud Manager or Ops Manager project a linked organization can migrate from.
	LiveImportAvailableProject = gen.LiveImportAvailableProject
	// AvailableClustersDeployment is one deployment of a LiveImportAvailableProject.
	AvailableClustersDeployment = gen.AvailableClustersDeployment
	// LiveImportValidation is a validation job.
	LiveImportValidation = gen.LiveImportValidation
	// LiveImportValidationStatus is a validation job's status: ValidationPending, ValidationSuccess, ValidationFailed.
	LiveImportValidationStatus = gen.LiveImportValidationStatus
	// LiveMigrationResponse is a migration job.
	LiveMigrationResponse = gen.LiveMigrationResponse
	// LiveMigrationResponseStatus is a migration job's status: MigrationNew, MigrationWorking, MigrationFailed,
	// MigrationComplete, MigrationExpired.
	LiveMigrationResponseStatus = gen.LiveMigrationResponseStatus
	// Source is the Cloud Manager or Ops Manager cluster a migration reads from: GroupID (the source project),
	// ClusterName, ManagedAuthentication (or Username and Password), SSL, CACertificatePath. Fields: [gen.Source].
	Source = gen.Source
	// Destination is the Atlas cluster a migration writes to: GroupID, ClusterName, HostnameSchemaType,
	// PrivateLinkID. Fields: [gen.Destination].
	Destination = gen.Destination
	// DestinationHostnameSchemaType is the network between migration host and destination: HostnamePublic,
	// HostnamePrivateLink, HostnameVPCPeering.
	DestinationHostnameSchemaType = gen.DestinationHostnameSchemaType
	// ShardingRequest shards collections on a sharded destination.
	ShardingRequest = gen.ShardingRequest
	// ShardEntry is one collection to shard.
	ShardEntry = gen.ShardEntry
	// ShardKeys is a collection's shard key.
	ShardKeys = gen.ShardKeys
)

// Job statuses and network types. They are bound to their values here, never to a position in the document's enum
// lists, so an upstream reordering cannot rebind them (TestConstantsAreBoundToValues checks the values are still in
// the document, and that the generated constants kept theirs).
const (
	ValidationPending LiveImportValidationStatus = "PENDING"
	ValidationSuccess LiveImportValidationStatus = "SUCCESS"
	ValidationFailed  LiveImportValidationStatus = "FAILED"

	MigrationNew      LiveMigrationResponseStatus = "NEW"
	MigrationWorking  LiveMigrationResponseStatus = "WORKING"
	MigrationFailed   LiveMigrationResponseStatus = "FAILED"
	MigrationComplete LiveMigrationResponseStatus = "COMPLETE"
	MigrationExpired  LiveMigrationResponseStatus = "EXPIRED"

	HostnamePublic      DestinationHostnameSchemaType = "PUBLIC"
	HostnamePrivateLink DestinationHostnameSchemaType = "PRIVATE_LINK"
	HostnameVPCPeering  DestinationHostnameSchemaType = "VPC_PEERING"
)

// MigrationRequest is the body of ValidateMigration and CreateMigration, in one of the two resource versions those
// operations take; its type chooses the version, so a body can never be sent as the other one:
//
//   - LiveMigrationRequest20240530 (version 2024-05-30, the newest): dropDestinationData, sharding;
//   - LiveMigrationRequest (version 2023-01-01, whose sunset Atlas announced for 2027-07-01; see VersionSunset):
//     dropEnabled, required.
type MigrationRequest interface {
	resourceVersion() string // the version the type's Go fields were generated for
	schemaName() string      // the component schema of api/openapi.yaml the type is generated from
}

// LiveMigrationRequest is the 2023-01-01 body of a validation or migration. DropEnabled is always sent. Its fields
// (Source, Destination, MigrationHosts, DropEnabled, Sharding) are those of [gen.LiveMigrationRequest].
type LiveMigrationRequest gen.LiveMigrationRequest

// LiveMigrationRequest20240530 is the 2024-05-30 body of a validation or migration, the default version. Its fields
// (Source, Destination, MigrationHosts, DropDestinationData, Sharding) are those of
// [gen.LiveMigrationRequest20240530].
type LiveMigrationRequest20240530 gen.LiveMigrationRequest20240530

func (LiveMigrationRequest) resourceVersion() string         { return "2023-01-01" }
func (LiveMigrationRequest20240530) resourceVersion() string { return "2024-05-30" }
func (LiveMigrationRequest) schemaName() string              { return "LiveMigrationRequest" }
func (LiveMigrationRequest20240530) schemaName() string      { return "LiveMigrationRequest20240530" }

// ListAvailableProjects lists the Cloud Manager and Ops Manager projects, with their deployments and migration
// hosts, that can be migrated into organization orgID: those of the organization linked with CreateLinkToken. The
// API key needs the Organization Owner role.
//
// GET /api/atlas/v2/orgs/{orgId}/liveMigrations/availableProjects (operationId listAvailableProjects).
func (c *Client) ListAvailableProjects(ctx context.Context, orgID string, opts ...CallOption) ([]LiveImportAvailableProject, error) {
	const op = "listAvailableProjects"
	version, err := callVersion(op, "", opts)
	if err != nil {
		return nil, err
	}
	if err := validateIDs("orgID", orgID); err != nil {
		return nil, err
	}
	var projects []LiveImportAvailableProject
	_, err = c.call(ctx, op, &projects, func(ctx context.Context) (*http.Response, error) {
		return c.generated.ListAvailableProjects(ctx, orgID, nil, c.callHeaders(version))
	})
	return projects, err
}

// ValidateMigration starts a validation job checking that req can migrate into project groupID (credentials, disk
// space, versions, …); poll it with MigrationValidation or WaitForValidation. The version sent is req's (see
// MigrationRequest); WithVersion, if given, must agree. The API key needs the Organization Owner role.
//
// POST /api/atlas/v2/groups/{groupId}/liveMigrations/validate (operationId validateLiveMigrations).
func (c *Client) ValidateMigration(ctx context.Context, groupID string, req MigrationRequest, opts ...CallOption) (*LiveImportValidation, error) {
	const op = "validateLiveMigrations"
	version, body, err := migrationBody(op, groupID, req, opts)
	if err != nil {
		return nil, err
	}
	var v LiveImportValidation
	resp, err := c.call(ctx, op, &v, func(ctx context.Context) (*http.Response, error) {
		return c.generated.ValidateLiveMigrationsWithBody(ctx, groupID, nil, mediaTypeOf(version), bytes.NewReader(body), c.callHeaders(version))
	})
	if err != nil {
		return nil, err
	}
	if v.ID == nil {
		return &v, unexpected(op, resp, "holds no _id; the validation may have been created")
	}
	return &v, nil
}

// MigrationValidation returns validation job validationID of project groupID. The API key needs the
// Organization Owner role.
//
// GET /api/atlas/v2/groups/{groupId}/liveMigrations/validate/{validationId} (operationId getMigrationValidateStatus).
func (c *Client) MigrationValidation(ctx context.Context, groupID, validationID string, opts ...CallOption) (*LiveImportValidation, error) {
	const op = "getMigrationValidateStatus"
	version, err := callVersion(op, "", opts)
	if err != nil {
		return nil, err
	}
	if err := validateIDs("groupID", groupID, "validationID", validationID); err != nil {
		return nil, err
	}
	var v LiveImportValidation
	_, err = c.call(ctx, op, &v, func(ctx context.Context) (*http.Response, error) {
		return c.generated.GetMigrationValidateStatus(ctx, groupID, validationID, nil, c.callHeaders(version))
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// CreateMigration starts migrating the source cluster of req into project groupID; validate it first
// (ValidateMigration). Follow it with Migration or WaitForMigration, and Cutover once it is ready. The version sent
// is req's (see MigrationRequest). The API key needs the Organization Owner role.
//
// Once Atlas may have acted, the answer is returned whatever else fails: a 2xx that cannot be decoded (or holds no
// _id) is an *UnexpectedResponseError holding the status and the raw body, and the migration may exist. The call is never retried unless Atlas proved it
// did not act (see RetryPolicy).
//
// POST /api/atlas/v2/groups/{groupId}/liveMigrations (operationId createGroupLiveMigration).
func (c *Client) CreateMigration(ctx context.Context, groupID string, req MigrationRequest, opts ...CallOption) (*LiveMigrationResponse, error) {
	const op = "createGroupLiveMigration"
	version, body, err := migrationBody(op, groupID, req, opts)
	if err != nil {
		return nil, err
	}
	var m LiveMigrationResponse
	resp, err := c.call(ctx, op, &m, func(ctx context.Context) (*http.Response, error) {
		return c.generated.CreateGroupLiveMigrationWithBody(ctx, groupID, nil, mediaTypeOf(version), bytes.NewReader(body), c.callHeaders(version))
	})
	if err != nil {
		return nil, err
	}
	if m.ID == nil {
		return &m, unexpected(op, resp, "holds no _id; the migration may have been created")
	}
	return &m, nil
}

// Migration returns migration job liveMigrationID of project groupID: its status, lag and whether it is ready for
// cutover. The API key needs the Organization Member role.
//
// GET /api/atlas/v2/groups/{groupId}/liveMigrations/{liveMigrationId} (operationId getGroupLiveMigration).
func (c *Client) Migration(ctx context.Context, groupID, liveMigrationID string, opts ...CallOption) (*LiveMigrationResponse, error) {
	const op = "getGroupLiveMigration"
	version, err := callVersion(op, "", opts)
	if err != nil {
		return nil, err
	}
	if err := validateIDs("groupID", groupID, "liveMigrationID", liveMigrationID); err != nil {
		return nil, err
	}
	var m LiveMigrationResponse
	_, err = c.call(ctx, op, &m, func(ctx context.Context) (*http.Response, error) {
		return c.generated.GetGroupLiveMigration(ctx, groupID, liveMigrationID, nil, c.callHeaders(version))
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// Cutover starts the cutover of migration liveMigrationID of project groupID, once it is ready for it: Atlas
// stops synchronizing with the source and the migration becomes COMPLETE (WaitForMigration). Atlas accepts it with
// 202. It is an action, not an idempotent PUT: it is retried only when Atlas proved it did not act. The API key
// needs the Organization Owner role.
//
// PUT /api/atlas/v2/groups/{groupId}/liveMigrations/{liveMigrationId}/cutover (operationId cutoverMigration).
func (c *Client) Cutover(ctx context.Context, groupID, liveMigrationID string, opts ...CallOption) error {
	const op = "cutoverMigration"
	version, err := callVersion(op, "", opts)
	if err != nil {
		return err
	}
	if err := validateIDs("groupID", groupID, "liveMigrationID", liveMigrationID); err != nil {
		return err
	}
	_, err = c.call(ctx, op, nil, func(ctx context.Context) (*http.Response, error) {
		return c.generated.CutoverMigration(ctx, groupID, liveMigrationID, nil, c.callHeaders(version))
	})
	return err
}

// call sends one typed call of op and decodes its 2xx JSON answer into out (nil: the answer is not read as JSON).
// The answer comes back with any decoding error, for the checks a method makes of it.
func (c *Client) call(ctx context.Context, op string, out any, do func(context.Context) (*http.Response, error)) (*answer, error) {
	resp, err := c.send(ctx, mustOperation(op), do)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return resp, nil
	}
	return resp, decodeSuccess(op, resp, out)
}

// migrationBody checks groupID and req, and returns the version req's type stands for and req as JSON, checked
// against that version's schema (compiled into package gen) and the rules the schema states in words.
func migrationBody(op, groupID string, req MigrationRequest, opts []CallOption) (string, []byte, error) {
	if err := validateIDs("groupID", groupID); err != nil {
		return "", nil, err
	}
	if req == nil {
		return "", nil, &InputError{Field: "req", Reason: "no request: pass a LiveMigrationRequest20240530 or a LiveMigrationRequest"}
	}
	version, err := callVersion(op, req.resourceVersion(), opts)
	if err != nil {
		return "", nil, err
	}
	if version != req.resourceVersion() {
		other := "LiveMigrationRequest"
		if version == "2024-05-30" {
			other = "LiveMigrationRequest20240530"
		}
		return "", nil, &InputError{Field: "version", Value: version,
			Reason: fmt.Sprintf("the body is a %s, which is version %s: send a %s for %s", req.schemaName(), req.resourceVersion(), other, version)}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return "", nil, fmt.Errorf("atlas: %s: %w", op, err)
	}
	if p := bodycheck.Check(body, mustOperation(op).Version(version).Request, bodycheck.Request); p != nil {
		return "", nil, inputError(p)
	}
	return version, body, nil
}
