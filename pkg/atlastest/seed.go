package atlastest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// Seed is the emulator's seed document: organizations with their API keys, service accounts and destination
// projects (Atlas), and source organizations with their projects, deployments and migration hosts (Cloud Manager or
// Ops Manager). One document serves WithSeed, Server.Seed, POST /_emulator/seed and atlas-emulator --seed FILE, as
// JSON or YAML (ParseSeed). A seed adds to the emulator's state; Reset returns to the state it started with, seeds
// given to NewServer included.
//
// A seed is applied whole or not at all: the first bad value is reported as a *ValueError naming its path, such as
// orgs[0].apiKeys[1].privateKey. IDs are 24 hexadecimal digits (lower case, as Atlas'); an organization already known
// gains the keys, accounts and projects the seed gives it (and its name, if given); API keys, service accounts and
// projects must be new. After a seed the emulator holds at most MaxSeeded organizations, MaxSeeded API keys and
// service accounts, MaxSeeded destination projects and MaxSeeded source projects, each project at most
// MaxSeededPerProject clusters, deployments or migration hosts.
type Seed struct {
	Orgs       []SeedOrg       `json:"orgs,omitempty"`
	SourceOrgs []SeedSourceOrg `json:"sourceOrgs,omitempty"`
}

// SeedOrg is an Atlas organization of a Seed.
type SeedOrg struct {
	ID              string               `json:"id"`
	Name            string               `json:"name,omitempty"` // at most 64 bytes
	APIKeys         []SeedAPIKey         `json:"apiKeys,omitempty"`
	ServiceAccounts []SeedServiceAccount `json:"serviceAccounts,omitempty"`
	Projects        []SeedProject        `json:"projects,omitempty"` // destination projects (groups)
}

// SeedAPIKey is an organization API key: PublicKey is the digest user name (letters, digits, '.', '_' and '-', at
// most 64), PrivateKey its password, a UUID as Atlas issues them; Roles holds RoleOrgOwner or RoleOrgMember (at
// least one; the higher wins).
type SeedAPIKey struct {
	PublicKey  string   `json:"publicKey"`
	PrivateKey string   `json:"privateKey"`
	Roles      []string `json:"roles"`
}

// SeedServiceAccount is an organization service account: its client ID and secret get bearer tokens from TokenPath.
type SeedServiceAccount struct {
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	Roles        []string `json:"roles"`
}

// SeedProject is a destination project (an Atlas group) and the names of its clusters.
type SeedProject struct {
	ID       string   `json:"id"`
	Name     string   `json:"name,omitempty"`
	Clusters []string `json:"clusters,omitempty"`
}

// SeedSourceOrg is a Cloud Manager or Ops Manager organization, the source side of a push live migration, as
// WithSourceOrg and WithSourceAPIKey give one: an organization already known (the demo source DefaultSourceOrgID,
// say) gains the keys and projects. Its API keys authenticate on the source side (SourcePathPrefix, HTTP Digest)
// with their roles on this organization: an Organization Owner connects it to an Atlas organization with a
// link-token (connectOrganizations), and then listAvailableProjects of that Atlas organization lists its projects,
// which validations and migrations check their source against. Its keys never authenticate on Atlas, and Atlas'
// never on the source side.
type SeedSourceOrg struct {
	ID       string              `json:"id"`
	Name     string              `json:"name,omitempty"`
	APIKeys  []SeedAPIKey        `json:"apiKeys,omitempty"`
	Projects []SeedSourceProject `json:"projects,omitempty"`
}

// SeedSourceProject is a source project: its deployments and the migration hosts that can reach them. Name defaults
// to the ID.
type SeedSourceProject struct {
	ID             string           `json:"id"`
	Name           string           `json:"name,omitempty"`
	Deployments    []SeedDeployment `json:"deployments,omitempty"`
	MigrationHosts []string         `json:"migrationHosts,omitempty"`
}

// SeedDeployment is a source deployment, as listAvailableProjects shows it. Unset fields take the demo deployment's
// values (DemoSourceProjects): MongoDB 7.0.12, a managed replica set without TLS; featureCompatibilityVersion follows
// mongoDBVersion, clusterId is made up.
type SeedDeployment struct {
	Name                        string `json:"name"`
	ClusterID                   string `json:"clusterId,omitempty"`
	MongoDBVersion              string `json:"mongoDBVersion,omitempty"`
	FeatureCompatibilityVersion string `json:"featureCompatibilityVersion,omitempty"`
	AgentVersion                string `json:"agentVersion,omitempty"`
	TLSEnabled                  *bool  `json:"tlsEnabled,omitempty"`
	Sharded                     *bool  `json:"sharded,omitempty"`
	Managed                     *bool  `json:"managed,omitempty"`
	DBSizeBytes                 *int64 `json:"dbSizeBytes,omitempty"`
	OplogSizeMB                 *int32 `json:"oplogSizeMB,omitempty"`
}

// SeedSummary says what a seed added.
type SeedSummary struct {
	Orgs            int `json:"orgs"` // organizations new to the emulator
	APIKeys         int `json:"apiKeys"`
	ServiceAccounts int `json:"serviceAccounts"`
	Projects        int `json:"projects"`
	SourceOrgs      int `json:"sourceOrgs"`
	SourceAPIKeys   int `json:"sourceApiKeys"`
	SourceProjects  int `json:"sourceProjects"`
}

// Organization roles a Seed gives API keys and service accounts.
const (
	RoleOrgOwner  = "ORG_OWNER"  // Organization Owner: every operation
	RoleOrgMember = "ORG_MEMBER" // Organization Member: reads a migration, 403 for the rest (as WithOrgMember)
)

// Bounds on what seeds may add (see Seed).
const (
	MaxSeeded           = 1024
	MaxSeededPerProject = 64
)

// ParseSeed reads a seed document, JSON or YAML, strictly: an unknown field, a value of the wrong type or a key
// given twice is a *ValueError naming its path. It does not check the values (Server.Seed does).
func ParseSeed(data []byte) (Seed, error) {
	var seed Seed
	if err := decodeDocument(data, &seed); err != nil {
		return Seed{}, err
	}
	return seed, nil
}

// WithSeed adds seed to the emulator once its other options and its defaults (the demo identity and project) are
// in place; it is part of the state Reset returns to. A bad seed makes NewServer fail with a *ValueError.
func WithSeed(seed Seed) Option {
	return func(s *Server) error {
		s.ctl.seeds = append(s.ctl.seeds, seed)
		return nil
	}
}

// Seed adds seed to the emulator's state, whole or not at all (see Seed), and says what it added. Requests being
// answered finish first; the next ones see the new state.
func (s *Server) Seed(seed Seed) (SeedSummary, error) {
	s.ctl.state.Lock()
	defer s.ctl.state.Unlock()
	return s.seedLocked(seed)
}

// seedLocked checks, then applies seed; the caller holds ctl.state for writing (or the server is not serving yet).
func (s *Server) seedLocked(seed Seed) (SeedSummary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkSeed(seed); err != nil {
		return SeedSummary{}, err
	}
	return s.applySeed(seed), nil
}

var (
	objectIDShape  = regexp.MustCompile(`^[0-9a-f]{24}$`)
	publicKeyShape = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	clientIDShape  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	uuidShape      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	versionShape   = regexp.MustCompile(`^([0-9]{1,3})\.([0-9]{1,3})(\.[0-9]{1,4})?([-+][0-9A-Za-z.-]{1,32})?$`)
	hostnameShape  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$`)
)

// seedCheck is what checkSeed has seen so far of the seed, to refuse what it gives twice.
type seedCheck struct {
	orgs, sourceOrgs, keys, accounts, projects, sourceProjects map[string]string // id → path where first given
	newOrgs                                                    int
}

// checkSeed reports the first bad value of seed against the emulator's state; the caller holds s.mu and ctl.state.
func (s *Server) checkSeed(seed Seed) error {
	c := &seedCheck{orgs: map[string]string{}, sourceOrgs: map[string]string{}, keys: map[string]string{},
		accounts: map[string]string{}, projects: map[string]string{}, sourceProjects: map[string]string{}}
	for i, o := range seed.Orgs {
		path := indexPath("orgs", i)
		if err := c.checkID(joinPath(path, "id"), o.ID, c.orgs, "organization"); err != nil {
			return err
		}
		if _, ok := s.sourceOrgs[o.ID]; ok {
			return badValue(joinPath(path, "id"), "%s is already a source organization (sourceOrgs)", o.ID)
		}
		if !s.orgs[o.ID] {
			c.newOrgs++
		}
		if err := checkName(joinPath(path, "name"), o.Name); err != nil {
			return err
		}
		for j, k := range o.APIKeys {
			if err := s.checkAPIKey(c, indexPath(joinPath(path, "apiKeys"), j), k); err != nil {
				return err
			}
		}
		for j, a := range o.ServiceAccounts {
			if err := s.checkServiceAccount(c, indexPath(joinPath(path, "serviceAccounts"), j), a); err != nil {
				return err
			}
		}
		for j, p := range o.Projects {
			if err := s.checkProject(c, indexPath(joinPath(path, "projects"), j), p); err != nil {
				return err
			}
		}
	}
	newSourceOrgs := 0
	for i, o := range seed.SourceOrgs {
		path := indexPath("sourceOrgs", i)
		if err := c.checkID(joinPath(path, "id"), o.ID, c.sourceOrgs, "source organization"); err != nil {
			return err
		}
		if _, atlas := c.orgs[o.ID]; atlas || s.orgs[o.ID] {
			return badValue(joinPath(path, "id"), "%s is already an Atlas organization (orgs)", o.ID)
		}
		if _, ok := s.sourceOrgs[o.ID]; !ok {
			newSourceOrgs++
		}
		if err := checkName(joinPath(path, "name"), o.Name); err != nil {
			return err
		}
		for j, k := range o.APIKeys {
			if err := s.checkAPIKey(c, indexPath(joinPath(path, "apiKeys"), j), k); err != nil {
				return err
			}
		}
		for j, p := range o.Projects {
			if err := s.checkSourceProject(c, indexPath(joinPath(path, "projects"), j), p); err != nil {
				return err
			}
		}
	}
	switch {
	case len(s.orgs)+len(s.sourceOrgs)+c.newOrgs+newSourceOrgs > MaxSeeded:
		return badValue("orgs", "the emulator would hold more than %d organizations (MaxSeeded)", MaxSeeded)
	case len(s.keys)+len(s.serviceAccounts)+len(s.sourceKeys)+len(c.keys)+len(c.accounts) > MaxSeeded:
		return badValue("orgs", "the emulator would hold more than %d API keys and service accounts (MaxSeeded)", MaxSeeded)
	case len(s.groups)+len(c.projects) > MaxSeeded:
		return badValue("orgs", "the emulator would hold more than %d destination projects (MaxSeeded)", MaxSeeded)
	case s.sourceProjectCount()+len(c.sourceProjects) > MaxSeeded:
		return badValue("sourceOrgs", "the emulator would hold more than %d source projects (MaxSeeded)", MaxSeeded)
	}
	return nil
}

// checkID checks a required 24-hex-digit ID, given once in the seed (seen).
func (c *seedCheck) checkID(path, id string, seen map[string]string, what string) error {
	if id == "" {
		return badValue(path, "the %s's ID is required: 24 hexadecimal digits", what)
	}
	if !objectIDShape.MatchString(id) {
		return badValue(path, "%.40q is not an ID: want 24 lower-case hexadecimal digits", id)
	}
	if first, dup := seen[id]; dup {
		return badValue(path, "%s %s is given twice (first at %s)", what, id, first)
	}
	seen[id] = path
	return nil
}

func checkName(path, name string) error {
	if len(name) > 64 {
		return badValue(path, "%d bytes long; at most 64", len(name))
	}
	return checkText(path, name)
}

// checkText refuses control characters: names and secrets end up in headers, logs and terminals.
func checkText(path, text string) error {
	if i := strings.IndexFunc(text, unicode.IsControl); i >= 0 {
		return badValue(path, "holds a control character at byte %d", i)
	}
	return nil
}

func (s *Server) checkAPIKey(c *seedCheck, path string, k SeedAPIKey) error {
	switch {
	case k.PublicKey == "":
		return badValue(joinPath(path, "publicKey"), "required")
	case !publicKeyShape.MatchString(k.PublicKey):
		return badValue(joinPath(path, "publicKey"), "%.70q: want 1 to 64 letters, digits, '.', '_' or '-'", k.PublicKey)
	case s.keys[k.PublicKey] != nil || s.linkKeys[k.PublicKey] != nil || s.sourceKeys[k.PublicKey] != nil:
		return badValue(joinPath(path, "publicKey"), "API key %s already exists", k.PublicKey)
	case k.PrivateKey == "":
		return badValue(joinPath(path, "privateKey"), "required")
	case !uuidShape.MatchString(k.PrivateKey):
		return badValue(joinPath(path, "privateKey"), "want a UUID, as Atlas issues private keys (8-4-4-4-12 hexadecimal digits); got %d characters that are not one", len(k.PrivateKey))
	}
	if first, dup := c.keys[k.PublicKey]; dup {
		return badValue(joinPath(path, "publicKey"), "API key %s is given twice (first at %s)", k.PublicKey, first)
	}
	c.keys[k.PublicKey] = path
	return checkRoles(joinPath(path, "roles"), k.Roles)
}

func (s *Server) checkServiceAccount(c *seedCheck, path string, a SeedServiceAccount) error {
	switch {
	case a.ClientID == "":
		return badValue(joinPath(path, "clientId"), "required")
	case !clientIDShape.MatchString(a.ClientID):
		return badValue(joinPath(path, "clientId"), "%.70q: want 1 to 128 letters, digits, '.', '_' or '-'", a.ClientID)
	case s.serviceAccounts[a.ClientID] != nil:
		return badValue(joinPath(path, "clientId"), "service account %s already exists", a.ClientID)
	case a.ClientSecret == "":
		return badValue(joinPath(path, "clientSecret"), "required")
	case len(a.ClientSecret) > 256:
		return badValue(joinPath(path, "clientSecret"), "%d bytes long; at most 256", len(a.ClientSecret))
	}
	if err := checkText(joinPath(path, "clientSecret"), a.ClientSecret); err != nil {
		return err
	}
	if first, dup := c.accounts[a.ClientID]; dup {
		return badValue(joinPath(path, "clientId"), "service account %s is given twice (first at %s)", a.ClientID, first)
	}
	c.accounts[a.ClientID] = path
	return checkRoles(joinPath(path, "roles"), a.Roles)
}

func checkRoles(path string, roles []string) error {
	if len(roles) == 0 {
		return badValue(path, "give at least one role: %s or %s", RoleOrgOwner, RoleOrgMember)
	}
	for i, r := range roles {
		if r != RoleOrgOwner && r != RoleOrgMember {
			return badValue(indexPath(path, i), "%.40q: the emulator knows the roles %s and %s", r, RoleOrgOwner, RoleOrgMember)
		}
	}
	return nil
}

func (s *Server) checkProject(c *seedCheck, path string, p SeedProject) error {
	if err := c.checkID(joinPath(path, "id"), p.ID, c.projects, "project"); err != nil {
		return err
	}
	if s.groups[p.ID] != nil {
		return badValue(joinPath(path, "id"), "project %s already exists", p.ID)
	}
	if err := checkName(joinPath(path, "name"), p.Name); err != nil {
		return err
	}
	return checkNames(joinPath(path, "clusters"), p.Clusters, MaxClusterNameBytes, nil)
}

func (s *Server) checkSourceProject(c *seedCheck, path string, p SeedSourceProject) error {
	if err := c.checkID(joinPath(path, "id"), p.ID, c.sourceProjects, "source project"); err != nil {
		return err
	}
	for _, org := range s.sourceOrgs {
		for _, known := range org.projects {
			if known.ProjectID != nil && *known.ProjectID == p.ID {
				return badValue(joinPath(path, "id"), "source project %s already exists", p.ID)
			}
		}
	}
	if err := checkName(joinPath(path, "name"), p.Name); err != nil {
		return err
	}
	if len(p.Deployments) > MaxSeededPerProject {
		return badValue(joinPath(path, "deployments"), "%d deployments; at most %d (MaxSeededPerProject)", len(p.Deployments), MaxSeededPerProject)
	}
	names := map[string]bool{}
	for i, d := range p.Deployments {
		dp := indexPath(joinPath(path, "deployments"), i)
		switch {
		case d.Name == "":
			return badValue(joinPath(dp, "name"), "required")
		case len(d.Name) > MaxClusterNameBytes:
			return badValue(joinPath(dp, "name"), "%d bytes long; at most %d (MaxClusterNameBytes)", len(d.Name), MaxClusterNameBytes)
		case names[d.Name]:
			return badValue(joinPath(dp, "name"), "deployment %q is given twice in this project", d.Name)
		case d.ClusterID != "" && !objectIDShape.MatchString(d.ClusterID):
			return badValue(joinPath(dp, "clusterId"), "%.40q is not an ID: want 24 lower-case hexadecimal digits", d.ClusterID)
		case d.MongoDBVersion != "" && !versionShape.MatchString(d.MongoDBVersion):
			return badValue(joinPath(dp, "mongoDBVersion"), "%.40q is not a MongoDB version such as 7.0.14", d.MongoDBVersion)
		case d.FeatureCompatibilityVersion != "" && !versionShape.MatchString(d.FeatureCompatibilityVersion):
			return badValue(joinPath(dp, "featureCompatibilityVersion"), "%.40q is not a version such as 7.0", d.FeatureCompatibilityVersion)
		case d.AgentVersion != "" && (len(d.AgentVersion) > 64 || checkText("", d.AgentVersion) != nil):
			return badValue(joinPath(dp, "agentVersion"), "want at most 64 bytes of text")
		case d.DBSizeBytes != nil && *d.DBSizeBytes < 0:
			return badValue(joinPath(dp, "dbSizeBytes"), "must not be negative")
		case d.OplogSizeMB != nil && *d.OplogSizeMB < 0:
			return badValue(joinPath(dp, "oplogSizeMB"), "must not be negative")
		}
		if err := checkText(joinPath(dp, "name"), d.Name); err != nil {
			return err
		}
		names[d.Name] = true
	}
	return checkNames(joinPath(path, "migrationHosts"), p.MigrationHosts, MaxHostnameBytes, hostnameShape)
}

// checkNames checks a list of cluster names or host names: each 1 to limit bytes (of shape, when given), once.
func checkNames(path string, names []string, limit int, shape *regexp.Regexp) error {
	if len(names) > MaxSeededPerProject {
		return badValue(path, "%d names; at most %d (MaxSeededPerProject)", len(names), MaxSeededPerProject)
	}
	for i, n := range names {
		p := indexPath(path, i)
		switch {
		case n == "" || len(n) > limit:
			return badValue(p, "want 1 to %d bytes; got %d", limit, len(n))
		case shape != nil && !shape.MatchString(n):
			return badValue(p, "%.70q is not a host name (letters, digits, '.' and '-', an optional :port)", n)
		case slices.Contains(names[:i], n):
			return badValue(p, "%q is given twice", n)
		}
		if err := checkText(p, n); err != nil {
			return err
		}
	}
	return nil
}

// applySeed adds a checked seed to the state; the caller holds s.mu and ctl.state.
func (s *Server) applySeed(seed Seed) SeedSummary {
	var sum SeedSummary
	for _, o := range seed.Orgs {
		if !s.orgs[o.ID] {
			sum.Orgs++
		}
		s.orgs[o.ID] = true
		if o.Name != "" {
			s.orgNames[o.ID] = o.Name
		}
		for _, k := range o.APIKeys {
			s.keys[k.PublicKey] = &principal{name: k.PublicKey, secret: k.PrivateKey, roles: map[string]orgRole{o.ID: seedRole(k.Roles)}}
			sum.APIKeys++
		}
		for _, a := range o.ServiceAccounts {
			s.serviceAccounts[a.ClientID] = &principal{name: a.ClientID, secret: a.ClientSecret, roles: map[string]orgRole{o.ID: seedRole(a.Roles)}}
			sum.ServiceAccounts++
		}
		for _, p := range o.Projects {
			s.groups[p.ID] = &project{orgID: o.ID, clusters: slices.Clone(p.Clusters)}
			sum.Projects++
		}
	}
	for _, o := range seed.SourceOrgs {
		if s.sourceOrgs[o.ID] == nil {
			sum.SourceOrgs++
		}
		org := s.addSourceOrg(o.ID)
		if o.Name != "" {
			s.orgNames[o.ID] = o.Name
		}
		for _, k := range o.APIKeys {
			s.sourceKeys[k.PublicKey] = &principal{name: k.PublicKey, secret: k.PrivateKey, roles: map[string]orgRole{o.ID: seedRole(k.Roles)}}
			sum.SourceAPIKeys++
		}
		projects := slices.Clip(org.projects) // appending copies: answers already given keep the old list
		for _, p := range o.Projects {
			projects = append(projects, sourceProject(p))
			sum.SourceProjects++
		}
		org.projects = projects
	}
	return sum
}

func seedRole(roles []string) orgRole {
	if slices.Contains(roles, RoleOrgOwner) {
		return roleOwner
	}
	return roleMember
}

// sourceProject is p as listAvailableProjects shows it, with the demo deployment's values where p leaves them out.
func sourceProject(p SeedSourceProject) gen.LiveImportAvailableProject {
	name := p.Name
	if name == "" {
		name = p.ID
	}
	demo := DemoSourceProjects()[0].Deployments[0]
	deployments := make([]gen.AvailableClustersDeployment, 0, len(p.Deployments))
	for _, d := range p.Deployments {
		out := demo
		out.Name = ptr(d.Name)
		out.ClusterID = ptr(newObjectID())
		if d.ClusterID != "" {
			out.ClusterID = ptr(d.ClusterID)
		}
		if d.MongoDBVersion != "" {
			m := versionShape.FindStringSubmatch(d.MongoDBVersion)
			out.MongoDBVersion, out.FeatureCompatibilityVersion = ptr(d.MongoDBVersion), ptr(m[1]+"."+m[2])
		}
		if d.FeatureCompatibilityVersion != "" {
			out.FeatureCompatibilityVersion = ptr(d.FeatureCompatibilityVersion)
		}
		if d.AgentVersion != "" {
			out.AgentVersion = ptr(d.AgentVersion)
		}
		for dst, src := range map[**bool]*bool{&out.TLSEnabled: d.TLSEnabled, &out.Sharded: d.Sharded, &out.Managed: d.Managed} {
			if src != nil {
				*dst = ptr(*src)
			}
		}
		if d.DBSizeBytes != nil {
			out.DBSizeBytes = ptr(*d.DBSizeBytes)
		}
		if d.OplogSizeMB != nil {
			out.OplogSizeMB = ptr(*d.OplogSizeMB)
		}
		deployments = append(deployments, out)
	}
	return gen.LiveImportAvailableProject{ProjectID: ptr(p.ID), Name: ptr(name), Deployments: deployments,
		MigrationHosts: slices.Clone(p.MigrationHosts)}
}

// sourceProjectCount is how many projects the source organizations hold. The caller holds mu or ctl.state.
func (s *Server) sourceProjectCount() int {
	n := 0
	for _, o := range s.sourceOrgs {
		n += len(o.projects)
	}
	return n
}

// String names a Seed's size without its secrets.
func (seed Seed) String() string {
	return fmt.Sprintf("seed of %d organizations and %d source organizations", len(seed.Orgs), len(seed.SourceOrgs))
}

// String names the key without its private key, so that printing a seed never shows a secret.
func (k SeedAPIKey) String() string { return "API key " + k.PublicKey }

// String names the account without its secret.
func (a SeedServiceAccount) String() string { return "service account " + a.ClientID }
