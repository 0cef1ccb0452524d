package atlastest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// DefaultPhaseDuration is how long each phase of a validation or a migration lasts unless WithPhaseDuration says
// otherwise: a validation is PENDING for one phase; a migration is NEW for one, WORKING with its lag falling for
// SyncPhases more, then ready for cutover; a cutover takes one. With the default, a migration is ready for cutover
// 4 s after it is created.
const DefaultPhaseDuration = time.Second

// SyncPhases is how many phases a migration replicates before it is ready for cutover.
const SyncPhases = 3

// InitialLagSeconds is a migration's lagTimeSeconds when it starts replicating; it falls to 1 when it is ready.
const InitialLagSeconds = 600

// CutoverWindow is how long a migration stays ready for cutover before it expires (EXPIRED), as in Atlas.
const CutoverWindow = 120 * time.Hour

// WithPhaseDuration sets how long each phase of a validation or a migration lasts (DefaultPhaseDuration unless
// set). Phases follow the emulator's clock (WithClock), so a test can move a migration on without sleeping.
func WithPhaseDuration(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return fmt.Errorf("atlastest: phase duration %v must be positive", d)
		}
		s.phase = d
		return nil
	}
}

// migrationRequest is what the emulator reads of a validation or migration body; both versions share it (the body
// was validated against its version's schema before).
type migrationRequest struct {
	Source         gen.Source      `json:"source"`
	Destination    gen.Destination `json:"destination"`
	MigrationHosts []string        `json:"migrationHosts"`
}

// validationJob is one validateLiveMigrations job: PENDING for a phase, then SUCCESS, or FAILED with failure.
type validationJob struct {
	id, groupID, sourceGroupID string
	created                    time.Time
	failure                    string
}

// migrationJob is one createGroupLiveMigration job; see migrationJob.state for its timeline.
type migrationJob struct {
	id, groupID string
	hosts       []string
	created     time.Time
	failure     string    // why it fails once it leaves NEW; empty: it replicates
	cutover     time.Time // when cutoverMigration was accepted; zero before
	hold        *jobHold  // a state the control plane holds it in (SetJob); nil when it follows its timeline
}

func (s *Server) handleListAvailableProjects(c *call) {
	if orgID := c.params["orgId"]; s.checkOrg(c.rec, c.r, c.key, orgID, c.need) {
		s.writeJSON(c.rec, c.r, http.StatusOK, c.contentType, s.availableProjects(orgID))
	}
}

// migrationCall checks the call's project and reads its body; it returns the body and why Atlas would refuse it
// ("" when nothing is wrong), or answers the error itself and returns ok false.
func (s *Server) migrationCall(c *call) (req *migrationRequest, refusal string, ok bool) {
	g, ok := s.checkGroup(c)
	if !ok {
		return nil, "", false
	}
	req = &migrationRequest{}
	if err := json.Unmarshal(c.body, req); err != nil {
		s.writeValidationError(c.rec, c.r, "body", "malformed JSON: "+err.Error())
		return nil, "", false
	}
	return req, s.refusal(g, c.params["groupId"], req), true
}

func (s *Server) handleValidateMigration(c *call) {
	req, refusal, ok := s.migrationCall(c)
	if !ok {
		return
	}
	job := &validationJob{id: newObjectID(), groupID: c.params["groupId"], sourceGroupID: req.Source.GroupID,
		created: s.now(), failure: refusal}
	s.mu.Lock()
	wait, stored := s.validations.add(job.groupID, job.id, job, s.now(), s.phase)
	s.mu.Unlock()
	if !stored {
		s.jobsFull(c, "validations", wait)
		return
	}
	s.writeJSON(c.rec, c.r, http.StatusOK, c.contentType, s.validationView(job))
}

func (s *Server) handleGetValidation(c *call) {
	if _, ok := s.checkGroup(c); !ok {
		return
	}
	id := c.params["validationId"]
	s.mu.Lock()
	job, ok := s.validations.get(c.params["groupId"], id)
	s.mu.Unlock()
	if !ok {
		s.writeError(c.rec, c.r, http.StatusNotFound, "VALIDATION_NOT_FOUND",
			"No validation job with ID "+id+" exists in group "+c.params["groupId"]+".", id)
		return
	}
	s.writeJSON(c.rec, c.r, http.StatusOK, c.contentType, s.validationView(job))
}

func (s *Server) handleCreateMigration(c *call) {
	req, refusal, ok := s.migrationCall(c)
	if !ok {
		return
	}
	job := &migrationJob{id: newObjectID(), groupID: c.params["groupId"], hosts: slices.Clone(req.MigrationHosts),
		created: s.now(), failure: refusal}
	s.mu.Lock()
	wait, stored := s.migrations.add(job.groupID, job.id, job, s.now(), s.phase)
	var view gen.LiveMigrationResponse
	if stored {
		view = s.migrationView(job)
	}
	s.mu.Unlock()
	if !stored {
		s.jobsFull(c, "live migrations", wait)
		return
	}
	s.writeJSON(c.rec, c.r, http.StatusCreated, c.contentType, view)
}

func (s *Server) handleGetMigration(c *call) {
	if _, ok := s.checkGroup(c); !ok {
		return
	}
	s.mu.Lock()
	job := s.lookupMigration(c)
	var view gen.LiveMigrationResponse
	if job != nil {
		view = s.migrationView(job)
	}
	s.mu.Unlock()
	if job == nil {
		s.migrationNotFound(c)
		return
	}
	s.writeJSON(c.rec, c.r, http.StatusOK, c.contentType, view)
}

// handleCutover accepts a cutover (202) only for a migration that is ready for it.
func (s *Server) handleCutover(c *call) {
	if _, ok := s.checkGroup(c); !ok {
		return
	}
	s.mu.Lock()
	job := s.lookupMigration(c)
	var refused string
	if job != nil {
		status, ready, _ := job.state(s.now(), s.phase)
		switch {
		case !job.cutover.IsZero():
			refused = "the cutover of live migration " + job.id + " has already started"
		case !ready:
			refused = fmt.Sprintf("live migration %s is not ready for cutover (status %s)", job.id, status)
		default:
			job.cutover = s.now()
			s.migrations.changed(job.id, s.phase) // it now finishes a phase from now
		}
	}
	s.mu.Unlock()
	switch {
	case job == nil:
		s.migrationNotFound(c)
	case refused != "":
		s.writeError(c.rec, c.r, http.StatusBadRequest, "LIVE_MIGRATION_NOT_READY_FOR_CUTOVER", "Cannot cut over: "+refused+".", job.id)
	default:
		s.writeNoBody(c.rec, c.r, http.StatusAccepted, c.contentType)
	}
}

// lookupMigration returns the call's migration, nil when its group has none with that ID. The caller holds s.mu.
func (s *Server) lookupMigration(c *call) *migrationJob {
	job, _ := s.migrations.get(c.params["groupId"], c.params["liveMigrationId"])
	return job
}

// jobsFull answers 429 RATE_LIMITED: the call's project holds MaxJobs (or WithMaxJobs') jobs of this kind and none has finished; the
// first finishes after wait, which Retry-After gives in whole seconds (rounded up).
func (s *Server) jobsFull(c *call, kind string, wait time.Duration) {
	seconds := max(1, int64((wait+time.Second-1)/time.Second))
	groupID := c.params["groupId"]
	c.rec.Header().Set("Retry-After", strconv.FormatInt(seconds, 10))
	s.writeError(c.rec, c.r, http.StatusTooManyRequests, "RATE_LIMITED", fmt.Sprintf(
		"Project %s has %d %s that have not finished, the most the emulator keeps for a project (MaxJobs, or WithMaxJobs); the first finishes in %d s.",
		groupID, s.maxJobs, kind, seconds), groupID)
}

// migrationNotFound answers 404 for the call's migration.
func (s *Server) migrationNotFound(c *call) {
	id := c.params["liveMigrationId"]
	s.writeError(c.rec, c.r, http.StatusNotFound, "LIVE_MIGRATION_NOT_FOUND",
		"No live migration with ID "+id+" exists in group "+c.params["groupId"]+".", id)
}

// refusal is why Atlas would refuse to migrate req into project g (groupID), or "" when nothing is wrong: what a
// validation job reports as errorMessage and what makes a migration fail.
func (s *Server) refusal(g *project, groupID string, req *migrationRequest) string {
	src, dst := req.Source, req.Destination
	var source *gen.LiveImportAvailableProject
	for _, p := range s.availableProjects(g.orgID) {
		if p.ProjectID != nil && *p.ProjectID == src.GroupID {
			source = &p
		}
	}
	switch {
	case source == nil:
		return fmt.Sprintf("Source project %s is not available for migration into organization %s: link the organizations (createLinkToken, then connect the source organization with the link-token) and choose a project listAvailableProjects returns.", src.GroupID, g.orgID)
	case dst.GroupID != groupID:
		return fmt.Sprintf("Destination project %s is not the project of this request (%s).", dst.GroupID, groupID)
	case !slices.Contains(g.clusters, dst.ClusterName):
		return fmt.Sprintf("Destination cluster %s does not exist in project %s.", dst.ClusterName, groupID)
	case dst.HostnameSchemaType == gen.HostnamePrivateLink && (dst.PrivateLinkID == nil || *dst.PrivateLinkID == ""):
		return "Destination hostnameSchemaType PRIVATE_LINK needs a privateLinkId."
	case src.ManagedAuthentication && (src.Username != nil || src.Password != nil):
		return "Source username and password must not be given when managedAuthentication is true: MongoDB Automation manages authentication."
	case !src.ManagedAuthentication && (src.Username == nil || *src.Username == "" || src.Password == nil || *src.Password == ""):
		return "Source username and password are required when managedAuthentication is false."
	case len(req.MigrationHosts) == 0 || !slices.Contains(source.MigrationHosts, req.MigrationHosts[0]):
		return fmt.Sprintf("Migration host %q is not a migration host of source project %s (it has %q).", firstOf(req.MigrationHosts), src.GroupID, source.MigrationHosts)
	}
	for _, d := range source.Deployments {
		if d.Name != nil && *d.Name == src.ClusterName {
			if d.TLSEnabled != nil && *d.TLSEnabled && !src.SSL {
				return fmt.Sprintf("Source cluster %s requires TLS: set ssl to true.", src.ClusterName)
			}
			return ""
		}
	}
	return fmt.Sprintf("Source cluster %s is not a deployment of source project %s.", src.ClusterName, src.GroupID)
}

func firstOf(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// validationView is a validation job as Atlas answers it at the emulator's present time.
func (s *Server) validationView(job *validationJob) gen.LiveImportValidation {
	v := gen.LiveImportValidation{ID: ptr(job.id), GroupID: ptr(job.groupID), SourceGroupID: ptr(job.sourceGroupID)}
	switch {
	case s.now().Sub(job.created) < s.phase:
		v.Status = ptr(gen.ValidationPending)
	case job.failure != "":
		v.Status, v.ErrorMessage = ptr(gen.ValidationFailed), ptr(job.failure)
	default:
		v.Status = ptr(gen.ValidationSuccess)
	}
	return v
}

// migrationView is a migration job as Atlas answers it at the emulator's present time. The caller holds s.mu.
func (s *Server) migrationView(job *migrationJob) gen.LiveMigrationResponse {
	status, ready, lag := job.state(s.now(), s.phase)
	return gen.LiveMigrationResponse{ID: ptr(job.id), MigrationHosts: ptr(slices.Clone(job.hosts)),
		Status: ptr(status), ReadyForCutover: ptr(ready), LagTimeSeconds: lag}
}

// finishAt is when the validation has its final status, SUCCESS or FAILED: after a phase of length p.
func (job *validationJob) finishAt(p time.Duration) time.Time { return job.created.Add(p) }

// finishAt is when the migration reaches a final status, as state computes it with phases of length p: FAILED a
// phase after it was created, COMPLETE a phase after its cutover, or EXPIRED CutoverWindow after it was ready.
func (job *migrationJob) finishAt(p time.Duration) time.Time {
	switch {
	case job.hold != nil:
		return heldForever
	case !job.cutover.IsZero():
		return job.cutover.Add(p)
	case job.failure != "":
		return job.created.Add(p)
	}
	return job.created.Add(p + SyncPhases*p + CutoverWindow)
}

// state is the job's status at now, phases of length p: NEW for one phase; then FAILED (a refused request), or
// WORKING with lagTimeSeconds falling from InitialLagSeconds over SyncPhases phases, then ready for cutover (lag
// 1) until CutoverWindow passes (EXPIRED); after a cutover, WORKING for one phase, not ready, no lag, then COMPLETE.
func (job *migrationJob) state(now time.Time, p time.Duration) (status gen.LiveMigrationResponseStatus, ready bool, lag *int64) {
	if job.hold != nil {
		return gen.MigrationWorking, false, ptr(job.hold.lag)
	}
	if !job.cutover.IsZero() {
		if now.Sub(job.cutover) < p {
			return gen.MigrationWorking, false, nil
		}
		return gen.MigrationComplete, false, nil
	}
	if now.Sub(job.created) < p {
		return gen.MigrationNew, false, nil
	}
	if job.failure != "" {
		return gen.MigrationFailed, false, nil
	}
	readyAt := job.created.Add(p + SyncPhases*p)
	if remaining := readyAt.Sub(now); remaining > 0 {
		seconds := max(1, int64(float64(InitialLagSeconds)*float64(remaining)/float64(SyncPhases*p)))
		return gen.MigrationWorking, false, &seconds
	}
	if now.Sub(readyAt) >= CutoverWindow {
		return gen.MigrationExpired, false, nil
	}
	one := int64(1)
	return gen.MigrationWorking, true, &one
}

// writeNoBody answers status with no body (204, 202), declaring the versioned type as the document does; with
// envelope=true, the envelope holds the status.
func (s *Server) writeNoBody(rec *recorder, r *http.Request, status int, contentType string) {
	if queryFlag(r.URL.Query(), "envelope") {
		s.writeJSON(rec, r, status, "application/json", nil)
		return
	}
	rec.Header().Set("Content-Type", contentType)
	rec.WriteHeader(status)
}

// ManualClock is a clock a test moves by hand: pass its Now to WithClock, then Advance it to finish a phase of a
// validation or a migration (or to age a nonce or a token) without sleeping. Safe for concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now is the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
