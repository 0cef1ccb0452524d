package atlastest

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// Demo destination used when NewServer is given no WithGroup and DefaultOrgID is one of its organizations: one
// project of that org holding one cluster. Like the demo identity, they are documented fixtures.
const (
	DefaultGroupID     = "5f4e3d2c1b0a998877665544"
	DefaultClusterName = "Cluster0"
)

// Demo source, returned by DemoSourceProjects: one Ops Manager project with one replica set and one migration host.
const (
	DemoSourceProjectID     = "5e2211c17a3e5a48f5497de3"
	DemoSourceClusterName   = "rs0"
	DemoSourceMigrationHost = "mh1.example.net"
)

// orgRole is an API key's role in one organization; a higher role includes the lower ones.
type orgRole int

const (
	roleNone   orgRole = iota
	roleMember         // Organization Member
	roleOwner          // Organization Owner
)

func (r orgRole) String() string {
	switch r {
	case roleOwner:
		return "Organization Owner"
	case roleMember:
		return "Organization Member"
	}
	return "member"
}

// requiredRole is the role op needs, from its x-rolesRequirements (the spec names the least role that suffices):
// Organization Member for reads such as getGroupLiveMigration, Organization Owner otherwise.
func requiredRole(op *openapi3.Operation) orgRole {
	if roles, ok := op.Extensions["x-rolesRequirements"].([]any); ok && slices.Contains(roles, any("Organization Member")) {
		return roleMember
	}
	return roleOwner
}

// project is a destination project (an Atlas group): the org that owns it and its clusters.
type project struct {
	orgID    string
	clusters []string
}

// WithGroup adds a destination project groupID, owned by organization orgID (which becomes a known org), holding
// the named clusters. With no WithGroup, the emulator has the demo project DefaultGroupID with DefaultClusterName
// in DefaultOrgID (when that org is known).
func WithGroup(orgID, groupID string, clusterNames ...string) Option {
	return func(s *Server) error {
		if err := s.checkOrgID(orgID); err != nil {
			return err
		}
		if err := s.checkOrgID(groupID); err != nil { // group IDs have the same 24-hex shape
			return fmt.Errorf("atlastest: group: %w", err)
		}
		if _, ok := s.groups[groupID]; ok {
			return fmt.Errorf("atlastest: group %s given twice", groupID)
		}
		for _, name := range clusterNames {
			if name == "" || len(name) > MaxClusterNameBytes {
				return fmt.Errorf("atlastest: group %s: cluster name %.80q: want 1 to %d bytes (MaxClusterNameBytes)", groupID, name, MaxClusterNameBytes)
			}
		}
		s.orgs[orgID] = true
		s.groups[groupID] = &project{orgID: orgID, clusters: slices.Clone(clusterNames)}
		return nil
	}
}

// WithOrgMember gives the API key (public key) or service account (client ID) name, added by an earlier
// WithAPIKey or WithServiceAccount, the Organization Member role in each of orgIDs: it may read a migration
// (getGroupLiveMigration) but gets 403 for what needs Organization Owner, as in Atlas.
func WithOrgMember(name string, orgIDs ...string) Option {
	return func(s *Server) error {
		p := s.keys[name]
		if p == nil {
			p = s.serviceAccounts[name]
		}
		if p == nil {
			return fmt.Errorf("atlastest: WithOrgMember: no API key or service account %q: add it with WithAPIKey or WithServiceAccount first", name)
		}
		for _, orgID := range orgIDs {
			if err := s.checkOrgID(orgID); err != nil {
				return err
			}
			s.orgs[orgID] = true
			if p.roles[orgID] < roleMember {
				p.roles[orgID] = roleMember
			}
		}
		return nil
	}
}

// WithSourceProjects sets the projects of the demo source organization DefaultSourceOrgID, instead of
// DemoSourceProjects: WithSourceOrg(DefaultSourceOrgID, projects...). Once that organization connects with an Atlas
// organization's link-token, listAvailableProjects of the Atlas organization lists them.
func WithSourceProjects(projects ...gen.LiveImportAvailableProject) Option {
	return WithSourceOrg(DefaultSourceOrgID, projects...)
}

// DemoSourceProjects are the projects of the demo source organization DefaultSourceOrgID unless WithSourceProjects
// says otherwise: DemoSourceProjectID, an Ops Manager project with the replica set DemoSourceClusterName (MongoDB
// 7.0, no TLS) and the migration host DemoSourceMigrationHost.
func DemoSourceProjects() []gen.LiveImportAvailableProject {
	return []gen.LiveImportAvailableProject{{
		ProjectID: ptr(DemoSourceProjectID),
		Name:      ptr("Ops Manager demo project"),
		Deployments: []gen.AvailableClustersDeployment{{
			ClusterID:                   ptr("5e2211c17a3e5a48f5497e01"),
			Name:                        ptr(DemoSourceClusterName),
			AgentVersion:                ptr("108.0.0.8694-1"),
			MongoDBVersion:              ptr("7.0.12"),
			FeatureCompatibilityVersion: ptr("7.0"),
			DBSizeBytes:                 ptr(int64(8 << 30)),
			OplogSizeMB:                 ptr(int32(2048)),
			Managed:                     ptr(true),
			Sharded:                     ptr(false),
			TLSEnabled:                  ptr(false),
		}},
		MigrationHosts: []string{DemoSourceMigrationHost},
	}}
}

// checkGroup answers 404 for an unknown project and, as checkOrg, 403 for a key without the role need in the
// project's org; it returns the project when the call may go on.
func (s *Server) checkGroup(c *call) (*project, bool) {
	groupID := c.params["groupId"]
	g := s.groups[groupID]
	if g == nil {
		s.writeError(c.rec, c.r, http.StatusNotFound, "GROUP_NOT_FOUND", "No group with ID "+groupID+" exists.", groupID)
		return nil, false
	}
	if !s.checkOrg(c.rec, c.r, c.key, g.orgID, c.need) {
		return nil, false
	}
	return g, true
}

// availableProjects is what listAvailableProjects answers for Atlas organization orgID: the projects of the source
// organizations connected with its current link-token (SYNCED), in the order they were added; none before.
func (s *Server) availableProjects(orgID string) []gen.LiveImportAvailableProject {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []gen.LiveImportAvailableProject
	for _, id := range s.sourceOrder {
		if org := s.sourceOrgs[id]; s.syncedLocked(org) && org.conn.atlasOrgID == orgID {
			out = append(out, org.projects...)
		}
	}
	if out == nil {
		return []gen.LiveImportAvailableProject{}
	}
	return out
}
