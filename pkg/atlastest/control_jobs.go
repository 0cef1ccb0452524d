package atlastest

import (
	"errors"
	"math"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// ErrJobNotFound is SetJob's error for an ID that is no validation's or migration's.
var ErrJobNotFound = errors.New("atlastest: no validation or live migration with that ID")

// maxJobErrorMessage bounds the errorMessage SetJob gives a job, which the job keeps.
const maxJobErrorMessage = 1024

// JobState is what SetJob (POST /_emulator/jobs/{id}) makes of a validation or a migration, now, moto-style: the next
// reads show it. Give what you want to set:
//
//   - a validation: Status PENDING, SUCCESS or FAILED (ErrorMessage, with FAILED, is what its errorMessage says;
//     a default names the control plane);
//   - a migration: Status NEW, WORKING, FAILED, COMPLETE or EXPIRED (ErrorMessage, with FAILED, is kept as why it
//     failed: Job shows it; Atlas' answer has no such field); ReadyForCutover true (ready, the CutoverWindow starting
//     now) or false (WORKING, replicating from the start); LagTimeSeconds N (WORKING, not ready, lag N).
//
// From that state the job goes on by the emulator's rules and clock, as if it had just reached it: a PENDING
// validation finishes a phase later, a NEW migration replicates, a ready one expires CutoverWindow later, and so on.
// LagTimeSeconds is the exception: the migration holds WORKING with that lag until the next SetJob for it.
type JobState struct {
	Status          string `json:"status,omitempty"`
	ErrorMessage    string `json:"errorMessage,omitempty"`
	ReadyForCutover *bool  `json:"readyForCutover,omitempty"`
	LagTimeSeconds  *int64 `json:"lagTimeSeconds,omitempty"`
}

// Job is a validation or a migration as the control plane shows it: Atlas' fields at the emulator's present time,
// and the failure of a FAILED migration, which Atlas does not show.
type Job struct {
	ID              string `json:"id"`
	Kind            string `json:"kind"` // "validation" or "migration"
	GroupID         string `json:"groupId"`
	Status          string `json:"status"`
	ErrorMessage    string `json:"errorMessage,omitempty"`
	ReadyForCutover *bool  `json:"readyForCutover,omitempty"`
	LagTimeSeconds  *int64 `json:"lagTimeSeconds,omitempty"`
}

// jobHold is a state SetJob holds a migration in until the next SetJob: WORKING, not ready, with this lag.
type jobHold struct {
	lag int64
}

// heldForever is when a held migration finishes: never, as far as the job store's order goes.
var heldForever = time.Unix(0, 0).Add(math.MaxInt64)

// Job returns the validation or migration id as it stands now; ok is false when there is none.
func (s *Server) Job(id string) (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.validations.byID[id]; e != nil {
		return s.validationJobView(e.job), true
	}
	if e := s.migrations.byID[id]; e != nil {
		return s.migrationJobView(e.job), true
	}
	return Job{}, false
}

// SetJob sets validation or migration id to st now (see JobState) and returns it as it then stands. An ID that is
// no job's is ErrJobNotFound; a state that job cannot take is a *ValueError naming the field.
func (s *Server) SetJob(id string, st JobState) (Job, error) {
	if len(st.ErrorMessage) > maxJobErrorMessage {
		return Job{}, badValue("errorMessage", "%d bytes long; at most %d", len(st.ErrorMessage), maxJobErrorMessage)
	}
	if err := checkText("errorMessage", st.ErrorMessage); err != nil {
		return Job{}, err
	}
	if st.ErrorMessage != "" && st.Status != "FAILED" {
		return Job{}, badValue("errorMessage", `give it with "status": "FAILED"`)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now, p := s.now(), s.phase
	if e := s.validations.byID[id]; e != nil {
		if err := setValidation(e.job, st, now, p); err != nil {
			return Job{}, err
		}
		s.validations.changed(id, p)
		return s.validationJobView(e.job), nil
	}
	if e := s.migrations.byID[id]; e != nil {
		if err := setMigration(e.job, st, now, p); err != nil {
			return Job{}, err
		}
		s.migrations.changed(id, p)
		return s.migrationJobView(e.job), nil
	}
	return Job{}, ErrJobNotFound
}

func setValidation(job *validationJob, st JobState, now time.Time, p time.Duration) error {
	switch {
	case st.ReadyForCutover != nil:
		return badValue("readyForCutover", "a validation has no cutover: set its status (PENDING, SUCCESS or FAILED)")
	case st.LagTimeSeconds != nil:
		return badValue("lagTimeSeconds", "a validation has no lag: set its status (PENDING, SUCCESS or FAILED)")
	}
	switch gen.LiveImportValidationStatus(st.Status) {
	case gen.ValidationPending:
		job.created = now // it finishes a phase from now, SUCCESS or FAILED as it would have
	case gen.ValidationSuccess:
		job.created, job.failure = now.Add(-p), ""
	case gen.ValidationFailed:
		job.created, job.failure = now.Add(-p), orDefault(st.ErrorMessage, "Validation failed: the emulator's control plane said so.")
	case "":
		return badValue("status", "required for a validation: PENDING, SUCCESS or FAILED")
	default:
		return badValue("status", "%.40q: a validation is PENDING, SUCCESS or FAILED", st.Status)
	}
	return nil
}

func setMigration(job *migrationJob, st JobState, now time.Time, p time.Duration) error {
	status := gen.LiveMigrationResponseStatus(st.Status)
	switch status {
	case "", gen.MigrationNew, gen.MigrationWorking, gen.MigrationFailed, gen.MigrationComplete, gen.MigrationExpired:
	default:
		return badValue("status", "%.40q: a migration is NEW, WORKING, FAILED, COMPLETE or EXPIRED", st.Status)
	}
	switch {
	case st.Status == "" && st.ReadyForCutover == nil && st.LagTimeSeconds == nil:
		return badValue("", "give status, readyForCutover or lagTimeSeconds")
	case st.ReadyForCutover != nil && st.Status != "" && status != gen.MigrationWorking:
		return badValue("readyForCutover", "a %s migration is not ready for cutover: give readyForCutover alone or with WORKING", st.Status)
	case st.LagTimeSeconds != nil && ((st.Status != "" && status != gen.MigrationWorking) || (st.ReadyForCutover != nil && *st.ReadyForCutover)):
		return badValue("lagTimeSeconds", "a lag is held on a WORKING migration that is not ready for cutover")
	case st.LagTimeSeconds != nil && (*st.LagTimeSeconds < 0 || *st.LagTimeSeconds > 1<<31):
		return badValue("lagTimeSeconds", "%d: want 0 to %d seconds", *st.LagTimeSeconds, int64(1)<<31)
	}
	syncStart := now.Add(-p) // created one phase ago: it leaves NEW now
	job.hold, job.cutover, job.failure = nil, time.Time{}, ""
	switch {
	case st.LagTimeSeconds != nil:
		job.created, job.hold = syncStart, &jobHold{lag: *st.LagTimeSeconds}
	case st.ReadyForCutover != nil && *st.ReadyForCutover:
		job.created = now.Add(-p - SyncPhases*p) // ready now: the cutover window starts
	case st.ReadyForCutover != nil || status == gen.MigrationWorking:
		job.created = syncStart
	case status == gen.MigrationNew:
		job.created = now
	case status == gen.MigrationFailed:
		job.created, job.failure = syncStart, orDefault(st.ErrorMessage, "Live migration failed: the emulator's control plane said so.")
	case status == gen.MigrationComplete:
		job.created, job.cutover = now.Add(-2*p-SyncPhases*p), now.Add(-p)
	case status == gen.MigrationExpired:
		job.created = now.Add(-p - SyncPhases*p - CutoverWindow)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// validationJobView and migrationJobView show a job at the present time; the caller holds s.mu.
func (s *Server) validationJobView(job *validationJob) Job {
	v := s.validationView(job)
	out := Job{ID: job.id, Kind: "validation", GroupID: job.groupID, Status: string(*v.Status)}
	if v.ErrorMessage != nil {
		out.ErrorMessage = *v.ErrorMessage
	}
	return out
}

func (s *Server) migrationJobView(job *migrationJob) Job {
	v := s.migrationView(job)
	out := Job{ID: job.id, Kind: "migration", GroupID: job.groupID, Status: string(*v.Status), ReadyForCutover: v.ReadyForCutover,
		LagTimeSeconds: v.LagTimeSeconds}
	if *v.Status == gen.MigrationFailed {
		out.ErrorMessage = job.failure
	}
	return out
}
